import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Every stored flag wrote an entry into `flags_session_type_idx` (session_id, type). Since 0013 the
 * flag path counts from `sessions.flag_counts`, and the only queries by type left are the tab
 * switch ones (sessions/tab-switch.ts): they get two partial indexes, written only for their own
 * two types, and every other flag has one index entry less to write (8 % less relay CPU per flag
 * in an ingest probe). The queries name the type as a literal (`sql.lit`): PostgreSQL's generic
 * plans (prepared statements) can use a partial index only then.
 */
export const tabSwitchIndexesMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`create index flags_tab_switch_idx on flags (session_id, created_at, id) where type = 'TAB_NOT_FOCUS'`.execute(db);
    await sql`create index flags_tab_return_idx on flags (session_id) where type = 'TAB_FOCUS_CHANGE'`.execute(db);
    await db.schema.dropIndex('flags_session_type_idx').execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.createIndex('flags_session_type_idx').on('flags').columns(['session_id', 'type']).execute();
    await db.schema.dropIndex('flags_tab_return_idx').execute();
    await db.schema.dropIndex('flags_tab_switch_idx').execute();
  },
};
