import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { now } from '../clock.js';
import { REPORT_TOKEN_DEFAULT_TTL_S, REPORT_TOKEN_MAX_TTL_S, signReportToken, verifyReportToken, type ReportClaims } from '../console/report-token.js';
import { findSession, sessionReport } from '../console/session-report.js';
import { httpError } from '../errors.js';
import { apiKeySecurity, errorResponses, sessionIdParams } from './schemas.js';
import { routePlugin, syncPlugin } from '../sync-plugin.js';

/**
 * Session reports for LMS pages: the LMS backend asks for a report token with its API key and
 * hands it to `<eye-session-report>`, which reads GET /v1/reports/{id} with it (any origin, no
 * cookies). The report is read-only; its media URLs expire with the token.
 */
const tags = ['reports'];

/** `POST /v1/sessions/{id}/report-token` (API-key group). */
export const reportTokenRoutes: FastifyPluginAsync = routePlugin((app) => {
  app.post(
    '/sessions/:id/report-token',
    {
      schema: {
        summary: 'A short-lived, read-only token for one session report (for <eye-session-report> on an LMS page)',
        tags,
        security: apiKeySecurity,
        params: sessionIdParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ttl_seconds: { type: 'integer', minimum: 60, maximum: REPORT_TOKEN_MAX_TTL_S, description: `Lifetime; default ${REPORT_TOKEN_DEFAULT_TTL_S} s.` },
          },
        },
        response: {
          201: { type: 'object', properties: { token: { type: 'string' }, expiresAt: { type: 'string' }, reportUrl: { type: 'string' } } },
          ...errorResponses(400, 401, 404, 415),
        },
      },
    },
    async (request, reply) => {
      const tenantId = request.tenant.id;
      const session = await findSession(app.db, tenantId, request.params.id);
      const ttl = request.query.ttl_seconds ?? REPORT_TOKEN_DEFAULT_TTL_S;
      const { token, expiresAt } = await signReportToken(app.relayConfig.secret, { tenantId, sessionId: session.id }, ttl);
      return reply.code(201).send({ token, expiresAt, reportUrl: `${app.relayConfig.publicUrl}/v1/reports/${session.id}` });
    },
  );
});

/** `GET /v1/reports/{id}` with a report token (its own onRequest hook). */
export const reportRoutes: FastifyPluginAsync = syncPlugin((app) => {
  /** Report-token claims of a request, set in onRequest: authentication comes before validation. */
  const reportClaims = new WeakMap<FastifyRequest, ReportClaims>();
  const requireReportToken = async (request: FastifyRequest<{ Params: { id: string } }>) => {
    const token = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
    if (token === undefined || token.length > 2000) throw httpError(401, 'unauthorized', 'report token required (Authorization: Bearer <token>)');
    const claims = await verifyReportToken(app.relayConfig.secret, token);
    if (claims.sessionId !== request.params.id) throw httpError(403, 'forbidden', 'report token is not valid for this session');
    reportClaims.set(request, claims);
  };
  app.get<{ Params: { id: string } }>(
    '/reports/:id',
    {
      onRequest: requireReportToken,
      schema: {
        summary: 'A session report (Authorization: Bearer <report token>): timeline with media URLs, risk evidence, incidents with history',
        tags,
        security: [{ reportToken: [] }],
        params: sessionIdParams,
        response: errorResponses(400, 401, 403, 404),
      },
    },
    async (request, reply) => {
      const claims = reportClaims.get(request);
      // Set by requireReportToken (onRequest), which refuses the request otherwise.
      if (!claims) throw httpError(401, 'unauthorized', 'report token required (Authorization: Bearer <token>)');
      const session = await findSession(app.db, claims.tenantId, claims.sessionId);
      const report = await sessionReport(app.db, app.relayConfig, session, claims.exp - Math.floor(now() / 1000));
      return reply.header('cache-control', 'no-store').send(report);
    },
  );
});
