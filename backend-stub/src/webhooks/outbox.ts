/**
 * Transactional outbox. Events and their deliveries are written with the caller's transaction,
 * so they exist if and only if the change that caused them committed. The worker is woken by an
 * in-process signal and, on PostgreSQL, by NOTIFY (delivered by PostgreSQL only at commit, also to
 * other relay processes); a poll interval covers anything missed.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { PostgresAdapter, sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { CatalogEvent } from './catalog.js';
import { endpointWants } from './catalog.js';

export const NOTIFY_CHANNEL_PREFIX = 'eye_webhooks';

/** In-process wake-ups for delivery workers (one listener per worker). */
export const outboxSignal = new EventEmitter();
outboxSignal.setMaxListeners(100);

export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(16).toString('hex')}`;
}

export function isPostgres(db: Kysely<Database>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/** Wake workers once `trx` commits: NOTIFY on PostgreSQL (sent at commit), soon in-process. */
export async function signalOutbox(trx: Kysely<Database>): Promise<void> {
  if (isPostgres(trx)) {
    await sql`select pg_notify(${NOTIFY_CHANNEL_PREFIX} || '_' || current_schema(), '')`.execute(trx);
  }
  // SQLite: the worker's next query waits for this transaction's single connection, so it sees
  // the rows; PostgreSQL: a wake before commit finds nothing and the NOTIFY wakes it again.
  setImmediate(() => outboxSignal.emit('enqueued'));
}

/** A delivery row due now. `redeliveryOf`: the delivery a manual redelivery repeats. */
export function pendingDelivery(d: { id: string; tenantId: string; eventId: string; endpointId: string; now: string; redeliveryOf?: string }) {
  return {
    id: d.id,
    tenant_id: d.tenantId,
    event_id: d.eventId,
    endpoint_id: d.endpointId,
    status: 'pending' as const,
    attempts: 0,
    next_attempt_at: d.now,
    lease_owner: null,
    last_status_code: null,
    last_error: null,
    delivered_at: null,
    redelivery_of: d.redeliveryOf ?? null,
    created_at: d.now,
    updated_at: d.now,
  };
}

export interface EnqueueInput {
  tenantId: string;
  sessionId: string | null;
  event: CatalogEvent;
  /** Deliver only to this endpoint, whatever its filter (test events). */
  onlyEndpointId?: string;
}

/** Stores the event (kept for replay) and one pending delivery per enabled endpoint that wants it. */
export async function enqueueEvent(trx: Kysely<Database>, input: EnqueueInput): Promise<{ eventId: string; deliveryIds: string[] }> {
  const now = new Date().toISOString();
  const eventId = newId('evt');
  await trx
    .insertInto('webhook_events')
    .values({
      id: eventId,
      tenant_id: input.tenantId,
      session_id: input.sessionId,
      event_type: input.event.eventType,
      occurred_at: input.event.occurredAt,
      data: JSON.stringify(input.event.data),
      media_id: input.event.mediaId,
      created_at: now,
    })
    .execute();

  let q = trx.selectFrom('webhook_endpoints').select(['id', 'event_types']).where('tenant_id', '=', input.tenantId).where('enabled', '=', 1);
  if (input.onlyEndpointId) q = q.where('id', '=', input.onlyEndpointId);
  const endpoints = await q.execute();
  const targets = endpoints.filter(
    (e) => input.onlyEndpointId !== undefined || endpointWants(e.event_types ? (JSON.parse(e.event_types) as string[]) : null, input.event.eventType),
  );
  const deliveryIds = targets.map(() => newId('dlv'));
  if (targets.length > 0) {
    await trx
      .insertInto('webhook_deliveries')
      .values(targets.map((e, i) => pendingDelivery({ id: deliveryIds[i]!, tenantId: input.tenantId, eventId, endpointId: e.id, now })))
      .execute();
    await signalOutbox(trx);
  }
  return { eventId, deliveryIds };
}
