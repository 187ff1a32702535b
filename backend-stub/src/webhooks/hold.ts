/**
 * Deliveries wait while their endpoint is disabled (through the API, or by a 410 Gone) and go out
 * in order when it is enabled again. A waiting delivery has status `held`: the claim query reads
 * only `pending` rows through the (status, next_attempt_at) index, so a long-disabled endpoint's
 * backlog costs the delivery workers nothing. A held delivery keeps its next_attempt_at (its
 * creation time, or a retry's due time), so released deliveries are claimed oldest first. Held
 * deliveries are bounded by the retention window (webhooks/retention.ts).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

/** Moves an endpoint's pending, unclaimed deliveries to held (it was just disabled). */
export async function holdPendingDeliveries(trx: Kysely<Database>, endpointId: string, nowIso: string): Promise<number> {
  const r = await trx
    .updateTable('webhook_deliveries')
    .set({ status: 'held', updated_at: nowIso })
    .where('endpoint_id', '=', endpointId)
    .where('status', '=', 'pending')
    .where('lease_owner', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/**
 * Makes held deliveries of enabled endpoints pending again: those of `endpointId` when it was just
 * enabled, or (no id) every enabled endpoint's, which also releases a delivery held by a flag that
 * read the endpoint as disabled while a concurrent transaction enabled it (PostgreSQL).
 */
export async function releaseHeldDeliveries(trx: Kysely<Database>, nowIso: string, endpointId?: string): Promise<number> {
  const r = await trx
    .updateTable('webhook_deliveries')
    .set({ status: 'pending', updated_at: nowIso })
    .where('status', '=', 'held')
    .where('endpoint_id', 'in', (eb) =>
      eb
        .selectFrom('webhook_endpoints')
        .select('id')
        .where('enabled', '=', 1)
        .$call((q) => (endpointId !== undefined ? q.where('id', '=', endpointId) : q)),
    )
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}
