import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Fewer index entries per stored flag. Each secondary index on flags keyed by session puts every
 * flag on a leaf page of its own session, so a commit of flags from many sessions writes one page
 * per session per index into the WAL, and with hundreds of sessions those pages crowd SQLite's page
 * cache. Two go:
 * - `flags_session_type_idx` (session_id, type): since 0013 the flag path counts from
 *   `sessions.flag_counts`; the tab-switch queries, the only ones left by type
 *   (sessions/tab-switch.ts), get two partial indexes written only for their own two types. They
 *   name the type as a literal (`sql.lit`): PostgreSQL's generic plans (prepared statements) use a
 *   partial index only then.
 * - `flags_session_created_idx` (session_id, created_at): only the session view's timeline read
 *   it, and that orders by created_at, received_at, id, so it sorted anyway; it now finds the
 *   session's flags by the primary key (session_id, id) and sorts them, once per view.
 * Ingest probe (relay CPU per flag, pairs): 0.272 / 0.289 -> 0.250 / 0.267 ms for the first, then
 * 0.354 / 0.363 -> 0.280 / 0.254 ms for the second.
 */
export const flagIndexesMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`create index flags_tab_switch_idx on flags (session_id, created_at, id) where type = 'TAB_NOT_FOCUS'`.execute(db);
    await sql`create index flags_tab_return_idx on flags (session_id) where type = 'TAB_FOCUS_CHANGE'`.execute(db);
    await db.schema.dropIndex('flags_session_type_idx').execute();
    await db.schema.dropIndex('flags_session_created_idx').execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.createIndex('flags_session_created_idx').on('flags').columns(['session_id', 'created_at']).execute();
    await db.schema.createIndex('flags_session_type_idx').on('flags').columns(['session_id', 'type']).execute();
    await db.schema.dropIndex('flags_tab_return_idx').execute();
    await db.schema.dropIndex('flags_tab_switch_idx').execute();
  },
};
