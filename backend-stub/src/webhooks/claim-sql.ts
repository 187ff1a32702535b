/**
 * The statements of a delivery claim (worker.ts), written so that their plans do not depend on
 * table statistics. A backlog grows in minutes (a receiver outage, exam week) while statistics are
 * refreshed later, if at all (SQLite has none unless ANALYZE runs). Planned for a table of a few
 * rows, both claim statements walked every due delivery for each claim: 20,000 due deliveries
 * made claiming, not sending, the delivery rate's limit.
 */
import { sql, type Kysely } from 'kysely';
import { batchRowsParams, batchRowsSql, hotExec, inIds, perEngine, sqlEngineOf, type BatchColumns } from '../db/hot-sql.js';
import type { Database } from '../db/schema.js';
import { isPostgres, newId } from './outbox.js';

/** What a claim leaves out and how many due deliveries it looks at. */
export interface CandidateFilter {
  nowIso: string;
  /** Endpoints that may not get another claim now. */
  excludedEndpoints: string[];
  /** Deliveries this worker holds already (a clock jump may make them look due again). */
  heldDeliveries: string[];
  /** Most due deliveries read: the claim picks from them, skipping endpoints at their limit. */
  window: number;
}

/**
 * Due deliveries of enabled endpoints in claim order: due time, then creation (ids sort by
 * creation, outbox.ts newId). On PostgreSQL the rows are locked until the transaction ends and rows
 * another worker is claiming are skipped; run it inside a transaction.
 *
 * PostgreSQL, believing few due rows, fetched and sorted every due delivery before the LIMIT (tens
 * of ms per claim at 20,000 due). With sorts off for this transaction (SET LOCAL), the claim
 * index (status, next_attempt_at, id) gives the order and the LIMIT ends the scan. SQLite already
 * walks that index in order.
 */
export async function selectCandidates(trx: Kysely<Database>, f: CandidateFilter): Promise<{ id: string; endpoint_id: string }[]> {
  await planInClaimOrder(trx);
  return candidatesQuery(trx, f).execute();
}

/** Enabled endpoints other than `excluded` (at most one: whether there is any). */
const otherEndpoints = (trx: Kysely<Database>, excluded: readonly string[]) =>
  trx.selectFrom('webhook_endpoints as x').select('x.id').where('x.enabled', '=', 1).where(inIds(trx, 'x.id', excluded, true)).limit(1);

/**
 * Whether a claim that leaves `excluded` out may find anything: an enabled endpoint besides them
 * exists. When none does, its candidate read would walk every due delivery of the excluded ones (a
 * backlog of tens of thousands when the only endpoint is at its share under load) to find nothing.
 * SQLite asks first (in process, no round trip; it would not skip the walk for a false EXISTS in
 * the candidate read). PostgreSQL needs no question: the candidate read carries the same test as
 * an uncorrelated EXISTS, which it checks once before the scan (a one-time filter).
 */
export async function mayFindBesides(db: Kysely<Database>, excluded: readonly string[]): Promise<boolean> {
  if (excluded.length === 0 || isPostgres(db)) return true;
  const row = await otherEndpoints(db, excluded).executeTakeFirst();
  return row !== undefined;
}

/** For the rest of transaction `trx`: PostgreSQL may not sort (see selectCandidates). */
export async function planInClaimOrder(trx: Kysely<Database>): Promise<void> {
  if (isPostgres(trx)) await sql`set local enable_sort = off`.execute(trx);
}

/** The SELECT of selectCandidates (exported for its plan test). */
export function candidatesQuery(trx: Kysely<Database>, f: CandidateFilter) {
  return trx
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
    .select(['d.id', 'd.endpoint_id'])
    .where('d.status', '=', 'pending')
    .where('d.next_attempt_at', '<=', f.nowIso)
    .where('e.enabled', '=', 1)
    // The lists as one parameter each: one statement text whatever their length (db/hot-sql.ts).
    .$if(f.excludedEndpoints.length > 0, (q) => q.where(inIds(trx, 'd.endpoint_id', f.excludedEndpoints, true)))
    // See mayFindBesides: checked once, before the scan.
    .$if(f.excludedEndpoints.length > 0 && isPostgres(trx), (q) => q.where((eb) => eb.exists(otherEndpoints(trx, f.excludedEndpoints))))
    .$if(f.heldDeliveries.length > 0, (q) => q.where(inIds(trx, 'd.id', f.heldDeliveries, true)))
    .orderBy('d.next_attempt_at')
    .orderBy('d.id')
    .limit(f.window)
    .$if(isPostgres(trx), (q) => q.forUpdate('d').skipLocked());
}

/**
 * `status` in a statement that names its rows by id, written so that no index can serve it: both
 * planners otherwise prefer the claim index for `status = 'pending'` over the primary key for
 * `id in (...)`, and walk every pending delivery. SQLite's idiom is a unary plus; PostgreSQL has
 * none for text, an expression does the same.
 */
export function statusByRow(db: Kysely<Database>) {
  return isPostgres(db) ? sql<string>`(status || '')` : sql<string>`+status`;
}

const ATTEMPT_ROW_COLUMNS: BatchColumns = [
  ['id', 'text'],
  ['delivery_id', 'text'],
  ['attempt', 'integer'],
];

const INSERT_ATTEMPTS_SQL = perEngine(
  (engine) => `insert into webhook_attempts (id, delivery_id, attempt, worker_id, started_at)
    select r.id, r.delivery_id, r.attempt, ?, ? from (${batchRowsSql(engine, ATTEMPT_ROW_COLUMNS)}) r`,
);

/**
 * Leases the picked deliveries to worker `me` and counts the attempt, if each is still pending and
 * due (SQLite re-checks under its write lock; PostgreSQL holds the row locks already).
 */
export function claimUpdate(trx: Kysely<Database>, picked: string[], o: { me: string; leaseUntil: string; nowIso: string }) {
  return trx
    .updateTable('webhook_deliveries')
    .set({ lease_owner: o.me, next_attempt_at: o.leaseUntil, attempts: sql<number>`attempts + 1`, updated_at: o.nowIso })
    // The ids as one parameter: one statement text whatever their number (db/hot-sql.ts).
    .where(inIds(trx, 'id', picked))
    .where(statusByRow(trx), '=', 'pending')
    .where('next_attempt_at', '<=', o.nowIso)
    .returning(['id', 'attempts', 'event_id', 'endpoint_id']);
}

/** Inserts the attempt rows of claimed deliveries (attempt = the count the lease statement returned), unfinished. */
export async function insertAttempts(trx: Kysely<Database>, claimed: readonly { id: string; attempts: number }[], o: { me: string; nowIso: string }): Promise<void> {
  const rows = claimed.map((c) => ({ id: newId('att'), delivery_id: c.id, attempt: c.attempts }));
  const engine = sqlEngineOf(trx);
  await hotExec(trx, INSERT_ATTEMPTS_SQL[engine], [o.me, o.nowIso, ...batchRowsParams(engine, ATTEMPT_ROW_COLUMNS, rows)]);
}
