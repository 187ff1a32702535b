/**
 * The worker claims ahead (up to twice its concurrency), so a freed slot is refilled without a
 * database round trip. Claimed deliveries it has not sent when it stops are handed back: due again
 * at once, their attempt count as before, no attempt row left open. An endpoint stocked with claims
 * is left out of claims; a claim that found nothing then is not repeated at every wake-up; after a
 * claim that took every due delivery, the deliveries of the flags committed next share one claim.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ENGINES } from '../testing/engines.js';
import { startReceiver } from '../testing/receiver.js';
import { manualWorker, postFlag, relayWithPendingDeliveries } from '../testing/webhook-fixtures.js';
import type { DeliveryWorker } from './worker.js';

/** Counts the worker's claims from now on. */
function countingClaims(worker: DeliveryWorker): { count: number } {
  const counter = { count: 0 };
  const claim = worker.claim.bind(worker);
  worker.claim = (...args) => {
    counter.count++;
    return claim(...args);
  };
  return counter;
}

for (const engine of ENGINES) {
  describe(`claiming ahead (${engine})`, () => {
    test('a stopped worker hands back what it claimed but did not send', async (t) => {
      const rx = await startReceiver({ responder: () => ({ hang: true }) });
      t.after(() => rx.close());
      const { relay, endpoint: ep } = await relayWithPendingDeliveries(t, engine, `${rx.url}/hang`, 6);
      const pending = await relay.db.selectFrom('webhook_deliveries').select(['id']).where('endpoint_id', '=', ep.id).execute();
      assert.ok(pending.length >= 6, `${pending.length} deliveries`);

      // One request at a time to the endpoint; the worker claims up to 3 of its deliveries ahead.
      const oneAtATime = { timeoutMs: 1500, concurrency: 4, perEndpointConcurrency: 1 };
      const worker = manualWorker(relay, oneAtATime);
      worker.start();
      await rx.waitFor((rs) => rs.length >= 1, 10_000);
      const claimedRows = async () => relay.db.selectFrom('webhook_deliveries').select(['id', 'attempts', 'lease_owner', 'status']).where('endpoint_id', '=', ep.id).where('lease_owner', '=', worker.id).execute();
      const claimed = await claimedRows();
      assert.equal(claimed.length, 3, 'three claimed: one sending, two ready');
      assert.equal(rx.requests.length, 1, 'only one sent: one slot per endpoint');
      const sentId = rx.requests[0]!.headers['webhook-id'];

      await worker.stop();
      assert.equal(rx.requests.length, 1, 'nothing more is sent while stopping');
      const after = await relay.db.selectFrom('webhook_deliveries').innerJoin('webhook_events as e', 'e.id', 'webhook_deliveries.event_id').select(['webhook_deliveries.id', 'webhook_deliveries.attempts', 'webhook_deliveries.lease_owner', 'webhook_deliveries.status', 'e.id as event_id']).where('webhook_deliveries.id', 'in', claimed.map((c) => c.id)).execute();
      const sent = after.filter((r) => r.event_id === sentId);
      const unsent = after.filter((r) => r.event_id !== sentId);
      assert.equal(sent.length, 1);
      assert.equal(unsent.length, 2);
      // The one sent timed out: its attempt is recorded, a retry is scheduled.
      assert.deepEqual([sent[0]!.attempts, sent[0]!.lease_owner, sent[0]!.status], [1, null, 'pending']);
      for (const r of unsent) assert.deepEqual([r.attempts, r.lease_owner, r.status], [0, null, 'pending'], 'handed back as before the claim');
      const attempts = await relay.db.selectFrom('webhook_attempts').selectAll().where('delivery_id', 'in', claimed.map((c) => c.id)).execute();
      assert.equal(attempts.length, 1, 'only the attempt that was sent is logged');
      assert.equal(attempts[0]!.error?.startsWith('timeout'), true, attempts[0]!.error ?? 'no error');
      assert.ok(attempts[0]!.finished_at);

      // A worker started afterwards delivers the handed-back ones at once (no lease to wait out).
      const ok = await startReceiver();
      t.after(() => ok.close());
      await relay.db.updateTable('webhook_endpoints').set({ url: `${ok.url}/ok` }).where('id', '=', ep.id).execute();
      const next = manualWorker(relay, oneAtATime);
      next.start();
      t.after(() => next.stop());
      const unsentEvents = new Set(unsent.map((r) => r.event_id));
      await ok.waitFor((rs) => [...unsentEvents].every((id) => rs.some((r) => r.headers['webhook-id'] === id)), 10_000);
    });

    test('wake-ups do not repeat a claim that found nothing while the endpoint is stocked; its freed slots claim again', async (t) => {
      const rx = await startReceiver({ responder: () => ({ hang: true }) });
      t.after(() => rx.close());
      const { relay, endpoint: ep } = await relayWithPendingDeliveries(t, engine, `${rx.url}/hang`, 6);
      const events = await relay.db.selectFrom('webhook_deliveries').select('event_id').where('endpoint_id', '=', ep.id).execute();
      // One request at a time to the endpoint: three claimed (one sending, two ready) stock it.
      const worker = manualWorker(relay, { timeoutMs: 30_000, leaseMs: 60_000, concurrency: 4, perEndpointConcurrency: 1, fruitlessClaimPauseMs: 600_000 });
      const claims = countingClaims(worker);
      worker.start();
      t.after(() => worker.stop());
      await rx.waitFor((rs) => rs.length >= 1, 10_000);
      const stocked = async () => (await relay.db.selectFrom('webhook_deliveries').select('id').where('lease_owner', '=', worker.id).execute()).length;
      for (let i = 0; i < 200 && (await stocked()) < 3; i++) await new Promise((r) => setTimeout(r, 20));
      assert.equal(await stocked(), 3);
      // New deliveries are signalled (commits wake the worker): the endpoint stays stocked, so
      // after one claim that finds nothing the others are skipped.
      const before = claims.count;
      for (let i = 0; i < 50; i++) {
        worker.wake();
        await new Promise((r) => setTimeout(r, 2));
      }
      assert.ok(claims.count - before <= 1, `${claims.count - before} claims after 50 wake-ups`);
      assert.equal(rx.requests.length, 1, 'still one request at a time');

      // The receiver drops the hanging request and answers again: slots free up, the endpoint
      // claims again without waiting out the pause, and every event arrives.
      rx.respondWith({ status: 200 });
      await rx.down();
      await rx.up();
      await rx.waitFor((rs) => events.every((e) => rs.some((r) => r.headers['webhook-id'] === e.event_id)), 20_000);
    });

    test('deliveries of flags committed one after another after a claim that took everything share one claim', async (t) => {
      const rx = await startReceiver();
      t.after(() => rx.close());
      const { relay, session } = await relayWithPendingDeliveries(t, engine, `${rx.url}/ok`, 1);
      // A long coalescing time, so that the flags below all fall within it on a loaded machine.
      const worker = manualWorker(relay, { claimCoalesceMs: 3000 });
      const claims = countingClaims(worker);
      worker.start();
      t.after(() => worker.stop());
      await rx.waitFor((rs) => rs.length >= 1, 10_000);
      const before = claims.count;
      const flags = 10;
      for (let i = 0; i < flags; i++) assert.equal((await postFlag(relay, session, { type: 'EXIT_FULLSCREEN' })).status, 201);
      // Each commit signalled the worker: one claim for all of them, not one per flag.
      const events = await relay.db.selectFrom('webhook_deliveries').select('event_id').execute();
      assert.ok(events.length >= flags + 1, `${events.length} deliveries`);
      await rx.waitFor((rs) => events.every((e) => rs.some((r) => r.headers['webhook-id'] === e.event_id)), 20_000);
      assert.ok(claims.count - before <= 2, `${claims.count - before} claims for ${flags} flags committed one after another`);
    });
  });
}
