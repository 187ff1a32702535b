import type { Kysely } from 'kysely';
import type { RelayConfig } from './config.js';
import type { DbEngine } from './db/connect.js';
import type { Database } from './db/schema.js';
import type { MediaStore } from './media/store.js';
import type { SessionClaims } from './tokens.js';

/** What buildServer decorates the Fastify instance and requests with. */
declare module 'fastify' {
  interface FastifyInstance {
    db: Kysely<Database>;
    dbEngine: DbEngine;
    relayConfig: RelayConfig;
    mediaStore: MediaStore;
  }
  interface FastifyRequest {
    /** Set by `requireApiKey` (and `requireReviewer`); read only in routes of those groups (auth.ts). */
    tenant: { id: string; name: string };
    /** Set by `requireSessionToken`: the verified token claims; read only in routes of that group. */
    session: SessionClaims;
  }
}

export {};
