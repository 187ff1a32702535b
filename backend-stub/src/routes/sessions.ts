import type { FastifyPluginAsync } from 'fastify';
import type { SessionStatus } from '../db/schema.js';
import { httpError } from '../errors.js';
import { changeStatus, createSession, deleteSession, requestReenrollment, type Ctx } from '../sessions/service.js';
import { isEnded } from '../sessions/status.js';
import { sessionView } from '../sessions/view.js';
import { signSessionToken } from '../tokens.js';
import { routePlugin } from '../sync-plugin.js';
import {
  apiKeySecurity,
  errorResponses,
  EXTERNAL_ID_PATTERN,
  sessionIdParams,
  sessionTokenSecurity,
  widgetRateLimit,
} from './schemas.js';
import { omit } from '../omit.js';

const tokenResponse = {
  type: 'object',
  required: ['sessionId', 'token', 'expiresAt'],
  properties: { sessionId: { type: 'string' }, token: { type: 'string' }, expiresAt: { type: 'string', format: 'date-time' } },
} as const;

const jsonObject = { type: 'object', additionalProperties: true } as const;

const sessionViewSchema = {
  type: 'object',
  additionalProperties: true,
  properties: {
    id: { type: 'string' },
    exam_id: { type: 'string' },
    candidate_id: { type: 'string' },
    status: { type: 'string', enum: ['CREATED', 'IN_PROGRESS', 'PAUSED', 'STOPPED', 'SUSPENDED', 'COMPLETED'] },
    metadata: jsonObject,
    calibration: { anyOf: [jsonObject, { type: 'null' }] },
    consent: {
      description: "The candidate's latest answer to the consent step (CONSENT_GIVEN / CONSENT_DECLINED), null before any.",
      anyOf: [
        {
          type: 'object',
          properties: {
            given: { type: 'boolean' },
            at: { type: 'string' },
            locale: { type: 'string' },
            version: { type: 'string' },
            external: { type: 'boolean' },
          },
        },
        { type: 'null' },
      ],
    },
    started_at: { type: ['string', 'null'] },
    ended_at: { type: ['string', 'null'] },
    exit_reason: { type: ['string', 'null'] },
    created_at: { type: 'string' },
    updated_at: { type: 'string' },
    risk_score: { type: 'number' },
    events_summary: {
      type: 'object',
      properties: Object.fromEntries(
        ['tab_switches', 'face_absences', 'face_mismatches', 'multiple_faces', 'audio_anomalies', 'fullscreen_exits', 'devtools_opens'].map((k) => [k, { type: 'integer' }]),
      ),
    },
    flags: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: true,
        properties: {
          id: { type: 'string' },
          type: { type: 'string' },
          description: { type: 'string' },
          created_at: { type: 'string' },
          received_at: { type: 'string' },
          details: { anyOf: [jsonObject, { type: 'null' }] },
          payload: { anyOf: [jsonObject, { type: 'null' }] },
          media: {
            anyOf: [
              { type: 'object', properties: { id: { type: 'string' }, content_type: { type: 'string' }, size: { type: 'integer' }, sha256: { type: 'string' } } },
              { type: 'null' },
            ],
          },
          media_url: { type: ['string', 'null'], description: 'Signed, expiring URL returning the exact uploaded bytes.' },
        },
      },
    },
    incidents: { type: 'array', items: jsonObject },
    identity: {
      type: 'object',
      description: 'Identity checking as the widget reported it (IDENTITY_ENROLLED / IDENTITY_UNAVAILABLE flags). The face embedding never reaches the relay.',
      properties: {
        status: { type: 'string', enum: ['not_checked', 'enrolled', 'unavailable'] },
        enrolled_at: { type: ['string', 'null'] },
        reference_match: { type: ['boolean', 'null'], description: 'Whether the enrolled face matched the host-supplied reference image (null: no reference).' },
        reference_similarity: { type: ['number', 'null'] },
        unavailable_reason: { type: ['string', 'null'] },
        face_mismatches: { type: 'integer' },
        reenroll_requested_at: { type: ['string', 'null'], description: 'A pending re-enroll request (POST /v1/sessions/{id}/re-enroll).' },
      },
    },
  },
} as const;

const API_STATUSES: SessionStatus[] = ['IN_PROGRESS', 'PAUSED', 'SUSPENDED', 'STOPPED'];

