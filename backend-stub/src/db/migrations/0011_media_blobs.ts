import { PostgresAdapter, sql, type Kysely, type Migration } from 'kysely';

/**
 * Media bytes in the database (media/db-store.ts), so that several relay processes on one
 * PostgreSQL serve every session's media. One row per committed upload, keyed by the storage
 * name its `media` row carries. No foreign key: the bytes are removed after the media row goes
 * (session erasure, retention), like files on disk.
 */
export const mediaBlobsMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const bytesType = db.getExecutor().adapter instanceof PostgresAdapter ? sql`bytea` : sql`blob`;
    await db.schema
      .createTable('media_blobs')
      .addColumn('storage_name', 'text', (c) => c.primaryKey())
      .addColumn('bytes', bytesType, (c) => c.notNull())
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('media_blobs').execute();
  },
};
