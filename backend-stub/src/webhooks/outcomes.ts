/**
 * Records the outcomes of finished attempts: the attempt row, the delivery's next state, and for a
 * 410 the endpoint's disabling. A batch costs two statements whatever its size (an UPDATE ... FROM
 * a VALUES list, valid on SQLite and PostgreSQL), so on PostgreSQL the worker pays two round trips
 * per batch instead of two per attempt.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../db/schema.js';
import type { PostResult } from './http-post.js';
import { holdPendingDeliveries } from './hold.js';
import { isPostgres } from './outbox.js';
import { isSuccess, type NextStep } from './schedule.js';

/** What one attempt came to. */
export interface Outcome {
  deliveryId: string;
  endpointId: string;
  /** The attempt number, as claimed. */
  attempt: number;
  result: PostResult;
  step: NextStep | { kind: 'delivered' };
  at: Date;
}

/** Rows per statement: well under both engines' bound-parameter limits. */
const CHUNK = 500;

const text = (v: string | null) => sql`cast(${v} as text)`;
const int = (v: number | null) => sql`cast(${v} as integer)`;

/** Writes `outcomes` of worker `workerId`; call inside a transaction. */
export async function recordOutcomes(trx: Kysely<Database>, workerId: string, outcomes: Outcome[]): Promise<void> {
  // Every row here is named by its key. PostgreSQL, with statistics from when webhook_attempts was
  // small (a backlog grows in minutes), hash-joined the VALUES list against a sequential scan of
  // every attempt ever logged (tens of ms per batch at 25,000 rows); without sequential scans it
  // looks each row up by its unique (delivery_id, attempt) index. SET LOCAL ends with the transaction.
  if (isPostgres(trx)) await sql`set local enable_seqscan = off`.execute(trx);
  for (let i = 0; i < outcomes.length; i += CHUNK) {
    const chunk = outcomes.slice(i, i + CHUNK);
    await finishAttempts(trx, workerId, chunk);
    await advanceDeliveries(trx, workerId, chunk);
  }
  const gone = outcomes.filter((o) => o.step.kind === 'disable_endpoint');
  for (const o of gone) {
    const at = o.at.toISOString();
    await trx
      .updateTable('webhook_endpoints')
      .set({ enabled: 0, disabled_reason: 'receiver answered 410 Gone', disabled_at: at, updated_at: at })
      .where('id', '=', o.endpointId)
      .where('enabled', '=', 1)
      .execute();
    // Its other deliveries wait until it is enabled again.
    await holdPendingDeliveries(trx, o.endpointId, at);
  }
}

function valuesList(rows: RawBuilder<unknown>[][]): RawBuilder<unknown> {
  return sql.join(rows.map((cols) => sql`(${sql.join(cols)})`));
}

async function finishAttempts(trx: Kysely<Database>, workerId: string, outcomes: Outcome[]): Promise<void> {
  const rows = outcomes.map(({ deliveryId, attempt, result: r, at }) => [
    text(deliveryId),
    int(attempt),
    text(at.toISOString()),
    int(r.statusCode),
    int(r.latencyMs),
    text(r.error),
    text(r.responseExcerpt),
  ]);
  await sql`
    with v(delivery_id, attempt, finished_at, status_code, latency_ms, error, response_excerpt) as (values ${valuesList(rows)})
    update webhook_attempts
    set finished_at = v.finished_at, status_code = v.status_code, latency_ms = v.latency_ms, error = v.error, response_excerpt = v.response_excerpt
    from v
    where webhook_attempts.delivery_id = v.delivery_id and webhook_attempts.attempt = v.attempt and webhook_attempts.worker_id = ${workerId}
  `.execute(trx);
}

/** The delivery columns an outcome sets; null next_attempt_at / delivered_at keep the current value. */
function deliveryChange({ result, step, at }: Outcome) {
  const lastError = result.error ?? (isSuccess(result.statusCode) ? null : `HTTP ${result.statusCode}`);
  switch (step.kind) {
    case 'delivered':
      return { status: 'delivered', nextAttemptAt: null, deliveredAt: at.toISOString(), lastError };
    case 'retry':
      return { status: 'pending', nextAttemptAt: new Date(at.getTime() + step.delayMs).toISOString(), deliveredAt: null, lastError };
    case 'give_up':
      return { status: 'undelivered', nextAttemptAt: null, deliveredAt: null, lastError };
    case 'disable_endpoint':
      return { status: 'undelivered', nextAttemptAt: null, deliveredAt: null, lastError: 'HTTP 410 Gone: endpoint disabled' };
  }
}

async function advanceDeliveries(trx: Kysely<Database>, workerId: string, outcomes: Outcome[]): Promise<void> {
  const rows = outcomes.map((o) => {
    const c = deliveryChange(o);
    return [text(o.deliveryId), int(o.attempt), text(c.status), text(c.nextAttemptAt), text(c.deliveredAt), int(o.result.statusCode), text(c.lastError), text(o.at.toISOString())];
  });
  // Written only while the lease is still ours: a worker that overran its lease changes nothing.
  await sql`
    with v(id, attempt, status, next_attempt_at, delivered_at, last_status_code, last_error, updated_at) as (values ${valuesList(rows)})
    update webhook_deliveries
    set lease_owner = null, status = v.status,
        next_attempt_at = coalesce(v.next_attempt_at, webhook_deliveries.next_attempt_at),
        delivered_at = coalesce(v.delivered_at, webhook_deliveries.delivered_at),
        last_status_code = v.last_status_code, last_error = v.last_error, updated_at = v.updated_at
    from v
    where webhook_deliveries.id = v.id and webhook_deliveries.lease_owner = ${workerId} and webhook_deliveries.attempts = v.attempt
  `.execute(trx);
}
