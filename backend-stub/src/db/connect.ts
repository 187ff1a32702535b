import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import pg from 'pg';
import { SchemaScopedPostgresDialect } from './pg-introspector.js';
import type { Database } from './schema.js';

export type DbEngine = 'sqlite' | 'postgres';

export interface DbOptions {
  /** `postgres://...` / `postgresql://...`, or a SQLite file path. */
  databaseUrl: string;
  /** PostgreSQL only: schema put first on the search_path of every pooled connection. */
  pgSchema?: string | null;
  /** PostgreSQL pool size. */
  poolMax?: number;
}

export function engineOf(databaseUrl: string): DbEngine {
  return /^postgres(ql)?:\/\//i.test(databaseUrl) ? 'postgres' : 'sqlite';
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function assertSchemaName(name: string): void {
  if (!SCHEMA_NAME.test(name)) throw new Error(`invalid PostgreSQL schema name: ${name}`);
}

/** Opens the database. `db.destroy()` closes the pool / file. */
export function openDatabase(opts: DbOptions): { db: Kysely<Database>; engine: DbEngine } {
  const engine = engineOf(opts.databaseUrl);
  if (engine === 'postgres') {
    if (opts.pgSchema) assertSchemaName(opts.pgSchema);
    const pool = new pg.Pool({
      connectionString: opts.databaseUrl,
      max: opts.poolMax ?? 10,
      options: opts.pgSchema ? `-c search_path=${opts.pgSchema}` : undefined,
    });
    // An idle client losing its connection must not crash the process.
    pool.on('error', () => {});
    return { db: new Kysely<Database>({ dialect: new SchemaScopedPostgresDialect({ pool }) }), engine };
  }
  const file = resolve(opts.databaseUrl.replace(/^sqlite:(\/\/)?/i, ''));
  mkdirSync(dirname(file), { recursive: true });
  const sqlite = new BetterSqlite3(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  return { db: new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) }), engine };
}
