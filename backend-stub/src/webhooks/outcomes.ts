/**
 * Records the outcomes of finished attempts: the attempt row, the delivery's next state, and for a
 * 410 the endpoint's disabling. A batch costs two statements whatever its size, each an UPDATE ...
 * FROM the batch's rows as parameters (db/hot-sql.ts batchRowsSql): one text per engine, prepared
 * once, and on PostgreSQL two round trips per batch instead of two per attempt.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { batchRowsParams, batchRowsSql, hotExec, perEngine, sqlEngineOf, type BatchColumns, type SqlEngine } from '../db/hot-sql.js';
import type { PostResult } from './http-post.js';
import { holdPendingDeliveries } from './hold.js';
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

/** Writes `outcomes` of worker `workerId`; call inside a transaction. */
export async function recordOutcomes(trx: Kysely<Database>, workerId: string, outcomes: Outcome[]): Promise<void> {
  // Every row here is named by its key. PostgreSQL, with statistics from when webhook_attempts was
  // small (a backlog grows in minutes), hash-joined the batch's rows against a sequential scan of
  // every attempt ever logged (tens of ms per batch at 25,000 rows); without sequential scans it
  // looks each row up by its unique (delivery_id, attempt) index. SET LOCAL ends with the transaction.
  const engine = sqlEngineOf(trx);
  if (engine === 'postgres') await sql`set local enable_seqscan = off`.execute(trx);
  await finishAttempts(trx, engine, workerId, outcomes);
  await advanceDeliveries(trx, engine, workerId, outcomes);
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

const ATTEMPT_COLUMNS: BatchColumns = [
  ['delivery_id', 'text'],
  ['attempt', 'integer'],
  ['finished_at', 'text'],
  ['status_code', 'integer'],
  ['latency_ms', 'integer'],
  ['error', 'text'],
  ['response_excerpt', 'text'],
];

const FINISH_ATTEMPTS = perEngine(
  (engine) => `with v as (${batchRowsSql(engine, ATTEMPT_COLUMNS)})
    update webhook_attempts
    set finished_at = v.finished_at, status_code = v.status_code, latency_ms = v.latency_ms, error = v.error, response_excerpt = v.response_excerpt
    from v
    where webhook_attempts.delivery_id = v.delivery_id and webhook_attempts.attempt = v.attempt and webhook_attempts.worker_id = ?`,
);

async function finishAttempts(trx: Kysely<Database>, engine: SqlEngine, workerId: string, outcomes: Outcome[]): Promise<void> {
  const rows = outcomes.map(({ deliveryId, attempt, result: r, at }) => ({
    delivery_id: deliveryId,
    attempt,
    finished_at: at.toISOString(),
    status_code: r.statusCode,
    latency_ms: r.latencyMs,
    error: r.error,
    response_excerpt: r.responseExcerpt,
  }));
  await hotExec(trx, FINISH_ATTEMPTS[engine], [...batchRowsParams(engine, ATTEMPT_COLUMNS, rows), workerId]);
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

const DELIVERY_COLUMNS: BatchColumns = [
  ['id', 'text'],
  ['attempt', 'integer'],
  ['status', 'text'],
  ['next_attempt_at', 'text'],
  ['delivered_at', 'text'],
  ['last_status_code', 'integer'],
  ['last_error', 'text'],
  ['updated_at', 'text'],
];

// Written only while the lease is still ours: a worker that overran its lease changes nothing.
const ADVANCE_DELIVERIES = perEngine(
  (engine) => `with v as (${batchRowsSql(engine, DELIVERY_COLUMNS)})
    update webhook_deliveries
    set lease_owner = null, status = v.status,
        next_attempt_at = coalesce(v.next_attempt_at, webhook_deliveries.next_attempt_at),
        delivered_at = coalesce(v.delivered_at, webhook_deliveries.delivered_at),
        last_status_code = v.last_status_code, last_error = v.last_error, updated_at = v.updated_at
    from v
    where webhook_deliveries.id = v.id and webhook_deliveries.lease_owner = ? and webhook_deliveries.attempts = v.attempt`,
);

async function advanceDeliveries(trx: Kysely<Database>, engine: SqlEngine, workerId: string, outcomes: Outcome[]): Promise<void> {
  const rows = outcomes.map((o) => {
    const c = deliveryChange(o);
    return { id: o.deliveryId, attempt: o.attempt, status: c.status, next_attempt_at: c.nextAttemptAt, delivered_at: c.deliveredAt, last_status_code: o.result.statusCode, last_error: c.lastError, updated_at: o.at.toISOString() };
  });
  await hotExec(trx, ADVANCE_DELIVERIES[engine], [...batchRowsParams(engine, DELIVERY_COLUMNS, rows), workerId]);
}
