/**
 * The console's session and incident API (cookie auth, console/auth.ts), every query scoped to the
 * signed-in reviewer's tenant: the sessions list and its live feed, a session's detail (report +
 * audit log), directives (pause / resume / end), incident changes (through the incident service,
 * so they send incident.instance.updated), the JSON export and the audit log.
 */
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { cookieNames, readCookie, requireReviewer } from '../console/auth.js';
import { audit, listAudit } from '../console/audit.js';
import { findSession, sessionReport } from '../console/session-report.js';
import { listSessions, sessionsChangedSince, SORTABLE } from '../console/session-list.js';
import { reviewerOfSession } from '../console/sign-in.js';
import type { SessionStatus } from '../db/schema.js';
import { incidentHistories } from '../incidents/history.js';
import { changeIncident, incidentJson } from '../incidents/service.js';
import { incidentPatchBody } from './incidents.js';
import { changeStatus, type Ctx } from '../sessions/service.js';
import { SESSION_STATUSES } from '../sessions/status.js';
import { EXTERNAL_ID_PATTERN, sessionIdParams } from './schemas.js';
import { httpError } from '../errors.js';
import { nowIso } from '../clock.js';
import { routePlugin } from '../sync-plugin.js';

/** Media URLs in the console live as long as a console session may idle. */
const CONSOLE_MEDIA_TTL_S = 30 * 60;
const LIVE_POLL_MS = 1000;
const LIVE_RECHECK_MS = 30_000;

const DIRECTIVE_ACTIONS = ['pause', 'resume', 'end'] as const;
const DIRECTIVES: Record<(typeof DIRECTIVE_ACTIONS)[number], SessionStatus> = { pause: 'PAUSED', resume: 'IN_PROGRESS', end: 'STOPPED' };

