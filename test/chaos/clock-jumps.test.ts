/**
 * Clock jumps on the relay (its one clock, clock.ts, shifted over IPC; the receiver keeps the real
 * time): +4 min, then back to -4 min, then to +5 min while attempts are in flight, then back to 0.
 * Session tokens stay valid across the jumps (also a token issued "in the future"), every webhook
 * verifies at a receiver on the real clock (classic recipe and the standardwebhooks library,
 * both with a 5-minute tolerance), retries follow the schedule without a tight loop (attempts are
 * counted), an attempt in flight when the clock jumps past its lease is not sent twice, and
 * replay returns every event of a session whatever the clock did.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { request } from '../../backend-stub/src/reliability/http-load.js';
import { createRelayStore, spawnRelay } from '../../backend-stub/src/reliability/relay-process.js';
import { startReceiver } from '../../backend-stub/src/testing/receiver.js';
import { verifyClassic, verifyStandard } from '../../backend-stub/src/testing/verify.js';
import { createEndpoint, createSession, jsonFlag, type Session } from '../../bench/lib/relay-client.js';
import { CHAOS_ENV, openStoreDb, waitUntil } from './lib.js';

const MIN = 60_000;
const RETRIES = 3;

test('clock jumps of a few minutes: tokens valid, signatures verify, retries bounded, no double send past a lease, replay complete', { timeout: 240_000 }, async () => {
  const receiver = await startReceiver();
  const store = await createRelayStore('sqlite', 'eye_chaos');
  // 5 s attempt limit (lease 35 s), three retries 2 s apart, 20-minute tokens.
  const env: Record<string, string> = { ...CHAOS_ENV, EYE_WEBHOOK_RETRY_SCHEDULE: '2s,2s,2s', EYE_TOKEN_TTL_SECONDS: '1200' };
  delete env.EYE_WEBHOOK_TIMEOUT_MS;
  const relay = await spawnRelay(store, { createTenant: true, env });
  const db = openStoreDb(store);
  try {
    const apiKey = relay.apiKey!;
    const { secret } = await createEndpoint(relay.url, apiKey, `${receiver.url}/hook`, ['proctoring_event.*']);
    let n = 0;
    const post = async (s: Session) => {
      const a = await request(relay.url, jsonFlag(s, `c-${n}`, n++));
      assert.equal(a.status, 201, `flag at relay clock offset: ${a.status} ${a.body.toString()}`);
    };
    const deliveredCount = async () => (await db.selectFrom('webhook_deliveries').select('id').where('status', '=', 'delivered').execute()).length;

    const a = await createSession(relay.url, apiKey);
    for (let i = 0; i < 3; i++) await post(a);
    await waitUntil('first flags delivered', async () => (await deliveredCount()) === 3, 60_000);

    // +4 min: the token issued before is still valid; signatures carry the relay's time.
    await relay.shiftClock(4 * MIN);
    for (let i = 0; i < 3; i++) await post(a);
    await waitUntil('flags delivered after +4 min', async () => (await deliveredCount()) === 6, 60_000);

    // Back to -4 min (an 8-minute step back): token A was issued "in the future" and is accepted;
    // a new session's token too. The receiver fails the next attempts: retries follow the schedule.
    await relay.shiftClock(-4 * MIN);
    const b = await createSession(relay.url, apiKey);
    receiver.respondWith({ status: 503, body: 'down' });
    for (let i = 0; i < 3; i++) await post(a);
    for (let i = 0; i < 3; i++) await post(b);
    await waitUntil(
      'retries exhausted against the failing receiver',
      async () => (await db.selectFrom('webhook_deliveries').select('id').where('status', '=', 'undelivered').execute()).length === 6,
      120_000,
    );
    receiver.respondWith({ status: 200, body: 'ok' });

    // +5 min while attempts are in flight (the receiver answers after 2 s): the jump takes the
    // leases (35 s) past their end, yet no attempt is sent again while it waits for its answer.
    receiver.respondWith({ status: 200, body: 'ok', delayMs: 2000 });
    const before = receiver.requests.length;
    for (let i = 0; i < 3; i++) await post(b);
    await receiver.waitFor((r) => r.length >= before + 3, 30_000);
    await relay.shiftClock(5 * MIN);
    await waitUntil('in-flight attempts recorded', async () => (await deliveredCount()) === 9, 60_000);
    receiver.respondWith({ status: 200, body: 'ok' });
    await relay.shiftClock(0);
    await post(b);
    await waitUntil('last flag delivered', async () => (await deliveredCount()) === 10, 60_000);

    // Attempts: 1 per delivered delivery, 1 + RETRIES per failed one; none beyond.
    const deliveries = await db.selectFrom('webhook_deliveries').select(['id', 'event_id', 'status', 'attempts']).execute();
    const attempts = await db.selectFrom('webhook_attempts').select(['delivery_id']).execute();
    assert.equal(deliveries.length, 16);
    for (const d of deliveries) assert.equal(d.attempts, d.status === 'delivered' ? 1 : 1 + RETRIES, `delivery ${d.id} (${d.status}) made ${d.attempts} attempts`);
    assert.equal(attempts.length, 10 + 6 * (1 + RETRIES), 'attempt rows');
    const received = new Map<string, number>();
    for (const r of receiver.requests) received.set(r.headers['webhook-id']!, (received.get(r.headers['webhook-id']!) ?? 0) + 1);
    for (const d of deliveries) assert.equal(received.get(d.event_id) ?? 0, d.attempts, `event ${d.event_id}: received vs attempts`);

    // Every copy verifies at a receiver on the real clock (timestamps within the 5-minute tolerance).
    for (const r of receiver.requests) {
      const classic = verifyClassic(secret, r.headers, r.body);
      assert.ok(classic.ok, `classic verification: ${classic.ok ? '' : classic.reason}`);
      assert.doesNotThrow(() => verifyStandard(secret, r.headers, r.body));
    }

    // Replay (the relay's clock back at 0) returns every event of both sessions.
    for (const [s, count] of [[a, 9], [b, 7]] as const) {
      const r = await request(relay.url, { method: 'GET', path: `/v1/events/replay?session_id=${s.sessionId}`, headers: { authorization: `Bearer ${apiKey}` } });
      assert.equal(r.status, 200, r.body.toString());
      const flagEvents = (JSON.parse(r.body.toString()) as { events: { event_type: string }[] }).events.filter((e) => e.event_type.startsWith('proctoring_event.'));
      assert.equal(flagEvents.length, count, `replay of session ${s.sessionId}`);
    }
    console.log(`clock jumps: ${deliveries.length} deliveries, ${attempts.length} attempts (6 failed deliveries x ${1 + RETRIES}), ${receiver.requests.length} received, all verified`);
  } finally {
    await db.destroy();
    await relay.stop();
    await receiver.close();
    await store.destroy();
  }
});
