/**
 * Transactional outbox. Events and their deliveries are written with the caller's transaction,
 * so they exist if and only if the change that caused them committed. The worker is woken by an
 * in-process signal and, on PostgreSQL, by NOTIFY (delivered by PostgreSQL only at commit, also to
 * other relay processes); a poll interval covers anything missed.
 */
import { randomFillSync } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { sql, type Kysely, type Selectable } from 'kysely';
import { batchRowsParams, batchRowsSql, hotExec, perEngine, sqlEngineOf, type BatchColumns } from '../db/hot-sql.js';
import type { DbEngine } from '../db/connect.js';
import type { Database } from '../db/schema.js';
import { turnBatchesPerTransaction } from '../db/turn-batch.js';
import type { CatalogEvent } from './catalog.js';
import { endpointWants } from './catalog.js';
import { nowIso } from '../clock.js';

export const NOTIFY_CHANNEL_PREFIX = 'eye_webhooks';

/** In-process wake-ups for delivery workers (one listener per worker). */
export const outboxSignal = new EventEmitter();
outboxSignal.setMaxListeners(100);

let lastIdMs = 0;
let idSeq = 0;

/**
 * Random bytes drawn 4 KiB at a time (as `randomUUID` caches its entropy): a flag makes several
 * ids, and one `randomBytes(8)` call each was ~5 % of ingest CPU. Each id takes unused bytes.
 */
const entropy = Buffer.alloc(4096);
let entropyAt = entropy.length;
function randomHex8(): string {
  if (entropyAt + 8 > entropy.length) {
    randomFillSync(entropy);
    entropyAt = 0;
  }
  entropyAt += 8;
  return entropy.toString('hex', entropyAt - 8, entropyAt);
}

/**
 * `<prefix>_` + 32 hex digits: 12 of milliseconds, 4 of a sequence within the millisecond, 16
 * random. Ids made by one process sort in creation order (the clock going back cannot reorder
 * them), so deliveries created in the same millisecond are still claimed in order.
 */
export function newId(prefix: string): string {
  const now = Date.now();
  if (now > lastIdMs) {
    lastIdMs = now;
    idSeq = 0;
  } else if (++idSeq > 0xffff) {
    lastIdMs++;
    idSeq = 0;
  }
  return `${prefix}_${lastIdMs.toString(16).padStart(12, '0')}${idSeq.toString(16).padStart(4, '0')}${randomHex8()}`;
}

export function isPostgres(db: Kysely<Database>): boolean {
  return sqlEngineOf(db) === 'postgres';
}

/**
 * Transactions that have sent their NOTIFY: PostgreSQL delivers one notification per channel and
 * payload per transaction anyway, so a second pg_notify would only cost a round trip (a shared
 * ingest transaction enqueues many events).
 */
const notified = new WeakSet<Kysely<Database>>();

/** Wake workers once `trx` commits: NOTIFY on PostgreSQL (sent at commit), soon in-process. */
export async function signalOutbox(trx: Kysely<Database>): Promise<void> {
  if (isPostgres(trx) && !(trx.isTransaction && notified.has(trx))) {
    await sql`select pg_notify(${NOTIFY_CHANNEL_PREFIX} || '_' || current_schema(), '')`.execute(trx);
    if (trx.isTransaction) notified.add(trx);
  }
  // SQLite: the worker's next query waits for this transaction's single connection, so it sees
  // the rows; PostgreSQL: a wake before commit finds nothing and the NOTIFY wakes it again.
  setImmediate(() => outboxSignal.emit('enqueued'));
}

export type EndpointChoice = Pick<Selectable<Database['webhook_endpoints']>, 'id' | 'event_types' | 'enabled'>;

/**
 * A scalar subquery giving the endpoints of the tenant in `tenantColumn` as one JSON array (text on
 * SQLite), for a statement that reads them along with other rows; hand the result to
 * `rememberEndpoints` so the transaction's enqueues do not read them again.
 */
