import type { Kysely, Migration } from 'kysely';

/**
 * Review console (issue 15): reviewer accounts per tenant, their sign-in sessions (stored hashed),
 * sign-in failures for the lockout, the audit log of reviewer actions, and the status history of
 * incidents. Portable types only (text / integer, ISO timestamps, JSON as text).
 */
export const consoleMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('reviewers')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
      .addColumn('email', 'text', (c) => c.notNull()) // lower-cased
      .addColumn('display_name', 'text')
      .addColumn('role', 'text', (c) => c.notNull()) // admin | reviewer
      .addColumn('password_hash', 'text', (c) => c.notNull()) // scrypt$N$r$p$salt$hash
      .addColumn('disabled_at', 'text')
      .addColumn('last_sign_in_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('reviewers_tenant_email_uq', ['tenant_id', 'email'])
      .execute();

    await db.schema
      .createTable('console_sessions')
      .addColumn('token_hash', 'text', (c) => c.primaryKey()) // SHA-256 of the cookie value
      .addColumn('reviewer_id', 'text', (c) => c.notNull().references('reviewers.id').onDelete('cascade'))
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull()) // sliding (idle timeout), capped at absolute_expires_at
      .addColumn('absolute_expires_at', 'text', (c) => c.notNull())
      .addColumn('user_agent', 'text')
      .execute();
    await db.schema.createIndex('console_sessions_reviewer_idx').on('console_sessions').column('reviewer_id').execute();

    // Failures per (tenant, email), whether or not the account exists: the lockout then tells no one which accounts exist.
    await db.schema
      .createTable('console_sign_in_failures')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('email', 'text', (c) => c.notNull())
      .addColumn('failed_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('console_sign_in_failures_key_idx')
      .on('console_sign_in_failures')
      .columns(['tenant_id', 'email', 'failed_at'])
      .execute();

    await db.schema
      .createTable('console_audit')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
      .addColumn('actor_type', 'text', (c) => c.notNull()) // reviewer | api_key
      .addColumn('actor_id', 'text') // reviewer id (kept when the account goes)
      .addColumn('actor_email', 'text')
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('target_type', 'text')
      .addColumn('target_id', 'text')
      .addColumn('session_id', 'text')
      .addColumn('details', 'text') // JSON
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('console_audit_tenant_idx').on('console_audit').columns(['tenant_id', 'created_at']).execute();
    await db.schema.createIndex('console_audit_session_idx').on('console_audit').columns(['session_id', 'created_at']).execute();

    await db.schema
      .createTable('incident_history')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('incident_id', 'text', (c) => c.notNull().references('incidents.id').onDelete('cascade'))
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('from_status', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('severity', 'text', (c) => c.notNull())
      .addColumn('notes', 'text')
      .addColumn('actor', 'text', (c) => c.notNull()) // reviewer email, or "api"
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('incident_history_incident_idx').on('incident_history').columns(['incident_id', 'created_at']).execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    for (const t of ['incident_history', 'console_audit', 'console_sign_in_failures', 'console_sessions', 'reviewers']) {
      await db.schema.dropTable(t).ifExists().execute();
    }
  },
};
