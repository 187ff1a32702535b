/**
 * Slow and hanging webhook receivers beside a healthy one, with the documented 5 s attempt limit:
 * one accepts the connection and never answers, one trickles its response a byte at a time, one
 * answers 200 after 30 s. Every attempt to them is logged as a timeout (never as delivered, the
 * late 200 included), each ends with its socket closed (the receivers count open sockets: none
 * is left once the retries are over, and no attempt reuses a timed-out connection), and the
 * healthy endpoint gets every event on its first attempt while the others hold their slots
 * (per-endpoint isolation).
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { createRelayStore, spawnRelay } from '../../backend-stub/src/reliability/relay-process.js';
import { startReceiver } from '../../backend-stub/src/testing/receiver.js';
import { createEndpoint, createSessions, jsonFlag } from '../../bench/lib/relay-client.js';
import { request } from '../../backend-stub/src/reliability/http-load.js';
import { CHAOS_ENV, openStoreDb, waitUntil } from './lib.js';

type Behaviour = 'hang' | 'trickle' | 'late';

interface RawReceiver {
  url: string;
  /** Connections accepted so far. */
  accepted: number;
  /** Connections open now. */
  open(): number;
  /** Connections closed so far (by the relay giving up, as nothing here closes them). */
  closed: number;
  /** Requests whose head arrived (by webhook-id). */
  requests: string[];
  close(): Promise<void>;
}

const TRICKLE = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok';

