/**
 * Deliveries wait while an endpoint is disabled and go out in order when it is enabled again
 * (docs/WEBHOOKS.md "Disabled endpoints"), on SQLite and PostgreSQL, to a real receiver that
 * verifies every signature. The backlog is 300 flags here (the probe used 3,000; 300
 * keeps the suite's run time reasonable on a shared machine while still spanning several claim
 * batches and same-millisecond deliveries); `EYE_HELD_FLAGS=3000` runs the full size.
 * One attempt in flight per endpoint (EYE_WEBHOOK_PER_ENDPOINT=1) makes arrival order observable.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINES } from '../testing/engines.js';
import { startTestRelay, type TestRelay } from '../testing/harness.js';
import { startReceiver, type Receiver } from '../testing/receiver.js';
import { verifyClassic, verifyStandard } from '../testing/verify.js';
import {
  api,
  bodies,
  FAST_WEBHOOKS,
  postFlag,
  registerEndpoint,
  startedSession,
  waitUntil,
  type Delivery,
  type DeliveryList,
  type EndpointAnswer,
  type WebhookOf,
} from '../testing/webhook-fixtures.js';
import type { DeliveryStatus } from './tables.js';
import { HELD_EXPIRED_ERROR } from './retention.js';

const HELD_FLAGS = Number(process.env.EYE_HELD_FLAGS ?? 300);
const TYPE = 'proctoring_event.fullscreen_exit';

async function withRelay(engine: (typeof ENGINES)[number], fn: (relay: TestRelay, rx: Receiver) => Promise<void>): Promise<void> {
  const relay = await startTestRelay({
    engine,
    config: { rateLimit: { max: 0, windowMs: 60_000 } },
    webhooks: { ...FAST_WEBHOOKS, perEndpointConcurrency: 1 },
  });
  const rx = await startReceiver();
  try {
    await fn(relay, rx);
  } finally {
    await rx.close();
    await relay.close();
  }
}

const deliveriesOf = async (relay: TestRelay, endpointId: string, status: DeliveryStatus) =>
  (await api<DeliveryList>(relay, 'GET', `/v1/webhooks/endpoints/${endpointId}/deliveries?status=${status}&limit=500`)).body.deliveries;

/** Deliveries of the endpoint with this status, counted in the database (the API lists at most 500). */
async function countStatus(relay: TestRelay, endpointId: string, status: DeliveryStatus): Promise<number> {
  const rows = await relay.db.selectFrom('webhook_deliveries').select('id').where('endpoint_id', '=', endpointId).where('status', '=', status).execute();
  return rows.length;
}

