import type { Kysely, Migration } from 'kysely';

/**
 * Core tables. Types are chosen to mean the same on SQLite and PostgreSQL:
 * text, integer, double precision; timestamps ISO text; JSON text.
 */
export const coreMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('tenants')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('api_keys')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
      .addColumn('key_hash', 'text', (c) => c.notNull().unique())
      .addColumn('prefix', 'text', (c) => c.notNull())
      .addColumn('label', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('revoked_at', 'text')
      .execute();

    await db.schema
      .createTable('exams')
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('name', 'text')
      .addColumn('escalation_threshold', 'double precision', (c) => c.notNull().defaultTo(0.7))
      .addColumn('critical_threshold', 'double precision', (c) => c.notNull().defaultTo(0.9))
      .addColumn('auto_pause', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('settings', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('exams_pk', ['tenant_id', 'id'])
      .execute();

    await db.schema
      .createTable('sessions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
      .addColumn('exam_id', 'text', (c) => c.notNull())
      .addColumn('candidate_id', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('metadata', 'text', (c) => c.notNull())
      .addColumn('calibration', 'text')
      .addColumn('started_at', 'text')
      .addColumn('ended_at', 'text')
      .addColumn('exit_reason', 'text')
      .addColumn('risk_score', 'double precision', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addForeignKeyConstraint('sessions_exam_fk', ['tenant_id', 'exam_id'], 'exams', ['tenant_id', 'id'], (fk) =>
        fk.onDelete('cascade'),
      )
      .execute();
    await db.schema.createIndex('sessions_tenant_exam_idx').on('sessions').columns(['tenant_id', 'exam_id']).execute();
    await db.schema
      .createIndex('sessions_tenant_candidate_idx')
      .on('sessions')
      .columns(['tenant_id', 'candidate_id'])
      .execute();

    await db.schema
      .createTable('media')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('session_id', 'text', (c) => c.notNull().references('sessions.id').onDelete('cascade'))
      .addColumn('content_type', 'text', (c) => c.notNull())
      .addColumn('size', 'integer', (c) => c.notNull())
      .addColumn('sha256', 'text', (c) => c.notNull())
      .addColumn('storage_name', 'text', (c) => c.notNull().unique())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('media_session_idx').on('media').column('session_id').execute();

    await db.schema
      .createTable('flags')
      .addColumn('session_id', 'text', (c) => c.notNull().references('sessions.id').onDelete('cascade'))
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('received_at', 'text', (c) => c.notNull())
      .addColumn('details', 'text')
      .addColumn('payload', 'text')
      .addColumn('media_id', 'text', (c) => c.references('media.id'))
      .addColumn('content_hash', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('flags_pk', ['session_id', 'id'])
      .execute();
    await db.schema.createIndex('flags_session_created_idx').on('flags').columns(['session_id', 'created_at']).execute();
    await db.schema.createIndex('flags_session_type_idx').on('flags').columns(['session_id', 'type']).execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    for (const t of ['flags', 'media', 'sessions', 'exams', 'api_keys', 'tenants']) {
      await db.schema.dropTable(t).ifExists().execute();
    }
  },
};