export function endpointsJsonSql(engine: DbEngine, tenantColumn: string): string {
  return engine === 'postgres'
    ? `(select coalesce(json_agg(json_build_object('id', w.id, 'event_types', w.event_types, 'enabled', w.enabled)), '[]'::json) from webhook_endpoints w where w.tenant_id = ${tenantColumn})`
    : `(select json_group_array(json_object('id', w.id, 'event_types', w.event_types, 'enabled', w.enabled)) from webhook_endpoints w where w.tenant_id = ${tenantColumn})`;
}

/**
 * The tenant's endpoints, read once per transaction: every event a transaction enqueues commits
 * together, so one read serves them all (a flag with incidents, a shared ingest transaction).
 * Transactions that change endpoints enqueue only to a named endpoint, which is always read.
 */
const endpointsByTransaction = new WeakMap<Kysely<Database>, Map<string, Promise<EndpointChoice[]>>>();

function endpointsOfTransaction(trx: Kysely<Database>): Map<string, Promise<EndpointChoice[]>> {
  let byTenant = endpointsByTransaction.get(trx);
  if (!byTenant) endpointsByTransaction.set(trx, (byTenant = new Map<string, Promise<EndpointChoice[]>>()));
  return byTenant;
}

function endpointsOf(trx: Kysely<Database>, tenantId: string, onlyEndpointId?: string): Promise<EndpointChoice[]> {
  const read = () => {
    let q = trx.selectFrom('webhook_endpoints').select(['id', 'event_types', 'enabled']).where('tenant_id', '=', tenantId);
    if (onlyEndpointId) q = q.where('id', '=', onlyEndpointId);
    return q.execute();
  };
  if (onlyEndpointId || !trx.isTransaction) return read();
  const byTenant = endpointsOfTransaction(trx);
  let endpoints = byTenant.get(tenantId);
  if (!endpoints) {
    endpoints = read();
    byTenant.set(tenantId, endpoints);
    // A failed read is not kept (the caller's transaction fails anyway).
    endpoints.catch(() => byTenant.delete(tenantId));
  }
  return endpoints;
}

/** Endpoints of `tenantId` read by a statement of `trx` (endpointsJsonSql: an array, or its JSON text on SQLite). */
export function rememberEndpoints(trx: Kysely<Database>, tenantId: string, endpoints: unknown): void {
  if (!trx.isTransaction) return;
  const byTenant = endpointsOfTransaction(trx);
  if (!byTenant.has(tenantId)) byTenant.set(tenantId, Promise.resolve((typeof endpoints === 'string' ? JSON.parse(endpoints) : endpoints) as EndpointChoice[]));
}

export interface EnqueueInput {
  tenantId: string;
  sessionId: string | null;
  event: CatalogEvent;
  /** Deliver only to this endpoint, whatever its filter (test events). */
  onlyEndpointId?: string;
}

/** The columns of an event row; a planned event's values come in this order. */
export const EVENT_COLUMNS = ['id', 'tenant_id', 'session_id', 'event_type', 'occurred_at', 'data', 'media_id', 'created_at'] as const;
const INSERT_EVENT = `insert into webhook_events (${EVENT_COLUMNS.join(', ')}) values (${EVENT_COLUMNS.map(() => '?').join(', ')})`;

/** A new event row (kept for replay), values in `EVENT_COLUMNS` order: what enqueueEvent stores before its deliveries. */
export interface PlannedEvent {
  id: string;
  now: string;
  values: unknown[];
}

/** Plans the event row for `input` (its id and values), so a caller may write it together with other rows (sessions/pipeline.ts). */
export function planEvent(input: EnqueueInput): PlannedEvent {
  const now = nowIso();
  const id = newId('evt');
  return { id, now, values: [id, input.tenantId, input.sessionId, input.event.eventType, input.event.occurredAt, JSON.stringify(input.event.data), input.event.mediaId, now] };
}

