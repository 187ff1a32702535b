import type { FastifyPluginAsync } from 'fastify';
import { httpError } from '../errors.js';
import { signMediaUrl } from '../media/signed-url.js';
import { buildEnvelope } from '../webhooks/envelope.js';
import { apiKeySecurity, errorResponses } from './schemas.js';
import { now as clockNow, nowDate } from '../clock.js';
import { routePlugin } from '../sync-plugin.js';

const MAX_EVENTS = 5000;

function parseTime(value: string | undefined, name: string): string | null {
  if (value === undefined || value === '') return null;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw httpError(400, 'invalid_time', `${name} must be an ISO-8601 date-time`);
  return new Date(ms).toISOString();
}

export const replayRoutes: FastifyPluginAsync = routePlugin((app) => {
  app.get(
    '/events/replay',
    {
      schema: {
        summary: "Every outgoing event of a session in a time window, as webhook envelopes, for 72 h after the session ended",
        description:
          'Events are those the webhooks carry (session.*, proctoring_event.*, incident.*), whether or not they were delivered. ' +
          'Window on occurred_at, both ends inclusive. media_url is signed afresh. After the retention window: 410 replay_window_expired.',
        tags: ['webhooks'],
        security: apiKeySecurity,
        querystring: {
          type: 'object',
          required: ['session_id'],
          additionalProperties: false,
          properties: {
            session_id: { type: 'string', minLength: 1, maxLength: 100 },
            from: { type: 'string', maxLength: 40 },
            to: { type: 'string', maxLength: 40 },
            limit: { type: 'integer', minimum: 1, maximum: MAX_EVENTS, default: 1000 },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              session_id: { type: 'string' },
              from: { type: ['string', 'null'] },
              to: { type: ['string', 'null'] },
              replayable_until: { type: ['string', 'null'], description: 'null while the session has not ended' },
              count: { type: 'integer' },
              has_more: { type: 'boolean' },
              events: { type: 'array', items: { type: 'object', additionalProperties: true } },
            },
          },
          ...errorResponses(400, 401, 404, 410),
        },
      },
    },
    async (request) => {
      const { session_id: sessionId } = request.query;
      const from = parseTime(request.query.from, 'from');
      const to = parseTime(request.query.to, 'to');
      if (from && to && from > to) throw httpError(400, 'invalid_window', 'from must not be after to');
      const { limit } = request.query; // the schema default (1000) fills it in
      const session = await app.db
        .selectFrom('sessions')
        .select(['id', 'ended_at'])
        .where('id', '=', sessionId)
        .where('tenant_id', '=', request.tenant.id)
        .executeTakeFirst();
      if (!session) throw httpError(404, 'session_not_found', 'session not found');
      const retentionMs = app.webhooks.settings.retentionMs;
      const until = session.ended_at ? new Date(Date.parse(session.ended_at) + retentionMs).toISOString() : null;
      if (until && clockNow() > Date.parse(until)) {
        throw httpError(
          410,
          'replay_window_expired',
          `events of this session were replayable until ${until} (${Math.round(retentionMs / 3_600_000)} h after it ended at ${session.ended_at}) and are purged`,
        );
      }
      let q = app.db.selectFrom('webhook_events').selectAll().where('session_id', '=', sessionId);
      if (from) q = q.where('occurred_at', '>=', from);
      if (to) q = q.where('occurred_at', '<=', to);
      const rows = await q.orderBy('occurred_at').orderBy('created_at').orderBy('id').limit(limit + 1).execute();
      const now = nowDate();
      const config = app.relayConfig;
      const events = rows.slice(0, limit).map((row) => buildEnvelope(row, now, (mediaId) => signMediaUrl(config, mediaId, config.mediaUrlTtlSeconds)));
      return { session_id: sessionId, from, to, replayable_until: until, count: events.length, has_more: rows.length > limit, events };
    },
  );
});