/** A raw TCP receiver that misbehaves as told (node:http would answer for us or time sockets out). */
async function startRawReceiver(behaviour: Behaviour): Promise<RawReceiver> {
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const out: RawReceiver = { url: '', accepted: 0, open: () => sockets.size, closed: 0, requests: [], close: async () => {} };
  const server = net.createServer((socket) => {
    out.accepted++;
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      out.closed++;
    });
    socket.on('error', () => {});
    let head = '';
    socket.on('data', (chunk: Buffer) => {
      const before = head.includes('\r\n\r\n');
      head += chunk.toString('latin1');
      if (before || !head.includes('\r\n\r\n')) return;
      out.requests.push(/^webhook-id:\s*(\S+)/im.exec(head)?.[1] ?? '(none)');
      if (behaviour === 'late') {
        const t = setTimeout(() => socket.writable && socket.write(TRICKLE), 30_000);
        timers.add(t);
      } else if (behaviour === 'trickle') {
        let i = 0;
        const t = setInterval(() => {
          if (!socket.writable || i >= TRICKLE.length) { clearInterval(t); return; }
          socket.write(TRICKLE[i++]!);
        }, 250);
        timers.add(t);
      }
      // 'hang': never a byte back.
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  out.url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  out.close = async () => {
    for (const t of timers) clearTimeout(t);
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  };
  return out;
}

test('hanging, trickling and 30 s receivers time out at 5 s, leak no sockets, and do not delay a healthy endpoint', { timeout: 300_000 }, async () => {
  const bad = { hang: await startRawReceiver('hang'), trickle: await startRawReceiver('trickle'), late: await startRawReceiver('late') };
  // Isolation, as an outcome: when each healthy delivery arrives, how many attempts to the bad
  // receivers have ended (their connections closed, at 5 s at the earliest)? None may have: a
  // healthy delivery that waited for a slot held by a hanging receiver would see some.
  const badEndedAtHealthyReceipt: number[] = [];
  const healthy = await startReceiver({
    responder: () => {
      badEndedAtHealthyReceipt.push(Object.values(bad).reduce((n, r) => n + r.closed, 0));
      return { status: 200, body: 'ok' };
    },
  });
  const store = await createRelayStore('sqlite', 'eye_chaos');
  // The documented attempt limit (5 s: no EYE_WEBHOOK_TIMEOUT_MS), two quick retries, default concurrency.
  const env: Record<string, string> = { ...CHAOS_ENV, EYE_WEBHOOK_RETRY_SCHEDULE: '1s,1s' };
  delete env.EYE_WEBHOOK_TIMEOUT_MS;
  const relay = await spawnRelay(store, { createTenant: true, env });
  const db = openStoreDb(store);
  try {
    const apiKey = relay.apiKey!;
    // Sessions first, so that no attempt starts before the flags do.
    const sessions = await createSessions(relay.url, apiKey, 4);
    const endpointOf = new Map<string, string>();
    for (const [name, r] of Object.entries(bad)) endpointOf.set((await createEndpoint(relay.url, apiKey, `${r.url}/hook`)).id, name);
    const healthyId = (await createEndpoint(relay.url, apiKey, `${healthy.url}/hook`)).id;
    endpointOf.set(healthyId, 'healthy');
    const FLAGS = 20;
    const postedAt = new Map<string, number>();
    for (let i = 0; i < FLAGS; i++) {
      const s = sessions[i % sessions.length]!;
      const a = await request(relay.url, jsonFlag(s, `slow-${i}`, i));
      assert.equal(a.status, 201);
      postedAt.set(`slow-${i}`, Date.now());
    }

    await waitUntil(
      'every delivery settled',
      async () => (await db.selectFrom('webhook_deliveries').select('id').where('status', '=', 'pending').execute()).length === 0,
      240_000,
      1000,
    );
    const deliveries = await db.selectFrom('webhook_deliveries').select(['id', 'endpoint_id', 'status', 'attempts']).execute();
    const attempts = await db.selectFrom('webhook_attempts').select(['delivery_id', 'status_code', 'error', 'latency_ms']).execute();
    const endpointOfDelivery = new Map(deliveries.map((d) => [d.id, endpointOf.get(d.endpoint_id)!]));

    // Healthy endpoint: every event, first attempt, no timeout.
    const healthyDeliveries = deliveries.filter((d) => d.endpoint_id === healthyId);
    assert.ok(healthyDeliveries.length >= FLAGS, `${healthyDeliveries.length} deliveries to the healthy endpoint`);
    for (const d of healthyDeliveries) {
      assert.equal(d.status, 'delivered', `healthy delivery ${d.id}`);
      assert.equal(d.attempts, 1, `healthy delivery ${d.id} needed ${d.attempts} attempts`);
    }
    assert.deepEqual(
      badEndedAtHealthyReceipt.filter((n) => n > 0),
      [],
      'healthy deliveries arrived only after attempts to the hanging receivers had timed out (they waited for a slot)',
    );
    const lags: number[] = [];
    for (const r of healthy.requests) {
      const flagId = (JSON.parse(r.body) as { data?: { flag_id?: string } }).data?.flag_id;
      if (flagId && postedAt.has(flagId)) lags.push(r.receivedAt - postedAt.get(flagId)!);
    }

    for (const [name, r] of Object.entries(bad)) {
      const mine = deliveries.filter((d) => endpointOfDelivery.get(d.id) === name);
      const mineAttempts = attempts.filter((a) => endpointOfDelivery.get(a.delivery_id) === name);
      assert.equal(mine.length, healthyDeliveries.length, `${name}: deliveries`);
      for (const d of mine) {
        assert.notEqual(d.status, 'delivered', `${name}: delivery ${d.id} counted as delivered`);
        assert.equal(d.attempts, 3, `${name}: delivery ${d.id} attempts`);
      }
      // The delivery log shows the timeout on every attempt, at the documented limit.
      for (const a of mineAttempts) {
        assert.equal(a.status_code, null, `${name}: an attempt recorded status ${a.status_code}`);
        assert.match(a.error ?? '', /^timeout after 5000 ms$/, `${name}: attempt error`);
        // Not before the limit; a timer may fire a fraction of a millisecond early against performance.now()
        // (seen: 4999 ms after rounding), so allow 10 ms of timer granularity.
        assert.ok(Number(a.latency_ms) >= 4990, `${name}: attempt gave up after ${a.latency_ms} ms`);
      }
      // Each attempt reached the receiver on a connection of its own, closed when it timed out.
      assert.equal(r.requests.length, mineAttempts.length, `${name}: requests received vs attempts logged`);
      assert.equal(r.accepted, mineAttempts.length, `${name}: connections vs attempts (a timed-out socket was reused?)`);
      await waitUntil(`${name}: every connection closed by the relay`, () => r.open() === 0, 30_000, 250);
    }
    console.log(
      `slow receivers: ${attempts.length} attempts; hang/trickle/late each ${bad.hang.accepted}/${bad.trickle.accepted}/${bad.late.accepted} connections, all closed; ` +
        `healthy endpoint: ${healthy.requests.length} events, first attempt, flag-to-receipt max ${Math.max(...lags)} ms (median ${lags.sort((a, b) => a - b)[Math.floor(lags.length / 2)]} ms)`,
    );
    assert.equal(relay.child.exitCode, null, 'relay died');
  } finally {
    await db.destroy();
    await relay.stop();
    for (const r of Object.values(bad)) await r.close();
    await healthy.close();
    await store.destroy();
  }
});
