/**
 * Durability and concurrency: a relay stopped mid-queue (and a worker that died holding claims)
 * resumes on restart against the same database; two relays on one PostgreSQL never send the same
 * attempt twice; new deliveries wake the worker without waiting for the poll.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { openDatabase } from '../db/connect.js';
import { buildServer } from '../server.js';
import { ENGINES } from '../testing/engines.js';
import { startTestRelay, type TestRelay } from '../testing/harness.js';
import { startReceiver, type Receiver } from '../testing/receiver.js';
import { spawnRelayProcess } from '../testing/relay-process.js';
import { verifyClassic } from '../testing/verify.js';
import type { ApiBody } from '../testing/client.js';
import { api, bodies, FAST_WEBHOOKS, manualWorker, postFlag, registerEndpoint, startedSession, waitUntil, type TestSent } from '../testing/webhook-fixtures.js';

async function deliveriesByStatus(relay: { db: TestRelay['db'] }) {
  const rows = await relay.db.selectFrom('webhook_deliveries').select(['id', 'status', 'attempts', 'event_id']).execute();
  return rows;
}

for (const engine of ENGINES) {
  describe(`restart resumes (${engine})`, () => {
    const cleanup: (() => Promise<unknown>)[] = [];
    after(async () => {
      for (const c of cleanup.reverse()) await c().catch(() => {});
    });

    test('stopped mid-queue, with claims of a dead worker outstanding: the next relay delivers everything once the receiver is back', async () => {
      const rx: Receiver = await startReceiver();
      cleanup.push(() => rx.close());
      // Relay A retries slowly, so no delivery runs out of attempts before A stops, however slow the machine.
      const a = await startTestRelay({ engine, webhooks: { ...FAST_WEBHOOKS, retry: { scheduleMs: [5000, 5000, 5000] } } });
      cleanup.push(() => a.close());
      const ep = await registerEndpoint(a, `${rx.url}/resume`, ['proctoring_event.*']);
      await rx.down();
      const s = await startedSession(a);
      for (let i = 0; i < 6; i++) assert.equal((await postFlag(a, s, { type: 'EXIT_FULLSCREEN' })).status, 201);
      await waitUntil('first attempts failed', async () => {
        const rows = await deliveriesByStatus(a);
        return rows.length === 6 && rows.every((r) => r.attempts >= 1);
      });
      // Stop relay A (its worker finishes the attempt in flight and stops claiming).
      await a.app.close();

      // A worker that claims two deliveries and dies without recording anything.
      const dead = openDatabase({ databaseUrl: a.config.databaseUrl, pgSchema: a.config.pgSchema });
      const deadWorker = manualWorker({ db: dead.db, config: a.config }, { leaseMs: 1000 });
      // Make everything due now so the dead worker can claim.
      await dead.db.updateTable('webhook_deliveries').set({ next_attempt_at: new Date(Date.now() - 1).toISOString() }).where('status', '=', 'pending').execute();
      const claimed = await deadWorker.claim(2);
      assert.equal(claimed.length, 2);
      await dead.db.destroy();

      await rx.up();
      const b = await buildServer({ config: a.config, logger: false, webhooks: FAST_WEBHOOKS });
      cleanup.push(() => b.close());
      await b.ready();
      await waitUntil('all delivered by relay B', async () => {
        const rows = await b.db.selectFrom('webhook_deliveries').select('status').execute();
        return rows.length === 6 && rows.every((r) => r.status === 'delivered');
      }, 20_000);

      const attempts = await b.db.selectFrom('webhook_attempts').selectAll().orderBy('delivery_id').orderBy('attempt').execute();
      const byDelivery = new Map<string, typeof attempts>();
      for (const at of attempts) byDelivery.set(at.delivery_id, [...(byDelivery.get(at.delivery_id) ?? []), at]);
      for (const [id, list] of byDelivery) {
        assert.deepEqual(list.map((x) => x.attempt), list.map((_, i) => i + 1), `contiguous attempt numbers for ${id}`);
        assert.equal(list.at(-1)!.status_code, 200);
      }
      for (const c of claimed) {
        const list = byDelivery.get(c.id)!;
        const interrupted = list.find((x) => x.worker_id === deadWorker.id)!;
        assert.equal(interrupted.finished_at, null, 'the dead worker never recorded a result');
        assert.ok(list.at(-1)!.worker_id !== deadWorker.id);
      }
      const events = await b.db.selectFrom('webhook_events').select('id').where('session_id', '=', s.sessionId).where('event_type', '=', 'proctoring_event.fullscreen_exit').execute();
      const seen = new Set(rx.requests.map((r) => r.headers['webhook-id']));
      for (const e of events) assert.ok(seen.has(e.id), `event ${e.id} reached the receiver`);
      for (const r of rx.requests) assert.deepEqual(verifyClassic(ep.secret, r.headers, r.body), { ok: true }, 'relay B signs with the same stored secret');
    });

    test('a hanging endpoint holds at most perEndpointConcurrency slots: other endpoints are served meanwhile', async () => {
      const slow = await startReceiver({ responder: () => ({ hang: true }) });
      const fast = await startReceiver();
      cleanup.push(() => slow.close(), () => fast.close());
      const relay = await startTestRelay({ engine, webhooks: { ...FAST_WEBHOOKS, timeoutMs: 3000, concurrency: 4, perEndpointConcurrency: 2 } });
      cleanup.push(() => relay.close());
      const epSlow = await registerEndpoint(relay, `${slow.url}/slow`);
      const epFast = await registerEndpoint(relay, `${fast.url}/fast`);
      for (let i = 0; i < 8; i++) assert.equal((await api(relay, 'POST', `/v1/webhooks/endpoints/${epSlow.id}/test`)).status, 202);
      await slow.waitFor((rs) => rs.length >= 2);
      const t = await api<TestSent>(relay, 'POST', `/v1/webhooks/endpoints/${epFast.id}/test`);
      // Served while the slow endpoint's attempts still hang (they time out after 3 s).
      const got = await fast.waitFor((rs) => rs.length >= 1, 2000);
      assert.equal(got[0]!.headers['webhook-id'], t.body.eventId);
      assert.equal(slow.requests.length, 2, 'the hanging endpoint got only its 2 slots');
    });

    test('a committed delivery wakes the worker without waiting for the poll interval', async () => {
      const rx = await startReceiver();
      cleanup.push(() => rx.close());
      const relay = await startTestRelay({ engine, webhooks: { ...FAST_WEBHOOKS, pollIntervalMs: 60_000 } });
      cleanup.push(() => relay.close());
      await registerEndpoint(relay, `${rx.url}/wake`);
      // Let the worker settle into its 60 s poll wait.
      await new Promise((r) => setTimeout(r, 300));
      const s = await startedSession(relay);
      await postFlag(relay, s, { type: 'DEVTOOLS_OPEN' });
      // Both events arrive long before the 60 s poll would fire; their order is not guaranteed
      // (the started event can be claimed in the same batch the flag's commit woke up).
      const types = (rs: { body: string }[]) => new Set(bodies(rs).map((b) => b.event_type));
      const got = await rx.waitFor((rs) => {
        const seen = types(rs);
        return seen.has('session.started') && seen.has('proctoring_event.devtools_open');
      }, 10_000);
      assert.ok(types(got).has('session.started'));
      assert.ok(types(got).has('proctoring_event.devtools_open'));
    });
  });
}

describe('two relays on one PostgreSQL', () => {
  let a: TestRelay;
  let b: FastifyInstance;
  let rx: Receiver;
  after(async () => {
    // Any of them may be missing when the test failed early.
    await (b as FastifyInstance | undefined)?.close();
    await (a as TestRelay | undefined)?.close();
    await (rx as Receiver | undefined)?.close();
  });

  test('never send the same attempt twice (DB attempt log and receiver agree)', async () => {
    rx = await startReceiver();
    a = await startTestRelay({ engine: 'postgres', webhooks: FAST_WEBHOOKS });
    b = await buildServer({ config: a.config, logger: false, webhooks: FAST_WEBHOOKS });
    await b.listen({ port: 0, host: '127.0.0.1' });
    const bRelay = { ...a, url: `http://127.0.0.1:${(b.server.address() as AddressInfo).port}` };

    // First sight of each webhook-id fails (500), every retry succeeds: exactly 2 attempts each.
    const seen = new Map<string, number>();
    rx.setResponder((req) => {
      const id = req.headers['webhook-id']!;
      const n = (seen.get(id) ?? 0) + 1;
      seen.set(id, n);
      return { status: n === 1 ? 500 : 200, delayMs: 20 };
    });
    await registerEndpoint(a, `${rx.url}/pair`, ['proctoring_event.*']);
    const sessions = [await startedSession(a), await startedSession(a)];
    const N = 40;
    await Promise.all(
      Array.from({ length: N }, (_, i) => postFlag(i % 2 ? bRelay : a, sessions[i % 2]!, { type: 'EXIT_FULLSCREEN' })),
    );
    await waitUntil('all delivered', async () => {
      const rows = await a.db.selectFrom('webhook_deliveries').select('status').execute();
      return rows.length === N && rows.every((r) => r.status === 'delivered');
    }, 30_000);

    const deliveries = await a.db.selectFrom('webhook_deliveries').selectAll().execute();
    const attempts = await a.db.selectFrom('webhook_attempts').selectAll().execute();
    assert.equal(deliveries.length, N);
    for (const d of deliveries) {
      assert.equal(d.attempts, 2, `delivery ${d.id} attempts`);
      const mine = attempts.filter((x) => x.delivery_id === d.id).map((x) => x.attempt).sort();
      assert.deepEqual(mine, [1, 2]);
      assert.equal(seen.get(d.event_id), 2, `receiver saw ${d.event_id} exactly twice`);
    }
    assert.equal(rx.requests.length, 2 * N);
    const workers = new Set(attempts.map((x) => x.worker_id));
    assert.equal(workers.size, 2, `both relays delivered (workers: ${[...workers].join(', ')})`);
    const perWorker = [...workers].map((w) => attempts.filter((x) => x.worker_id === w).length);
    console.log(`# two relays: ${N} deliveries, ${attempts.length} attempts, split ${perWorker.join(' / ')}, receiver requests ${rx.requests.length}`);
    const r = await api<ApiBody<'/v1/webhooks/endpoints', 'get'>>(a, 'GET', '/v1/webhooks/endpoints');
    assert.equal(r.body.endpoints[0]!.enabled, true);
  });
});

describe('PostgreSQL NOTIFY wakes another process', () => {
  test('a relay process that polls once a minute delivers what another process committed, within seconds', async () => {
    const rx = await startReceiver();
    // This process writes (its worker is off); the child process only delivers.
    const a = await startTestRelay({ engine: 'postgres', webhooks: { ...FAST_WEBHOOKS, worker: false } });
    const child = await spawnRelayProcess(a.config, { ...FAST_WEBHOOKS, pollIntervalMs: 60_000 });
    try {
      await registerEndpoint(a, `${rx.url}/notify`, ['proctoring_event.*']);
      // Let the child settle into its 60 s poll wait.
      await new Promise((r) => setTimeout(r, 500));
      const s = await startedSession(a);
      await postFlag(a, s, { type: 'DEVTOOLS_OPEN' });
      const got = await rx.waitFor((rs) => rs.length >= 1, 10_000);
      assert.equal(bodies(got)[0]!.event_type, 'proctoring_event.devtools_open');
      const [attempt] = await a.db.selectFrom('webhook_attempts').select('worker_id').execute();
      assert.match(attempt!.worker_id, new RegExp(`:${child.child.pid}:`), 'delivered by the other process');
    } finally {
      await child.stop();
      await a.close();
      await rx.close();
    }
  });
});

