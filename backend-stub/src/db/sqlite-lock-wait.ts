/**
 * Waiting for SQLite's write lock without stopping the event loop.
 *
 * SQLite has one writer per database file. When another process holds the lock (a relay beside an
 * `eye-relay worker` process on one file), SQLite's busy handler sleeps inside the statement, 1, 2,
 * 5, 10 ms and longer between tries, and better-sqlite3 runs statements synchronously: the whole
 * process stood still meanwhile, answering no request and reading no webhook answer. Measured with
 * a relay and a worker process at 1,200 flags/s: the worker spent 1.5-1.9 s of every 4 s asleep
 * in BEGIN, the relay 1.0-1.4 s, and a webhook arrived 4 s after its flag (p50).
 *
 * Here the connection's own busy timeout is 0: a statement that finds the lock taken fails at once
 * with SQLITE_BUSY, and when no transaction is open on the connection (a BEGIN, or a statement on
 * its own) it is tried again after yielding to the event loop, for as long as the busy timeout
 * allowed before. Inside a transaction (which holds the lock from its BEGIN IMMEDIATE) an error
 * is passed on as before.
 */
import { SqliteDialect, SqliteDriver, type CompiledQuery, type DatabaseConnection, type Driver, type QueryResult, type SqliteDialectConfig } from 'kysely';

/** How long a statement waits for the lock before SQLITE_BUSY reaches the caller (SQLite's busy timeout before). */
export const SQLITE_LOCK_WAIT_MS = 5000;

/** Tries that yield with setImmediate (sub-millisecond: most locks are held for about 1 ms) before 1 ms timers. */
const IMMEDIATE_TRIES = 4;

export function isSqliteBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

function pause(tries: number): Promise<void> {
  return new Promise((resolve) => {
    if (tries < IMMEDIATE_TRIES) setImmediate(resolve);
    else setTimeout(resolve, 1);
  });
}

export interface LockWaitOptions {
  /** Whether the connection is inside a transaction now (better-sqlite3's `inTransaction`). */
  inTransaction: () => boolean;
  /** Longest wait for the lock, ms (default SQLITE_LOCK_WAIT_MS). */
  waitMs?: number;
}

/** `run`, tried again while it fails with SQLITE_BUSY outside a transaction, until `waitMs` passed. */
export async function whileLocked<T>(run: () => Promise<T>, o: LockWaitOptions): Promise<T> {
  const waitMs = o.waitMs ?? SQLITE_LOCK_WAIT_MS;
  const started = performance.now();
  for (let tries = 0; ; tries++) {
    try {
      return await run();
    } catch (err) {
      if (!isSqliteBusy(err) || o.inTransaction() || performance.now() - started >= waitMs) throw err;
    }
    await pause(tries);
  }
}

/** Kysely's SQLite driver, each statement run through whileLocked. */
class LockWaitingSqliteDriver extends SqliteDriver {
  #wrapped: DatabaseConnection | null = null;

  constructor(
    config: SqliteDialectConfig,
    private readonly lockWait: LockWaitOptions,
  ) {
    super(config);
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await super.acquireConnection();
    if (this.#wrapped === null) {
      const o = this.lockWait;
      this.#wrapped = {
        executeQuery: <R>(query: CompiledQuery): Promise<QueryResult<R>> => whileLocked(() => connection.executeQuery<R>(query), o),
        streamQuery: <R>(query: CompiledQuery, chunkSize?: number) => connection.streamQuery<R>(query, chunkSize),
      };
    }
    return this.#wrapped;
  }
}

/** SqliteDialect whose statements wait for another process's write lock without blocking (see above). */
export class LockWaitingSqliteDialect extends SqliteDialect {
  constructor(
    private readonly config: SqliteDialectConfig,
    private readonly lockWait: LockWaitOptions,
  ) {
    super(config);
  }

  override createDriver(): Driver {
    return new LockWaitingSqliteDriver(this.config, this.lockWait);
  }
}