/** An endpoint for TYPE at `path`, disabled, then `flags` EXIT_FULLSCREEN flags of a started session. */
async function flagsWhileDisabled(relay: TestRelay, rx: Receiver, path: string, flags: number) {
  const ep = await registerEndpoint(relay, `${rx.url}${path}`, [TYPE]);
  assert.equal((await api<EndpointAnswer>(relay, 'POST', `/v1/webhooks/endpoints/${ep.id}/disable`)).body.enabled, false);
  const s = await startedSession(relay);
  for (let i = 0; i < flags; i++) {
    const r = await postFlag(relay, s, { type: 'EXIT_FULLSCREEN' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  }
  return ep;
}

for (const engine of ENGINES) {
  describe(`deliveries held while an endpoint is disabled (${engine})`, () => {
    test(`${HELD_FLAGS} flags while disabled: held, listed, then all delivered in order once enabled`, async () => {
      await withRelay(engine, async (relay, rx) => {
        const ep = await flagsWhileDisabled(relay, rx, '/held', HELD_FLAGS);
        // Held: visible in the delivery log, nothing sent.
        assert.equal(await countStatus(relay, ep.id, 'held'), HELD_FLAGS);
        const listed = await deliveriesOf(relay, ep.id, 'held');
        assert.equal(listed.length, Math.min(HELD_FLAGS, 500));
        for (const d of listed) {
          assert.equal(d.eventType, TYPE);
          assert.equal(d.attemptCount, 0);
          assert.equal(d.nextAttemptAt, null);
        }
        await new Promise((r) => setTimeout(r, 1000)); // a worker poll or two
        assert.equal(rx.requests.length, 0, 'nothing is sent while the endpoint is disabled');

        const on = await api<EndpointAnswer>(relay, 'POST', `/v1/webhooks/endpoints/${ep.id}/enable`);
        assert.equal(on.body.enabled, true);
        const got = await rx.waitFor((rs) => rs.length >= HELD_FLAGS, 240_000);
        assert.equal(got.length, HELD_FLAGS, 'each held delivery sent once');
        for (const r of got) {
          assert.deepEqual(verifyClassic(ep.secret, r.headers, r.body), { ok: true });
          verifyStandard(ep.secret, r.headers, r.body);
        }
        const sent = bodies<WebhookOf<typeof TYPE>>(got);
        assert.deepEqual(
          sent.map((b) => b.data.count_this_session),
          Array.from({ length: HELD_FLAGS }, (_, i) => i + 1),
          'delivered in the order the flags were stored',
        );
        assert.equal(new Set(sent.map((b) => b.id)).size, HELD_FLAGS);
        await waitUntil('all delivered in the log', async () => (await countStatus(relay, ep.id, 'delivered')) === HELD_FLAGS, 60_000);
        assert.equal(await countStatus(relay, ep.id, 'held'), 0);
      });
    });

    test('an endpoint disabled by 410 Gone holds later events and delivers them when enabled', async () => {
      await withRelay(engine, async (relay, rx) => {
        const ep = await registerEndpoint(relay, `${rx.url}/gone`, [TYPE]);
        rx.queue({ status: 410 });
        const s = await startedSession(relay);
        await postFlag(relay, s, { type: 'EXIT_FULLSCREEN' });
        await waitUntil('disabled by 410', async () => !(await api<EndpointAnswer>(relay, 'GET', `/v1/webhooks/endpoints/${ep.id}`)).body.enabled);
        for (let i = 0; i < 3; i++) await postFlag(relay, s, { type: 'EXIT_FULLSCREEN' });
        assert.equal((await deliveriesOf(relay, ep.id, 'held')).length, 3);
        assert.equal((await deliveriesOf(relay, ep.id, 'undelivered')).length, 1, 'the 410 delivery itself');
        await api(relay, 'POST', `/v1/webhooks/endpoints/${ep.id}/enable`);
        const got = await rx.waitFor((rs) => rs.length >= 4, 30_000);
        assert.deepEqual(bodies<WebhookOf<typeof TYPE>>(got.slice(1)).map((b) => b.data.count_this_session), [2, 3, 4]);
      });
    });

    test('a held delivery whose endpoint was enabled under it (a racing flag) is released by the worker', async () => {
      await withRelay(engine, async (relay, rx) => {
        const ep = await flagsWhileDisabled(relay, rx, '/race', 1);
        // Enabled by a transaction that did not see this held row: only the endpoint row changes.
        await relay.db.updateTable('webhook_endpoints').set({ enabled: 1, disabled_at: null, disabled_reason: null }).where('id', '=', ep.id).execute();
        const got = await rx.waitFor((rs) => rs.length >= 1, 60_000);
        assert.equal(bodies(got)[0]!.event_type, TYPE);
        await waitUntil('delivered in the log', async () => (await countStatus(relay, ep.id, 'delivered')) === 1, 30_000);
      });
    });

    test('held deliveries are bounded by the retention window: past it they give up as undelivered', async () => {
      await withRelay(engine, async (relay, rx) => {
        const ep = await flagsWhileDisabled(relay, rx, '/old', 2);
        const [newest, oldest] = await deliveriesOf(relay, ep.id, 'held');
        await relay.db.updateTable('webhook_deliveries').set({ created_at: new Date(Date.now() - 73 * 3_600_000).toISOString() }).where('id', '=', oldest!.id).execute();
        const purged = await relay.app.webhooks.purge();
        assert.equal(purged.heldExpired, 1);
        const gaveUp = (await api<Delivery>(relay, 'GET', `/v1/webhooks/deliveries/${oldest!.id}`)).body;
        assert.deepEqual([gaveUp.status, gaveUp.lastError], ['undelivered', HELD_EXPIRED_ERROR]);
        await api(relay, 'POST', `/v1/webhooks/endpoints/${ep.id}/enable`);
        const got = await rx.waitFor((rs) => rs.length >= 1, 30_000);
        assert.equal(got[0]!.headers['webhook-id'], newest!.eventId);
        await new Promise((r) => setTimeout(r, 500));
        assert.equal(rx.requests.length, 1, 'the expired one is not sent');
      });
    });
  });
}
