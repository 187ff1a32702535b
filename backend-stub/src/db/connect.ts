import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, type SqliteDatabase, type SqliteStatement } from 'kysely';
import type pg from 'pg';
import { SchemaScopedPostgresDialect } from './pg-introspector.js';
import { prepareStatements } from './pg-prepared.js';
import type { Database } from './schema.js';
import { LockWaitingSqliteDialect } from './sqlite-lock-wait.js';
import { startWalCheckpointer, type CheckpointerOptions, type WalCheckpointer } from './wal-checkpointer.js';

export type DbEngine = 'sqlite' | 'postgres';

/** `pg`, loaded on first use: a relay on SQLite never holds its modules in memory. */
export function loadPg(): typeof pg {
  return createRequire(import.meta.url)('pg') as typeof pg;
}

export const DEFAULT_PG_APPLICATION_NAME = 'eye-relay';
export const DEFAULT_PG_CONNECT_TIMEOUT_MS = 5000;

export interface DbOptions {
  /** `postgres://...` / `postgresql://...`, or a SQLite file path. */
  databaseUrl: string;
  /** PostgreSQL only: schema put first on the search_path of every pooled connection. */
  pgSchema?: string | null;
  /** PostgreSQL pool size. */
  poolMax?: number;
  /**
   * PostgreSQL `application_name` of every pooled connection (default `eye-relay`): what operators
   * see in pg_stat_activity, and how a chaos test finds this relay's backends.
   */
  pgApplicationName?: string;
  /** PostgreSQL: parameterised queries as named prepared statements (db/pg-prepared.ts); default true. */
  pgPrepare?: boolean;
  /** PostgreSQL: give up getting a connection after this long (the request answers 503), ms. */
  pgConnectTimeoutMs?: number;
  /** SQLite: longest wait for another process's write lock, ms (default SQLITE_LOCK_WAIT_MS, 5 s). */
  sqliteLockWaitMs?: number;
  /** SQLite page cache per connection, KiB (default 2000). */
  sqliteCacheKiB?: number;
  /**
   * SQLite: checkpoint the WAL on a timer instead of inside commits, from a worker thread while
   * writes are heavy (db/wal-checkpointer.ts). For long-lived relay connections; a short-lived one
   * (a CLI command) keeps SQLite's own.
   */
  timedCheckpoints?: boolean;
  /** Tuning of the timed checkpoints (tests). */
  checkpointer?: CheckpointerOptions;
}

export function engineOf(databaseUrl: string): DbEngine {
  return /^postgres(ql)?:\/\//i.test(databaseUrl) ? 'postgres' : 'sqlite';
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function assertSchemaName(name: string): void {
  if (!SCHEMA_NAME.test(name)) throw new Error(`invalid PostgreSQL schema name: ${name}`);
}

/**
 * Kysely's SQLite driver prepares every query again; preparing is most of better-sqlite3's share
 * of a flag's cost, and each dropped statement holds native memory until V8 collects it. The
 * relay runs a small, fixed set of query shapes, so statements are kept by SQL text (bounded).
 * Safe to share: Kysely runs one query at a time on the connection.
 */
function withStatementCache(sqlite: BetterSqlite3.Database, beforeClose: () => void, max = 500): SqliteDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>();
  // SQLite rolls a transaction back by itself on some errors (SQLITE_FULL, SQLITE_IOERR); Kysely's
  // ROLLBACK then fails with "no transaction is active" and that error would hide the real one
  // (a full disk answering 500 instead of 507). ROLLBACK is a no-op when nothing is open.
  let rollback: BetterSqlite3.Statement | null = null;
  const rollbackIfOpen: SqliteStatement = {
    reader: false,
    run: () => (sqlite.inTransaction ? (rollback ??= sqlite.prepare('rollback')).run() : { changes: 0, lastInsertRowid: 0 }),
    all: () => [],
    iterate: () => [][Symbol.iterator](),
  };
  return {
    prepare(sql: string) {
      if (sql === 'rollback') return rollbackIfOpen;
      // Kysely begins deferred: a transaction that reads and then writes fails with SQLITE_BUSY,
      // whatever the wait, when another process (`eye-relay worker`) committed in between.
      // Immediate takes the write lock first (waiting for it: sqlite-lock-wait.ts). In one process
      // nothing changes: Kysely runs one transaction at a time on the connection.
      if (sql === 'begin') sql = 'begin immediate';
      let stmt = cache.get(sql);
      if (stmt) {
        cache.delete(sql); // re-insert: most recently used last
      } else {
        stmt = sqlite.prepare(sql);
        const oldest = cache.keys().next();
        if (cache.size >= max && !oldest.done) cache.delete(oldest.value);
      }
      cache.set(sql, stmt);
      return stmt;
    },
    close() {
      cache.clear();
      beforeClose();
      sqlite.close();
    },
  };
}

