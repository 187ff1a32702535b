/**
 * One batch of attempt outcomes (delivered, retry, give up, 410, and one whose lease another
 * worker took over) written by recordOutcomes in one transaction, on SQLite and PostgreSQL.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { ENGINES } from '../testing/engines.js';
import { manualWorker, relayWithPendingDeliveries } from '../testing/webhook-fixtures.js';
import { recordOutcomes, type Outcome } from './outcomes.js';
import type { PostResult } from './http-post.js';

const answer = (statusCode: number | null, error: string | null = null): PostResult => ({ statusCode, latencyMs: 12, error, responseExcerpt: statusCode ? `r${statusCode}` : null, retryAfter: null });

for (const engine of ENGINES) {
  describe(`attempt outcomes in one batch (${engine})`, () => {
    test('each delivery gets its own next state; a lost lease changes nothing; 410 disables the endpoint', async (t) => {
      const { relay, endpoint: ep } = await relayWithPendingDeliveries(t, engine, 'http://127.0.0.1:9/never', 5);
      const worker = manualWorker(relay);
      const claimed = await worker.claim(5);
      assert.equal(claimed.length, 5);
      const [a, b, c, d, e] = claimed.sort((x, y) => x.id.localeCompare(y.id));
      // Another worker took over e's lease meanwhile.
      await relay.db.updateTable('webhook_deliveries').set({ lease_owner: 'someone-else' }).where('id', '=', e!.id).execute();
      const at = new Date();
      const outcome = (x: typeof a, result: PostResult, step: Outcome['step']): Outcome => ({ deliveryId: x!.id, endpointId: x!.endpoint_id, attempt: x!.attempts, result, step, at });
      await relay.db.transaction().execute((trx) =>
        recordOutcomes(trx, worker.id, [
          outcome(a, answer(200), { kind: 'delivered' }),
          outcome(b, answer(500), { kind: 'retry', delayMs: 60_000 }),
          outcome(c, answer(null, 'timeout after 1000 ms'), { kind: 'give_up' }),
          outcome(d, answer(410), { kind: 'disable_endpoint' }),
          outcome(e, answer(200), { kind: 'delivered' }),
        ]),
      );

      const rows = new Map((await relay.db.selectFrom('webhook_deliveries').selectAll().execute()).map((r) => [r.id, r]));
      const attempts = new Map((await relay.db.selectFrom('webhook_attempts').selectAll().execute()).map((r) => [r.delivery_id, r]));
      const row = (x: typeof a) => rows.get(x!.id)!;
      assert.deepEqual([row(a).status, row(a).delivered_at, row(a).lease_owner, row(a).last_status_code, row(a).last_error], ['delivered', at.toISOString(), null, 200, null]);
      assert.equal(row(b).status, 'held', "retry scheduled, then held: d's 410 disabled their endpoint");
      assert.equal(row(b).next_attempt_at, new Date(at.getTime() + 60_000).toISOString());
      assert.equal(row(b).last_error, 'HTTP 500');
      assert.equal(row(b).delivered_at, null);
      assert.deepEqual([row(c).status, row(c).last_status_code, row(c).last_error], ['undelivered', null, 'timeout after 1000 ms']);
      assert.deepEqual([row(d).status, row(d).last_error], ['undelivered', 'HTTP 410 Gone: endpoint disabled']);
      assert.deepEqual([row(e).status, row(e).lease_owner, row(e).delivered_at], ['pending', 'someone-else', null], 'lease lost: untouched');
      for (const x of [a, b, c, d]) {
        const at1 = attempts.get(x!.id)!;
        assert.equal(at1.finished_at, at.toISOString());
        assert.equal(at1.latency_ms, 12);
      }
      assert.deepEqual([attempts.get(a!.id)!.status_code, attempts.get(a!.id)!.response_excerpt], [200, 'r200']);
      assert.equal(attempts.get(c!.id)!.error, 'timeout after 1000 ms');
      const endpoint = await relay.db.selectFrom('webhook_endpoints').selectAll().where('id', '=', ep.id).executeTakeFirstOrThrow();
      assert.equal(endpoint.enabled, 0);
      assert.equal(endpoint.disabled_reason, 'receiver answered 410 Gone');
    });
  });
}

describe('attempt outcomes on a large attempt log (postgres)', () => {
  test('rows are looked up by key, not by scanning the log', async (t) => {
    const { relay, endpoint: ep } = await relayWithPendingDeliveries(t, 'postgres', 'http://127.0.0.1:9/never', 1);
    const [first] = await relay.db.selectFrom('webhook_deliveries').selectAll().where('endpoint_id', '=', ep.id).execute();
    assert.ok(first);
    // Statistics taken while the log was small (autovacuum analyzes a new table early), then
    // 3,000 finished deliveries with their attempts, written at once: the statistics are stale.
    await sql`analyze webhook_deliveries, webhook_attempts`.execute(relay.db);
    const n = 3000;
    const deliveries = Array.from({ length: n }, (_, i) => ({ ...first, id: `dlv_old_${i}`, status: 'delivered' as const }));
    const attempts = deliveries.map((d, i) => ({ id: `att_old_${i}`, delivery_id: d.id, attempt: 1, worker_id: 'old-worker', started_at: first.created_at, finished_at: first.created_at, status_code: 200, latency_ms: 3, error: null, response_excerpt: null }));
    for (let i = 0; i < n; i += 500) {
      await relay.db.insertInto('webhook_deliveries').values(deliveries.slice(i, i + 500)).execute();
      await relay.db.insertInto('webhook_attempts').values(attempts.slice(i, i + 500)).execute();
    }
    // A batch as the worker writes it under load: 16 outcomes.
    await relay.db.insertInto('webhook_deliveries').values(Array.from({ length: 15 }, (_, i) => ({ ...first, id: `${first.id}_${i}` }))).execute();
    const worker = manualWorker(relay);
    const claimed = await worker.claim(16);
    assert.equal(claimed.length, 16);
    const at = new Date();
    const scans = await relay.db.transaction().execute(async (trx) => {
      // The connection's table statistics not yet flushed (they include earlier statements of this
      // connection): the difference is recordOutcomes' own.
      const seqScans = async () => {
        const { rows } = await sql<{ relname: string; seq_scan: string }>`select relname, seq_scan from pg_stat_xact_user_tables where relid in (to_regclass('webhook_attempts'), to_regclass('webhook_deliveries'))`.execute(trx);
        return Object.fromEntries(rows.map((r) => [r.relname, Number(r.seq_scan)]));
      };
      const before = await seqScans();
      await recordOutcomes(trx, worker.id, claimed.map((c) => ({ deliveryId: c.id, endpointId: c.endpoint_id, attempt: c.attempts, result: answer(200), step: { kind: 'delivered' as const }, at })));
      const after = await seqScans();
      return Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]));
    });
    assert.deepEqual(scans, { webhook_attempts: 0, webhook_deliveries: 0 });
    const done = await relay.db.selectFrom('webhook_attempts').selectAll().where('delivery_id', 'in', claimed.map((c) => c.id)).execute();
    assert.equal(done.length, 16);
    assert.ok(done.every((a) => a.status_code === 200 && a.finished_at === at.toISOString()));
    const rows = await relay.db.selectFrom('webhook_deliveries').selectAll().where('id', 'in', claimed.map((c) => c.id)).execute();
    assert.ok(rows.every((r) => r.status === 'delivered' && r.delivered_at === at.toISOString() && r.lease_owner === null));
  });
});

describe('the worker statements on one connection (postgres)', () => {
  test('claims and outcomes of any batch size are one prepared statement each', async (t) => {
    const { relay } = await relayWithPendingDeliveries(t, 'postgres', 'http://127.0.0.1:9/never', 6);
    const at = new Date();
    // One pooled connection, so that its prepared statements (pg_prepared_statements is per session) are all of them.
    const statements = await relay.db.connection().execute(async (conn) => {
      const worker = manualWorker({ db: conn, config: relay.config });
      for (const size of [1, 2, 3]) {
        const claimed = await worker.claim(size);
        assert.equal(claimed.length, size);
        await conn.transaction().execute((trx) =>
          recordOutcomes(trx, worker.id, claimed.map((c) => ({ deliveryId: c.id, endpointId: c.endpoint_id, attempt: c.attempts, result: answer(200), step: { kind: 'delivered' as const }, at }))),
        );
      }
      const { rows } = await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(conn);
      return rows.map((r) => r.statement.replace(/\s+/g, ' ').trim());
    });
    const count = (start: string) => statements.filter((s) => s.startsWith(start)).length;
    // A VALUES or IN list would be another statement for each batch size (3 here), and use up the connection's named statements.
    assert.equal(count('update "webhook_deliveries" set "lease_owner" = $1'), 1, 'lease');
    assert.equal(count('insert into webhook_attempts'), 1, 'attempt rows');
    assert.equal(count('with v as (select * from unnest($1::text[], $2::integer[], $3::text[], $4::integer[], $5::integer[], $6::text[], $7::text[]) as r(delivery_id'), 1, 'finished attempts');
    assert.equal(count('with v as (select * from unnest($1::text[], $2::integer[], $3::text[], $4::text[], $5::text[], $6::integer[], $7::text[], $8::text[]) as r(id'), 1, 'delivery states');
    const done = await relay.db.selectFrom('webhook_deliveries').select(['status', 'delivered_at']).execute();
    assert.deepEqual(done.map((d) => [d.status, d.delivered_at]), Array.from({ length: 6 }, () => ['delivered', at.toISOString()]));
  });
});
