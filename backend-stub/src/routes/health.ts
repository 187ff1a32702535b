import type { FastifyPluginAsync } from 'fastify';
import { sql } from 'kysely';
import { errorSchema } from '../errors.js';
import { syncPlugin } from '../sync-plugin.js';

/** `GET /healthz`: 200 when the database answers, 503 otherwise. */
export const healthRoutes: FastifyPluginAsync = syncPlugin((app) => {
  app.get(
    '/healthz',
    {
      schema: {
        summary: 'Liveness and database check',
        tags: ['ops'],
        response: {
          200: { type: 'object', properties: { status: { type: 'string' }, db: { type: 'string' } } },
          503: errorSchema,
        },
      },
    },
    async (_request, reply) => {
      try {
        await sql`select 1`.execute(app.db);
        return { status: 'ok', db: app.dbEngine };
      } catch {
        return reply.code(503).send({ error: 'db_unavailable', message: 'database is not reachable' });
      }
    },
  );
});
