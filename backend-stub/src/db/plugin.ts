import fp from 'fastify-plugin';
import type { Kysely } from 'kysely';
import '../app-types.js';
import type { DbEngine } from './connect.js';
import type { Database } from './schema.js';
import { syncPlugin } from '../sync-plugin.js';

export interface DatabasePluginOptions {
  db: Kysely<Database>;
  engine: DbEngine;
}

/** `app.db` and `app.dbEngine` for an opened (and migrated) database, destroyed when the app closes. */
export const databasePlugin = fp<DatabasePluginOptions>(
  syncPlugin<DatabasePluginOptions>((app, { db, engine }) => {
    app.decorate('db', db);
    app.decorate('dbEngine', engine);
    app.addHook('onClose', async () => {
      await db.destroy();
    });
  }),
  { name: 'database', fastify: '5.x' },
);
