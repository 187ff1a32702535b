/**
 * `eye-relay worker`: deliveries in their own process. The HTTP relay runs with
 * EYE_WEBHOOK_WORKER=0 and sends nothing itself; a worker process on the same database delivers
 * every event once it starts, and later ones as they commit: woken by NOTIFY on PostgreSQL and by
 * changes of the WAL file on SQLite, not by its poll.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRelayStore, spawnRelay } from '../reliability/relay-process.js';
import { ENGINES, type Engine } from '../testing/engines.js';
import { startReceiver, type Receiver } from '../testing/receiver.js';
import { createEndpoint, createSessions, jsonFlag, type Session } from '../../../bench/lib/relay-client.js';
import { request } from '../reliability/http-load.js';

type Relay = Awaited<ReturnType<typeof spawnRelay>>;

/**
 * An HTTP relay at EYE_WEBHOOK_WORKER=0 (with a tenant, an endpoint to a receiver and `sessions`
 * sessions) on a fresh store; `startWorker` spawns the `eye-relay worker` beside it. Everything is
 * stopped and removed afterwards.
 */
async function withSplitRelay(
  engine: Engine,
  o: { prefix: string; pollMs: number; sessions: number },
  run: (ctx: { relay: Relay; receiver: Receiver; sessions: Session[]; startWorker: () => Promise<Relay> }) => Promise<void>,
): Promise<void> {
  const receiver = await startReceiver();
  const store = await createRelayStore(engine, o.prefix);
  const env = { LOG_LEVEL: 'error', EYE_WEBHOOK_POLL_MS: String(o.pollMs) };
  const relay = await spawnRelay(store, { createTenant: true, env: { ...env, EYE_WEBHOOK_WORKER: '0' } });
  const workers: Relay[] = [];
  try {
    await createEndpoint(relay.url, relay.apiKey!, `${receiver.url}/hook`);
    const sessions = await createSessions(relay.url, relay.apiKey!, o.sessions);
    const startWorker = async () => {
      const worker = await spawnRelay(store, { env: { ...env, EYE_CHILD_ROLE: 'worker' } });
      workers.push(worker);
      return worker;
    };
    await run({ relay, receiver, sessions, startWorker });
  } finally {
    for (const w of workers) await w.stop();
    await relay.stop();
    await receiver.close();
    await store.destroy();
  }
}

for (const engine of ENGINES) {
  test(`eye-relay worker delivers for an HTTP relay without a worker (${engine})`, { timeout: 120_000 }, () =>
    withSplitRelay(engine, { prefix: 'eye_wproc', pollMs: 200, sessions: 4 }, async ({ relay, receiver, sessions, startWorker }) => {
      for (let i = 0; i < 12; i++) {
        const r = await request(relay.url, jsonFlag(sessions[i % 4]!, `wp-${i}`, i));
        assert.equal(r.status, 201);
      }
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(receiver.requests.length, 0, 'the HTTP relay delivers nothing itself');

      await startWorker();
      await receiver.waitFor((reqs) => reqs.filter((r) => r.body.includes('"flag_id":"wp-')).length >= 12, 60_000);
      const ids = receiver.requests.filter((r) => r.body.includes('"flag_id":"wp-')).map((r) => r.headers['webhook-id']);
      assert.equal(new Set(ids).size, 12, 'one webhook-id per flag');
    }),
  );
}

for (const engine of ENGINES) {
  // A 10-minute poll: whatever arrives within the deadline below came through a wake-up.
  test(`eye-relay worker is woken by the HTTP relay's commits, not by its poll (${engine})`, { timeout: 120_000 }, () =>
    withSplitRelay(engine, { prefix: 'eye_wwake', pollMs: 600_000, sessions: 2 }, async ({ relay, receiver, sessions, startWorker }) => {
      await startWorker();
      // Whatever is due at its start is delivered; then the worker waits for a wake-up.
      await new Promise((r) => setTimeout(r, 1000));
      for (let i = 0; i < 3; i++) {
        assert.equal((await request(relay.url, jsonFlag(sessions[i % 2]!, `wk-${i}`, i))).status, 201);
        await receiver.waitFor((reqs) => reqs.some((r) => r.body.includes(`"flag_id":"wk-${i}"`)), 60_000);
      }
    }),
  );
}