/** Stores a planned event's row (its deliveries are enqueueDeliveries'). */
export async function insertEvent(trx: Kysely<Database>, values: readonly unknown[]): Promise<void> {
  await hotExec(trx, INSERT_EVENT, values);
}

/**
 * Stores the event (kept for replay; `event` if the caller planned it already) and one delivery
 * per endpoint that wants it: pending for enabled endpoints, held for disabled ones
 * (docs/WEBHOOKS.md: deliveries wait while disabled).
 */
export async function enqueueEvent(trx: Kysely<Database>, input: EnqueueInput, event: PlannedEvent = planEvent(input)): Promise<{ eventId: string; deliveryIds: string[] }> {
  await insertEvent(trx, event.values);
  return { eventId: event.id, deliveryIds: await enqueueDeliveries(trx, input, event) };
}

/** The deliveries of a stored event: one per endpoint of the tenant that wants it. */
export async function enqueueDeliveries(trx: Kysely<Database>, input: EnqueueInput, event: PlannedEvent): Promise<string[]> {
  const endpoints = await endpointsOf(trx, input.tenantId, input.onlyEndpointId);
  const targets = endpoints.filter(
    (e) => input.onlyEndpointId !== undefined || endpointWants(e.event_types ? (JSON.parse(e.event_types) as string[]) : null, input.event.eventType),
  );
  if (targets.length === 0) return [];
  const rows: NewDelivery[] = targets.map((e) => ({ id: newId('dlv'), tenant_id: input.tenantId, event_id: event.id, endpoint_id: e.id, status: e.enabled === 1 ? 'pending' : 'held', at: event.now }));
  await insertDeliveries(trx, rows);
  if (targets.some((e) => e.enabled === 1)) await signalOutbox(trx);
  return rows.map((d) => d.id);
}

/**
 * A new delivery: due at once (`at`), or held for a disabled endpoint; a manual redelivery names
 * the delivery it repeats (`redelivery_of`).
 */
export type NewDelivery = {
  id: string;
  tenant_id: string;
  event_id: string;
  endpoint_id: string;
  status: 'pending' | 'held';
  at: string;
  redelivery_of?: string | null;
};

const NEW_DELIVERY_COLUMNS: BatchColumns = [
  ['id', 'text'],
  ['tenant_id', 'text'],
  ['event_id', 'text'],
  ['endpoint_id', 'text'],
  ['status', 'text'],
  ['at', 'text'],
  ['redelivery_of', 'text'],
];
const INSERT_DELIVERIES_SQL = perEngine(
  (engine) => `insert into webhook_deliveries (id, tenant_id, event_id, endpoint_id, status, attempts, next_attempt_at, redelivery_of, created_at, updated_at)
    select r.id, r.tenant_id, r.event_id, r.endpoint_id, r.status, 0, r.at, r.redelivery_of, r.at, r.at from (${batchRowsSql(engine, NEW_DELIVERY_COLUMNS)}) r`,
);

/** PostgreSQL: a transaction's deliveries of one turn, as one statement. */
const deliveryBatchOf = turnBatchesPerTransaction<NewDelivery[], undefined>(async (trx, batches) => {
  await hotExec(trx, INSERT_DELIVERIES_SQL.postgres, batchRowsParams('postgres', NEW_DELIVERY_COLUMNS, batches.flat()));
  return batches.map(() => undefined);
});

/**
 * Inserts new deliveries (one fixed statement text). In a PostgreSQL transaction, those added in
 * the same turn of the event loop go out as one statement: the flags of a shared ingest transaction
 * reach this together (sessions/flag-batch.ts), and a statement each was a round trip per flag.
 */
export async function insertDeliveries(trx: Kysely<Database>, rows: NewDelivery[]): Promise<void> {
  const engine = sqlEngineOf(trx);
  if (engine === 'postgres' && trx.isTransaction) return deliveryBatchOf(trx).add(rows);
  await hotExec(trx, INSERT_DELIVERIES_SQL[engine], batchRowsParams(engine, NEW_DELIVERY_COLUMNS, rows));
}