export const consoleSessionRoutes: FastifyPluginAsync = routePlugin((app) => {
  const hidden = true;
  const ctx = (): Ctx => ({ db: app.db, engine: app.dbEngine, config: app.relayConfig });
  app.addHook('onRequest', requireReviewer);

  app.get(
    '/console/api/sessions',
    {
      schema: {
        hide: hidden,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            exam_id: { type: 'string', pattern: EXTERNAL_ID_PATTERN },
            status: { type: 'string', pattern: `^(${SESSION_STATUSES.join('|')})(,(${SESSION_STATUSES.join('|')}))*$` },
            risk_min: { type: 'number', minimum: 0, maximum: 1 },
            risk_max: { type: 'number', minimum: 0, maximum: 1 },
            from: { type: 'string', format: 'date-time' },
            to: { type: 'string', format: 'date-time' },
            q: { type: 'string', maxLength: 200 },
            sort: { type: 'string', enum: SORTABLE, default: 'created_at' },
            order: { type: 'string', enum: ['asc', 'desc'], default: 'desc' },
            page: { type: 'integer', minimum: 1, maximum: 100_000, default: 1 },
            page_size: { type: 'integer', minimum: 1, maximum: 100, default: 25 },
          },
        },
      },
    },
    async (request) => {
      const { status, from, to, ...rest } = request.query;
      // date-time strings are compared as text with the stored ISO timestamps: normalise to UTC ISO.
      const iso = (t: string | undefined) => (t === undefined ? undefined : new Date(t).toISOString());
      return listSessions(app.db, request.reviewer.tenantId, {
        ...rest,
        from: iso(from),
        to: iso(to),
        status: status ? (status.split(',') as SessionStatus[]) : undefined,
      });
    },
  );

  // Live updates: a poll of the database (every relay process sees every change) pushed as SSE.
  const streams = new Set<FastifyReply['raw']>();
  app.addHook('preClose', (done) => {
    for (const res of streams) res.end();
    done();
  });
  app.get(
    '/console/api/sessions/live',
    { schema: { hide: hidden, querystring: { type: 'object', additionalProperties: false, properties: { since: { type: 'string', format: 'date-time' } } } } },
    async (request, reply) => {
      const tenantId = request.reviewer.tenantId;
      const cookie = readCookie(request, cookieNames(request).session);
      // requireReviewer (onRequest) already refused a request without one.
      if (cookie === undefined) throw httpError(401, 'not_signed_in', 'sign in to the console');
      // A reconnecting EventSource names the last change it got (Last-Event-ID = its updated_at).
      const lastId = request.headers['last-event-id'];
      const resumeAt = typeof lastId === 'string' && !Number.isNaN(Date.parse(lastId)) ? lastId : request.query.since;
      let since = resumeAt ? new Date(resumeAt).toISOString() : nowIso();
      reply.hijack();
      const res = reply.raw;
      streams.add(res);
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      res.write(': live\n\n');
      let stopped = false;
      let lastCheck = performance.now();
      const stop = () => {
        stopped = true;
        streams.delete(res);
        res.end();
      };
      // `stopped` changes while a tick awaits (stop(), the client closing): read it through a call.
      const live = () => !stopped;
      const tick = async () => {
        if (!live()) return;
        try {
          // A signed-out or expired reviewer stops receiving.
          if (performance.now() - lastCheck > LIVE_RECHECK_MS) {
            lastCheck = performance.now();
            if (!(await reviewerOfSession(app.db, cookie))) {
              stop();
              return;
            }
          }
          const changed = await sessionsChangedSince(app.db, tenantId, since);
          for (const s of changed) {
            res.write(`event: session\nid: ${s.updated_at}\ndata: ${JSON.stringify(s)}\n\n`);
            since = s.updated_at;
          }
          if (changed.length === 0) res.write(': keep-alive\n\n');
        } catch (err) {
          request.log.warn({ err }, 'console live feed poll failed');
        }
        if (live()) timer = setTimeout(poll, LIVE_POLL_MS);
      };
      const poll = () => {
        void tick();
      };
      let timer = setTimeout(poll, LIVE_POLL_MS);
      request.raw.on('close', () => {
        clearTimeout(timer);
        stopped = true;
        streams.delete(res);
      });
    },
  );

  app.get('/console/api/sessions/:id', { schema: { hide: hidden, params: sessionIdParams } }, async (request, reply) => {
    const tenantId = request.reviewer.tenantId;
    const session = await findSession(app.db, tenantId, request.params.id);
    const report = await sessionReport(app.db, app.relayConfig, session, CONSOLE_MEDIA_TTL_S);
    const auditLog = await listAudit(app.db, tenantId, { sessionId: session.id, limit: 200 });
    return reply.header('cache-control', 'no-store').send({ ...report, audit: auditLog });
  });

  app.get('/console/api/sessions/:id/export.json', { schema: { hide: hidden, params: sessionIdParams } }, async (request, reply) => {
    const session = await findSession(app.db, request.reviewer.tenantId, request.params.id);
    const report = await sessionReport(app.db, app.relayConfig, session, CONSOLE_MEDIA_TTL_S);
    await audit(app.db, request.reviewer, { action: 'session.exported', targetType: 'session', targetId: session.id, sessionId: session.id, details: { format: 'json' } });
    return reply
      .header('cache-control', 'no-store')
      .header('content-disposition', `attachment; filename="eye-session-${session.id}.json"`)
      .type('application/json; charset=utf-8')
      .send(JSON.stringify(report, null, 2));
  });

  app.post(
    '/console/api/sessions/:id/directive',
    {
      schema: {
        hide: hidden,
        params: sessionIdParams,
        body: {
          type: 'object',
          required: ['action'],
          additionalProperties: false,
          properties: { action: { type: 'string', enum: DIRECTIVE_ACTIONS }, reason: { type: 'string', maxLength: 500, pattern: '^[^\\u0000]*$' } },
        },
      },
    },
    async (request) => {
      const reviewer = request.reviewer;
      const { action, reason } = request.body;
      const s = await changeStatus(ctx(), reviewer.tenantId, request.params.id, DIRECTIVES[action], reason, (trx, before, after) =>
        audit(trx, reviewer, { action: `session.${action}`, targetType: 'session', targetId: after.id, sessionId: after.id, details: { from: before.status, to: after.status, ...(reason ? { reason } : {}) } }),
      );
      return { id: s.id, status: s.status, updated_at: s.updated_at };
    },
  );

  app.patch(
    '/console/api/incidents/:id',
    {
      schema: {
        hide: hidden,
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 100 } } },
        body: incidentPatchBody,
      },
    },
    async (request) => {
      const reviewer = request.reviewer;
      const row = await changeIncident(app.db, reviewer.tenantId, request.params.id, request.body, {
        actor: reviewer.email,
        afterChange: (trx, before, after) =>
          audit(trx, reviewer, {
            action: 'incident.updated',
            targetType: 'incident',
            targetId: after.id,
            sessionId: after.session_id,
            details: { from: { status: before.status, severity: before.severity }, to: { status: after.status, severity: after.severity }, notes: after.resolution_notes },
          }),
      });
      const history = await incidentHistories(app.db, [row]);
      return { ...incidentJson(row), history: history.get(row.id) ?? [] };
    },
  );

  app.get(
    '/console/api/audit',
    {
      schema: {
        hide: hidden,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            session_id: { type: 'string', maxLength: 100 },
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
            before: { type: 'string', maxLength: 40 },
          },
        },
      },
    },
    async (request) => ({ entries: await listAudit(app.db, request.reviewer.tenantId, { sessionId: request.query.session_id, limit: request.query.limit, before: request.query.before }) }),
  );
});
