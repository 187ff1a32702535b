import { PostgresAdapter, sql, type Kysely, type Migration } from 'kysely';

/**
 * Each session keeps how many flags of each type it has stored (`flag_counts`, a JSON object),
 * updated with its risk score. The flag path read that count with `count(*)` over the session's
 * flags of the type, which grows with the exam: 11 us per flag in a new session, 47 us at 3,000
 * stored flags, 136 us at 10,000 (SQLite), more than all the rest of a flag's work. Existing
 * sessions get the counts of the flags they hold, in one statement (no rows through the relay's
 * memory, however large the database).
 */
export const flagCountsMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('sessions').addColumn('flag_counts', 'text').execute();
    // The same JSON object on each engine: {type: count} over the session's flags.
    const countsObject = db.getExecutor().adapter instanceof PostgresAdapter ? sql`json_object_agg(t.type, t.n)::text` : sql`json_group_object(t.type, t.n)`;
    await sql`update sessions set flag_counts = (
        select ${countsObject} from (select f.type, count(*) as n from flags f where f.session_id = sessions.id group by f.type) t
      ) where exists (select 1 from flags f where f.session_id = sessions.id)`.execute(db);
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('sessions').dropColumn('flag_counts').execute();
  },
};
