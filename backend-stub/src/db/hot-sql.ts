/**
 * Hand-written SQL for the few statements every stored flag and every webhook delivery runs (the
 * ingest and delivery hot paths). Kysely's query builder and compiler cost more relay CPU than
 * SQLite itself spends on these statements; here the text is fixed, written once with `?`
 * placeholders (numbered `$1...` for PostgreSQL, once per text) and sent with its parameters.
 * better-sqlite3 statements are cached by text (db/connect.ts). Rows come back exactly as Kysely
 * returns them (no result plugins are used).
 */
import { CompiledQuery, PostgresAdapter, sql, type Kysely, type RawBuilder } from 'kysely';
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

export type SqlEngine = 'sqlite' | 'postgres';

export function sqlEngineOf(db: Kysely<Database>): SqlEngine {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

/** A statement's text for each engine, built once. */
export function perEngine(build: (engine: SqlEngine) => string): Record<SqlEngine, string> {
  return { sqlite: build('sqlite'), postgres: build('postgres') };
}

function compiled(db: Kysely<Database>, text: string, params: readonly unknown[]): CompiledQuery {
  return CompiledQuery.raw(sqlEngineOf(db) === 'postgres' ? postgresText(text) : text, params as unknown[]);
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

export type BatchColumnType = 'text' | 'integer';
export type BatchColumns = readonly (readonly [string, BatchColumnType])[];

/**
 * A row source (a SELECT) for a whole batch of rows: one statement text whatever the batch size,
 * so it is prepared once (SQLite's statement cache, PostgreSQL's named statements) and built
 * without the query builder, where a VALUES list or an IN list is another text for every size.
 * SQLite reads one parameter, a JSON array of objects keyed by column name; PostgreSQL one array
 * parameter per column through unnest, whose row estimate follows the arrays (a JSON function is
 * planned as 100 rows whatever it holds, and the generic plan of an UPDATE ... FROM it switched to
 * a hash join over every attempt row: 15-18 ms per statement at 21,000 rows). Pass batchRowsParams.
 */
export function batchRowsSql(engine: SqlEngine, columns: BatchColumns): string {
  if (engine === 'postgres') return `select * from unnest(${columns.map(([, t]) => `?::${t}[]`).join(', ')}) as r(${columns.map(([c]) => c).join(', ')})`;
  return `select ${columns.map(([c]) => `json_extract(value, '$.${c}') as ${c}`).join(', ')} from json_each(?)`;
}

/** The parameters of a batchRowsSql source, for `rows` keyed by the column names. */
export function batchRowsParams(engine: SqlEngine, columns: BatchColumns, rows: readonly Record<string, unknown>[]): unknown[] {
  if (engine === 'postgres') return columns.map(([c]) => rows.map((r) => r[c] ?? null));
  return [JSON.stringify(rows)];
}

/**
 * `column NOT IN (ids)` / `column IN (ids)` with the ids as one parameter, for the query builder:
 * one statement text whatever their number (see batchRowsSql). SQLite reads a JSON array through
 * json_each, PostgreSQL an array.
 */
export function inIds(db: Kysely<Database>, column: string, ids: readonly string[], negate = false): RawBuilder<boolean> {
  const ref = sql.ref(column);
  if (sqlEngineOf(db) === 'postgres') return negate ? sql<boolean>`${ref} <> all(${[...ids]}::text[])` : sql<boolean>`${ref} = any(${[...ids]}::text[])`;
  const list = sql`(select value from json_each(${JSON.stringify(ids)}))`;
  return negate ? sql<boolean>`${ref} not in ${list}` : sql<boolean>`${ref} in ${list}`;
}
