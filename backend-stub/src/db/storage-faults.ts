/**
 * Storage faults a request can run into that are neither the client's fault nor a bug: the
 * database connection dropped (PostgreSQL restart or failover, a terminated backend, a pool that
 * cannot connect in time), the database busy, or a file system out of space. The client should
 * retry later, so they answer a JSON 503 / 507 with Retry-After instead of a 500.
 */

export type StorageFault = 'database_unavailable' | 'insufficient_storage' | 'media_store_unavailable';

/** Seconds a client is asked to wait before retrying after a storage fault. */
export const STORAGE_RETRY_AFTER_SECONDS = 5;

/**
 * PostgreSQL SQLSTATE classes / codes that mean "the connection or server went away, try again":
 * 08 connection exception, 57P01-57P03 admin / crash shutdown and cannot-connect-now, 53300 too
 * many connections, 40001 / 40P01 serialization failure and deadlock (the transaction was rolled back).
 */
const PG_TRANSIENT = /^(08...|57P0[123]|53300|40001|40P01)$/;
/** Node socket errors on the way to the database. */
const NET_TRANSIENT = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
/** node-postgres' own messages for a lost or unobtainable connection (they carry no code). */
const PG_CLIENT_MESSAGES =
  /^(Connection terminated|Connection terminated unexpectedly|Client has encountered a connection error and is not queryable|Client was closed and is not queryable|timeout exceeded when trying to connect|Query read timeout|Cannot use a pool after calling end on the pool)/;
/** SQLite: locked past busy_timeout, or an I/O error. */
const SQLITE_TRANSIENT = /^SQLITE_(BUSY|LOCKED|IOERR|CANTOPEN|PROTOCOL)/;
/** Out of space, on a file system (media) or in SQLite's file. */
const FULL_CODES = new Set(['ENOSPC', 'EDQUOT', 'EFBIG', 'SQLITE_FULL']);
/** PostgreSQL out of disk (53100 disk_full) or out of memory / resources (53200). */
const PG_FULL = /^(53100|53200)$/;

export function storageFaultOf(err: unknown): StorageFault | null {
  if (!err || typeof err !== 'object') return null;
  const e = err as { code?: unknown; message?: unknown; cause?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  if (code === 'EYE_MEDIA_STORE_UNAVAILABLE') return 'media_store_unavailable'; // s3-client.ts
  if (FULL_CODES.has(code) || PG_FULL.test(code)) return 'insufficient_storage';
  if (PG_TRANSIENT.test(code) || NET_TRANSIENT.has(code) || SQLITE_TRANSIENT.test(code)) return 'database_unavailable';
  if (typeof e.message === 'string' && PG_CLIENT_MESSAGES.test(e.message)) return 'database_unavailable';
  // Kysely / pipelines may wrap the original error.
  return e.cause && e.cause !== err ? storageFaultOf(e.cause) : null;
}
