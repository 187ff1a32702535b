/**
 * The relay is SIGKILLed (no shutdown hooks) while flags pour in, then restarted on the same
 * database: every flag that got a 2xx is stored, and its webhook reaches the receiver (at least
 * once; every copy of one event carries the same webhook-id). SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closedLoop } from '../../backend-stub/src/reliability/http-load.js';
import { createRelayStore, spawnRelay } from '../../backend-stub/src/reliability/relay-process.js';
import { ENGINES } from '../../backend-stub/src/testing/engines.js';
import { startReceiver } from '../../backend-stub/src/testing/receiver.js';
import { createEndpoint, createSessions, jsonFlag } from '../../bench/lib/relay-client.js';
import { CHAOS_ENV, openStoreDb, waitUntil, webhookIdsByFlag } from './lib.js';

for (const engine of ENGINES) {
  test(`SIGKILL under load, restart: every acknowledged flag stored and delivered (${engine})`, { timeout: 240_000 }, async () => {
    const receiver = await startReceiver();
    const store = await createRelayStore(engine, 'eye_chaos');
    let relay = await spawnRelay(store, { createTenant: true, env: CHAOS_ENV });
    try {
      const apiKey = relay.apiKey!;
      await createEndpoint(relay.url, apiKey, `${receiver.url}/hook`);
      const sessions = await createSessions(relay.url, apiKey, 40);
      const acked = new Set<string>();
      const url = relay.url;
      const killAfterMs = 2500;
      const load = closedLoop({
        baseUrl: url,
        concurrency: 16,
        durationMs: killAfterMs + 1500,
        next: (i) => jsonFlag(sessions[i % sessions.length]!, `k-${i}`, Math.floor(i / sessions.length)),
        onAnswer: (i, a) => {
          if (a.status === 201 || a.status === 200) acked.add(`${sessions[i % sessions.length]!.sessionId}/k-${i}`);
        },
      });
      await new Promise((r) => setTimeout(r, killAfterMs));
      const ackedAtKill = acked.size;
      await relay.kill();
      const result = await load;
      assert.ok(ackedAtKill > 20, `only ${ackedAtKill} flags acknowledged before the kill`);
      assert.ok(result.failed > 0, 'the kill should have failed some requests');

      relay = await spawnRelay(store, { env: CHAOS_ENV });
      const db = openStoreDb(store);
      try {
        const stored = new Set((await db.selectFrom('flags').select(['session_id', 'id']).execute()).map((f) => `${f.session_id}/${f.id}`));
        const lost = [...acked].filter((k) => !stored.has(k));
        assert.deepEqual(lost, [], `${lost.length} of ${acked.size} acknowledged flags are missing after the restart`);
        // Every stored flag (acknowledged or committed just before the kill) is delivered. A delivery
        // claimed by the killed worker is picked up again when its lease expires (~31 s here).
        await waitUntil(
          'every stored flag delivered',
          () => {
            const seen = webhookIdsByFlag(receiver.requests);
            return [...stored].every((k) => seen.has(k));
          },
          120_000,
          500,
        );
        // The outbox settles too: attempts whose answer the killed relay never recorded are sent
        // again (at-least-once), so every delivery row ends delivered.
        await waitUntil(
          'every delivery row delivered',
          async () => (await db.selectFrom('webhook_deliveries').select('id').where('status', '!=', 'delivered').execute()).length === 0,
          120_000,
          500,
        );
        const seen = webhookIdsByFlag(receiver.requests);
        for (const [key, ids] of seen) assert.equal(ids.size, 1, `flag ${key} was delivered under several webhook-ids: ${[...ids].join(', ')}`);
      } finally {
        await db.destroy();
      }
    } finally {
      await relay.kill().catch(() => {});
      await receiver.close();
      await store.destroy();
    }
  });
}
