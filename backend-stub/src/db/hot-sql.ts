/**
 * Hand-written SQL for the few statements every stored flag runs (the ingest hot path). Kysely's
 * query builder and compiler cost more relay CPU than SQLite itself spends on these statements;
 * here the text is fixed, written once with `?` placeholders (numbered `$1...` for PostgreSQL,
 * once per text) and sent with its parameters. better-sqlite3 statements are cached by text
 * (db/connect.ts). Rows come back exactly as Kysely returns them (no result plugins are used).
 */
import { CompiledQuery, PostgresAdapter, type Kysely } from 'kysely';
import type { Database } from './schema.js';

const numbered = new Map<string, string>();

function postgresText(text: string): string {
  let out = numbered.get(text);
  if (out === undefined) {
    let n = 0;
    out = text.replace(/\?/g, () => `$${++n}`);
    numbered.set(text, out);
  }
  return out;
}

function compiled(db: Kysely<Database>, text: string, params: readonly unknown[]): CompiledQuery {
  return CompiledQuery.raw(db.getExecutor().adapter instanceof PostgresAdapter ? postgresText(text) : text, params as unknown[]);
}

/** Runs `text` (placeholders `?`) with `params` on `db` (a transaction or the pool). */
export async function hotQuery<R>(db: Kysely<Database>, text: string, params: readonly unknown[]): Promise<R[]> {
  const { rows } = await db.executeQuery<R>(compiled(db, text, params));
  return rows;
}

/**
 * Runs a write without RETURNING and answers how many rows it changed. For rows the caller can
 * build itself: RETURNING makes SQLite copy every column of the row back (a wide sessions row).
 */
export async function hotExec(db: Kysely<Database>, text: string, params: readonly unknown[]): Promise<number> {
  const { numAffectedRows } = await db.executeQuery(compiled(db, text, params));
  return Number(numAffectedRows ?? 0);
}