export const sessionRoutes: FastifyPluginAsync = routePlugin((app) => {
  const ctx = (): Ctx => ({ db: app.db, engine: app.dbEngine, config: app.relayConfig });

  app.post(
    '/sessions',
    {
      schema: {
        summary: 'Create a proctoring session and its short-lived widget token',
        tags: ['sessions'],
        security: apiKeySecurity,
        body: {
          type: 'object',
          required: ['examId', 'candidateId'],
          additionalProperties: false,
          properties: {
            examId: { type: 'string', pattern: EXTERNAL_ID_PATTERN },
            candidateId: { type: 'string', pattern: EXTERNAL_ID_PATTERN },
            metadata: { ...jsonObject, maxProperties: 64, description: 'e.g. browser_ua, screen_resolution, timezone, sdk_version' },
            calibration: { anyOf: [jsonObject, { type: 'null' }] },
          },
        },
        response: { 201: tokenResponse, ...errorResponses(400, 401, 413, 415) },
      },
    },
    async (request, reply) => {
      const tenantId = request.tenant.id;
      const { examId, candidateId, metadata, calibration } = request.body;
      const session = await createSession(ctx(), tenantId, { examId, candidateId, metadata, calibration });
      const { token, expiresAt } = await signSessionToken(
        app.relayConfig.secret,
        { sessionId: session.id, tenantId, examId, candidateId },
        app.relayConfig.tokenTtlSeconds,
      );
      return reply.code(201).send({ sessionId: session.id, token, expiresAt });
    },
  );

  app.get(
    '/sessions',
    {
      schema: {
        summary: "List the tenant's sessions, newest first (keyset pagination with next_cursor)",
        tags: ['sessions'],
        security: apiKeySecurity,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            exam_id: { type: 'string', pattern: EXTERNAL_ID_PATTERN },
            candidate_id: { type: 'string', pattern: EXTERNAL_ID_PATTERN },
            status: { type: 'string', enum: ['CREATED', 'IN_PROGRESS', 'PAUSED', 'STOPPED', 'SUSPENDED', 'COMPLETED'] },
            limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
            cursor: { type: 'string', maxLength: 200, description: 'next_cursor of the previous page' },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              sessions: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    id: { type: 'string' },
                    exam_id: { type: 'string' },
                    candidate_id: { type: 'string' },
                    status: { type: 'string' },
                    started_at: { type: ['string', 'null'] },
                    ended_at: { type: ['string', 'null'] },
                    risk_score: { type: 'number' },
                    created_at: { type: 'string' },
                    updated_at: { type: 'string' },
                  },
                },
              },
              next_cursor: { type: ['string', 'null'] },
            },
          },
          ...errorResponses(400, 401),
        },
      },
    },
    async (request) => {
      const { exam_id, candidate_id, status, limit, cursor } = request.query;
      let after: { created_at: string; id: string } | null = null;
      if (cursor) {
        const [createdAt, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
        if (!createdAt || !id || Number.isNaN(Date.parse(createdAt))) throw httpError(400, 'invalid_cursor', 'cursor is not a next_cursor of this list');
        after = { created_at: createdAt, id };
      }
      const rows = await app.db
        .selectFrom('sessions')
        .select(['id', 'exam_id', 'candidate_id', 'status', 'started_at', 'ended_at', 'risk_score', 'created_at', 'updated_at'])
        .where('tenant_id', '=', request.tenant.id)
        .$call((q) => (exam_id !== undefined ? q.where('exam_id', '=', exam_id) : q))
        .$call((q) => (candidate_id !== undefined ? q.where('candidate_id', '=', candidate_id) : q))
        .$call((q) => (status !== undefined ? q.where('status', '=', status) : q))
        .$call((q) => {
          if (after === null) return q;
          const { created_at: afterCreatedAt, id: afterId } = after;
          return q.where((eb) => eb.or([eb('created_at', '<', afterCreatedAt), eb.and([eb('created_at', '=', afterCreatedAt), eb('id', '<', afterId)])]));
        })
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit + 1)
        .execute();
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return {
        sessions: page,
        next_cursor: rows.length > limit && last ? Buffer.from(`${last.created_at}|${last.id}`).toString('base64url') : null,
      };
    },
  );

  app.get(
    '/sessions/:id',
    {
      schema: {
        summary: 'Session status, flags timeline (signed media URLs), events summary, risk score, incidents',
        tags: ['sessions'],
        security: apiKeySecurity,
        params: sessionIdParams,
        response: { 200: sessionViewSchema, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const session = await app.db
        .selectFrom('sessions')
        .selectAll()
        .where('id', '=', request.params.id)
        .where('tenant_id', '=', request.tenant.id)
        .executeTakeFirst();
      if (!session) throw httpError(404, 'session_not_found', 'session not found');
      return sessionView(app.db, app.relayConfig, session);
    },
  );

  app.delete(
    '/sessions/:id',
    {
      schema: {
        summary: 'Erase a session: its flags, media files, incidents and webhook events',
        tags: ['sessions'],
        security: apiKeySecurity,
        params: sessionIdParams,
        response: { 204: { type: 'null', description: 'Erased' }, ...errorResponses(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const files = await deleteSession(ctx(), request.tenant.id, request.params.id);
      // The rows are gone (committed): a store that fails now leaves an orphan, never a 5xx for an erasure that happened.
      for (const name of files) {
        await app.mediaStore.remove(name).catch((err: unknown) => {
          request.log.warn({ err, storageName: name }, 'erased media bytes not removed from the media store');
        });
      }
      return reply.code(204).send(null);
    },
  );

  const statusSchema = {
    summary: 'Change the session status (pause, resume, suspend, stop); only valid transitions',
    tags: ['sessions'],
    security: apiKeySecurity,
    params: sessionIdParams,
    body: {
      type: 'object',
      required: ['status'],
      additionalProperties: false,
      properties: {
        status: { type: 'string', enum: API_STATUSES },
        reason: { type: 'string', maxLength: 500, pattern: '^[^\\u0000]*$', description: 'Stored as exit_reason when the session ends.' },
      },
    },
    response: {
      200: { type: 'object', properties: { id: { type: 'string' }, status: { type: 'string' }, updated_at: { type: 'string' } } },
      ...errorResponses(400, 401, 404, 409),
    },
  } as const;
  const setStatus = async (tenantId: string, id: string, body: { status: SessionStatus; reason?: string }) => {
    const s = await changeStatus(ctx(), tenantId, id, body.status, body.reason);
    return { id: s.id, status: s.status, updated_at: s.updated_at };
  };
  app.post('/sessions/:id/status', { schema: statusSchema }, (request) => setStatus(request.tenant.id, request.params.id, request.body));
  app.patch('/sessions/:id', { schema: { ...statusSchema, summary: 'Same as POST /v1/sessions/{id}/status' } }, (request) =>
    setStatus(request.tenant.id, request.params.id, request.body),
  );

  app.post(
    '/sessions/:id/re-enroll',
    {
      schema: {
        summary: "Ask the widget to enroll the candidate's face again (re-enroll directive until IDENTITY_ENROLLED arrives)",
        tags: ['sessions'],
        security: apiKeySecurity,
        params: sessionIdParams,
        response: {
          202: { type: 'object', properties: { id: { type: 'string' }, reenroll_requested_at: { type: 'string' } } },
          ...errorResponses(401, 404, 409),
        },
      },
    },
    async (request, reply) => {
      const s = await requestReenrollment(ctx(), request.tenant.id, request.params.id);
      // requestReenrollment sets it (or refuses with 409).
      if (s.reenroll_requested_at === null) throw new Error(`session ${s.id}: re-enrollment requested but not recorded`);
      return reply.code(202).send({ id: s.id, reenroll_requested_at: s.reenroll_requested_at });
    },
  );
});

/** `POST /v1/sessions/{id}/token` (session-token group): the widget renews its token. */
export const sessionTokenRenewalRoutes: FastifyPluginAsync = routePlugin((app) => {
  app.post(
    '/sessions/:id/token',
    {
      config: { rateLimit: widgetRateLimit(app.relayConfig) },
      schema: {
        summary: 'Exchange a still-valid session token for a fresh one',
        tags: ['sessions'],
        security: sessionTokenSecurity,
        params: sessionIdParams,
        response: { 200: tokenResponse, ...errorResponses(400, 401, 403, 404, 409, 429) },
      },
    },
    async (request) => {
      const claims = request.session;
      const session = await app.db
        .selectFrom('sessions')
        .select(['id', 'status'])
        .where('id', '=', claims.sessionId)
        .where('tenant_id', '=', claims.tenantId)
        .executeTakeFirst();
      if (!session) throw httpError(404, 'session_not_found', 'session not found');
      if (isEnded(session.status)) throw httpError(409, 'session_ended', `session is ${session.status}; no new token`);
      const { token, expiresAt } = await signSessionToken(app.relayConfig.secret, omit(claims, 'exp'), app.relayConfig.tokenTtlSeconds);
      return { sessionId: session.id, token, expiresAt };
    },
  );
});