/**
 * Page size of a new SQLite database. A commit writes every page it changed to the WAL, whole, and
 * a shared ingest transaction changes a page per session in each table or index keyed by session
 * (the flags' primary key, the sessions row, the events' session index, ...): with flags of many
 * sessions, it writes a few pages per flag whatever their size. 1 KiB pages write a quarter of
 * the bytes of SQLite's 4 KiB default for the same rows. Measured (autocannon c=32, two alternating
 * pairs): 7,000 / 7,600 -> 9,900 / 9,300 flags per s, relay CPU 0.156 / 0.144 -> 0.110 / 0.118 ms per
 * flag; webhook delivery and steady flags with a webhook within noise; 512 B pages no better.
 */
export const SQLITE_PAGE_SIZE = 1024;

/** The file of a SQLite database URL (a path, or `sqlite:` / `sqlite://` and a path). */
export function sqliteFileOf(databaseUrl: string): string {
  return resolve(databaseUrl.replace(/^sqlite:(\/\/)?/i, ''));
}

/** Opens the database. `db.destroy()` closes the pool / file. */
export function openDatabase(opts: DbOptions): { db: Kysely<Database>; engine: DbEngine; checkpointer?: WalCheckpointer } {
  const engine = engineOf(opts.databaseUrl);
  if (engine === 'postgres') {
    if (opts.pgSchema) assertSchemaName(opts.pgSchema);
    const pool = new (loadPg().Pool)({
      connectionString: opts.databaseUrl,
      max: opts.poolMax ?? 10,
      options: opts.pgSchema ? `-c search_path=${opts.pgSchema}` : undefined,
      application_name: opts.pgApplicationName ?? DEFAULT_PG_APPLICATION_NAME,
      // Without a limit a request waits forever for a connection while the server is down.
      connectionTimeoutMillis: opts.pgConnectTimeoutMs ?? DEFAULT_PG_CONNECT_TIMEOUT_MS,
    });
    // An idle client losing its connection must not crash the process (the pool drops it).
    pool.on('error', () => {});
    // Nor may a checked-out one (pg-pool listens only while a client is idle): the query in flight
    // rejects and reaches its request as a 503; the broken client is not queryable and is removed
    // from the pool when released, so the next request opens a fresh connection.
    pool.on('connect', (client) => client.on('error', () => {}));
    if (opts.pgPrepare !== false) prepareStatements(pool);
    return { db: new Kysely<Database>({ dialect: new SchemaScopedPostgresDialect({ pool }) }), engine };
  }
  const file = sqliteFileOf(opts.databaseUrl);
  mkdirSync(dirname(file), { recursive: true });
  const sqlite = new BetterSqlite3(file);
  // Only a new, empty database takes it (an existing one keeps its page size; see SQLITE_PAGE_SIZE).
  sqlite.pragma(`page_size = ${SQLITE_PAGE_SIZE}`);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  // better-sqlite3 builds SQLite with a 16 MB page cache; the relay sets its own (EYE_SQLITE_CACHE_MB,
  // 2 MiB by default: a bounded cache keeps RSS flat; more saves reads under many sessions' flags).
  sqlite.pragma(`cache_size = -${opts.sqliteCacheKiB ?? 2048}`);
  // A WAL file keeps its largest size after a checkpoint; cap what stays on disk after a burst.
  sqlite.pragma('journal_size_limit = 67108864');
  let checkpointer: WalCheckpointer | undefined;
  if (opts.timedCheckpoints) {
    sqlite.pragma('wal_autocheckpoint = 0');
    checkpointer = startWalCheckpointer(sqlite, file, opts.checkpointer);
  }
  const database = withStatementCache(sqlite, () => checkpointer?.stop());
  // The pragmas above wait in SQLite's busy handler (once, at start); every statement from here
  // waits for another process's write lock on the event loop instead (sqlite-lock-wait.ts).
  sqlite.pragma('busy_timeout = 0');
  const dialect = new LockWaitingSqliteDialect({ database }, { inTransaction: () => sqlite.inTransaction, waitMs: opts.sqliteLockWaitMs });
  return { db: new Kysely<Database>({ dialect }), engine, ...(checkpointer ? { checkpointer } : {}) };
}
