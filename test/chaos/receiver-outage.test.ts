/**
 * The webhook receiver fails for a while under a steady flow of flags (first answering 503, then
 * gone: connection refused), then comes back: every event is delivered, every attempt of one
 * event carries the same webhook-id (= envelope id), the final copies verify with the
 * standardwebhooks library, and the attempt log shows the retries. SQLite and PostgreSQL.
 * (webhooks/delivery.test.ts covers a single event across an outage; this is the same under load.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openLoop } from '../../backend-stub/src/reliability/http-load.js';
import { createRelayStore, spawnRelay } from '../../backend-stub/src/reliability/relay-process.js';
import { ENGINES } from '../../backend-stub/src/testing/engines.js';
import { startReceiver } from '../../backend-stub/src/testing/receiver.js';
import { verifyStandard } from '../../backend-stub/src/testing/verify.js';
import { createEndpoint, createSessions, jsonFlag } from '../../bench/lib/relay-client.js';
import { CHAOS_ENV, openStoreDb, waitUntil } from './lib.js';

for (const engine of ENGINES) {
  test(`receiver down for a while, then back: every event delivered under one webhook-id (${engine})`, { timeout: 180_000 }, async () => {
    const receiver = await startReceiver();
    const store = await createRelayStore(engine, 'eye_chaos');
    const relay = await spawnRelay(store, { createTenant: true, env: CHAOS_ENV });
    const db = openStoreDb(store);
    try {
      const apiKey = relay.apiKey!;
      const { secret } = await createEndpoint(relay.url, apiKey, `${receiver.url}/hook`);
      const sessions = await createSessions(relay.url, apiKey, 20);
      // 0-3 s: healthy; 3-6 s: 503; 6-11 s: down; then up again.
      const timeline = (async () => {
        await new Promise((r) => setTimeout(r, 3000));
        receiver.respondWith({ status: 503, body: 'maintenance' });
        await new Promise((r) => setTimeout(r, 3000));
        await receiver.down();
        await new Promise((r) => setTimeout(r, 5000));
        receiver.respondWith({ status: 200, body: 'ok' });
        await receiver.up();
      })();
      const load = await openLoop({ baseUrl: relay.url, rate: 20, durationMs: 12_000, next: (i) => jsonFlag(sessions[i % sessions.length]!, `o-${i}`, Math.floor(i / sessions.length)) });
      await timeline;
      assert.equal(load.failed, 0, `flag posts failed: ${load.failures.join('; ')}`);

      await waitUntil(
        'every delivery delivered',
        async () => (await db.selectFrom('webhook_deliveries').select('id').where('status', '!=', 'delivered').execute()).length === 0,
        120_000,
        500,
      );
      const events = await db.selectFrom('webhook_events').select(['id', 'event_type']).execute();
      const deliveries = await db.selectFrom('webhook_deliveries').select(['id', 'event_id', 'attempts']).execute();
      assert.ok(events.length >= load.ok, `${events.length} events for ${load.ok} flags`);
      assert.equal(deliveries.length, events.length, 'one delivery per event (one endpoint)');

      // Receiver side: group every received request by its envelope id.
      const byEnvelope = new Map<string, string[]>();
      for (const r of receiver.requests) {
        const envelopeId = (JSON.parse(r.body) as { id: string }).id;
        if (!byEnvelope.has(envelopeId)) byEnvelope.set(envelopeId, []);
        byEnvelope.get(envelopeId)!.push(r.headers['webhook-id'] ?? '(none)');
      }
      for (const e of events) {
        const ids = byEnvelope.get(e.id);
        assert.ok(ids && ids.length > 0, `event ${e.id} (${e.event_type}) never reached the receiver`);
        assert.deepEqual(new Set(ids), new Set([e.id]), `event ${e.id} arrived under webhook-ids ${ids.join(', ')}`);
      }
      // The outage was real: events saw several attempts, some of them answered (503) and recorded.
      const retried = deliveries.filter((d) => d.attempts > 1);
      assert.ok(retried.length > 0, 'no delivery needed a retry');
      assert.ok([...byEnvelope.values()].some((ids) => ids.length > 1), 'no event reached the receiver twice (503 then 200)');
      const attempts = await db.selectFrom('webhook_attempts').select(['status_code', 'error']).execute();
      assert.ok(attempts.some((a) => Number(a.status_code) === 503), 'no 503 attempt logged');
      assert.ok(attempts.some((a) => a.status_code === null && /ECONNREFUSED|refused|connect/i.test(a.error ?? '')), 'no refused-connection attempt logged');
      // The last copy of every event verifies with the standardwebhooks library.
      const last = new Map<string, (typeof receiver.requests)[number]>();
      for (const r of receiver.requests) last.set((JSON.parse(r.body) as { id: string }).id, r);
      for (const r of last.values()) verifyStandard(secret, r.headers, r.body);
    } finally {
      await db.destroy();
      await relay.stop();
      await receiver.close();
      await store.destroy();
    }
  });
}
