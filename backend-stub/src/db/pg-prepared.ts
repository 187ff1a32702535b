import type pg from 'pg';

/** Distinct statement texts prepared per connection; texts beyond it run unnamed, as before. */
export const PREPARED_PER_CONNECTION = 300;

/** SQLSTATE 0A000: a prepared `select *` or `returning *` whose columns changed (another relay migrated). */
const PLAN_CHANGED = /cached plan must not change result type/;

type QueryFn = (...args: unknown[]) => unknown;

/**
 * Makes every parameterised query of the pool's connections a named prepared statement, keyed by
 * its text. PostgreSQL then parses and plans each statement once per connection instead of on
 * every execution; the relay runs a small, fixed set of statement texts (Kysely compiles each
 * query shape to the same text), and on the ingest path that planning was most of PostgreSQL's
 * work. Queries without parameters (BEGIN, COMMIT, migrations' DDL) keep the simple protocol.
 *
 * A statement whose result columns changed under it (a newer relay migrated the schema) fails once
 * with "cached plan must not change result type"; its text then gets a fresh name on that
 * connection, and outside a transaction the query is sent again at once.
 * Not for a pooler in transaction mode (PgBouncer): turn it off there (EYE_PG_PREPARE=0).
 */
export function prepareStatements(pool: pg.Pool, max = PREPARED_PER_CONNECTION): void {
  pool.on('connect', (client) => {
    const names = new Map<string, string>();
    let next = 0;
    let inTransaction = false;
    const query = client.query.bind(client) as QueryFn;
    const nameOf = (text: string): string | undefined => {
      let name = names.get(text);
      if (name === undefined && names.size < max) names.set(text, (name = `eye_${next++}`));
      return name;
    };
    const wrapped: QueryFn = (text, values, callback) => {
      if (typeof text === 'string' && (values === undefined || (Array.isArray(values) && values.length === 0))) {
        // Kysely's transaction control: a failed prepared statement may only be retried outside one.
        const t = text.trimStart().slice(0, 12).toLowerCase();
        if (t.startsWith('begin') || t.startsWith('start')) inTransaction = true;
        // ROLLBACK TO SAVEPOINT leaves the transaction open.
        else if (t.startsWith('commit') || t.startsWith('end') || (t.startsWith('rollback') && !t.startsWith('rollback to'))) inTransaction = false;
      }
      if (typeof text !== 'string' || !Array.isArray(values) || values.length === 0 || callback !== undefined) return query(text, values, callback);
      const name = nameOf(text);
      if (name === undefined) return query(text, values);
      const sent = inTransaction;
      return (query({ name, text, values }) as Promise<unknown>).catch((err: unknown) => {
        if (!(err instanceof Error) || !PLAN_CHANGED.test(err.message) || names.get(text) !== name) throw err;
        names.delete(text);
        if (sent) throw err;
        const fresh = nameOf(text);
        return fresh === undefined ? query(text, values) : query({ name: fresh, text, values });
      });
    };
    (client as unknown as { query: QueryFn }).query = wrapped;
  });
}
