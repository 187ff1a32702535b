/**
 * Delivery over real HTTP to a real local receiver, on SQLite and PostgreSQL: signatures (both
 * families, verified by the standardwebhooks library and an independent classic verifier),
 * retries after 500 / timeout / receiver down, Retry-After, undelivered + redeliver, 410.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINES } from '../testing/engines.js';
import { startTestRelay } from '../testing/harness.js';
import { startReceiver } from '../testing/receiver.js';
import { verifyClassic, verifyStandard } from '../testing/verify.js';
import type { components } from '../client/relay-api.js';
import type { Envelope } from './envelope.js';
import {
  api,
  relayAndReceiver,
  bodies,
  FAST_WEBHOOKS,
  postFlag,
  registerEndpoint,
  startedSession,
  waitUntil,
  type Delivery,
  type DeliveryList,
  type EndpointAnswer,
  type ReplayAnswer,
  type TestSent,
} from '../testing/webhook-fixtures.js';

type Schemas = components['schemas'];

for (const engine of ENGINES) {
  describe(`webhook delivery (${engine})`, () => {
    const env = relayAndReceiver(engine);

    const deliveriesOf = async (endpointId: string) => (await api<DeliveryList>(env.relay, 'GET', `/v1/webhooks/endpoints/${endpointId}/deliveries`)).body.deliveries;

    test('every request is signed in both families, verifiable with standardwebhooks and the classic recipe', async () => {
      const ep = await registerEndpoint(env.relay, `${env.rx.url}/sig`);
      assert.match(ep.secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
      const s = await startedSession(env.relay, { metadata: { browser_ua: 'UA/1', screen_resolution: '1920x1080', timezone: 'Europe/Paris', sdk_version: '0.1.0' } });
      await postFlag(env.relay, s, { type: 'TAB_NOT_FOCUS', details: { durationMs: 1234 } });
      const got = await env.rx.waitFor((rs) => rs.filter((r) => r.path === '/sig').length >= 2);
      const mine = got.filter((r) => r.path === '/sig');
      for (const r of mine) {
        assert.equal(r.headers['content-type'], 'application/json; charset=utf-8');
        assert.deepEqual(verifyClassic(ep.secret, r.headers, r.body), { ok: true });
        const parsed = verifyStandard(ep.secret, r.headers, r.body) as Envelope;
        assert.equal(parsed.id, r.headers['webhook-id']);
        assert.match(parsed.id, /^evt_[0-9a-f]{32}$/);
        assert.deepEqual(Object.keys(parsed), ['id', 'event_type', 'meta', 'data']);
        assert.equal(parsed.meta.version, 1);
        assert.ok(Math.abs(Date.parse(parsed.meta.sent_at) - Date.now()) < 10_000);
        // A different secret fails both.
        assert.equal(verifyClassic('whsec_' + Buffer.alloc(32, 1).toString('base64'), r.headers, r.body).ok, false);
      }
      // Two deliveries claimed together go out in parallel: arrival order is not guaranteed.
      const sent = bodies<Schemas['WebhookSessionStarted'] | Schemas['WebhookProctoringEventTabSwitch']>(mine);
      const started = sent.find((b) => b.event_type === 'session.started') as Schemas['WebhookSessionStarted'];
      const tab = sent.find((b) => b.event_type === 'proctoring_event.tab_switch') as Schemas['WebhookProctoringEventTabSwitch'];
      assert.equal(started.event_type, 'session.started');
      assert.deepEqual(started.data.metadata, { browser_ua: 'UA/1', screen_resolution: '1920x1080', timezone: 'Europe/Paris', sdk_version: '0.1.0' });
      assert.equal(started.data.session_id, s.sessionId);
      assert.equal(started.data.exam_id, s.examId);
      assert.equal(started.data.candidate_id, s.candidateId);
      assert.equal(tab.event_type, 'proctoring_event.tab_switch');
      assert.equal(tab.data.duration_ms, 1234);
      assert.equal(tab.data.count_this_session, 1);
      await api(env.relay, 'DELETE', `/v1/webhooks/endpoints/${ep.id}`);
    });

    test('500, then a timeout, then 200: delivered, same webhook-id, re-signed each attempt, every attempt logged', async () => {
      const ep = await registerEndpoint(env.relay, `${env.rx.url}/flaky`);
      const start = env.rx.requests.length;
      env.rx.queue({ status: 500, body: 'boom' }, { hang: true }, { status: 200, body: 'thanks' });
      const r = await api<TestSent>(env.relay, 'POST', `/v1/webhooks/endpoints/${ep.id}/test`);
      assert.equal(r.status, 202);
      const got = (await env.rx.waitFor((rs) => rs.slice(start).filter((x) => x.path === '/flaky').length >= 3)).slice(start);
      const ids = new Set(got.map((x) => x.headers['webhook-id']));
      assert.deepEqual([...ids], [r.body.eventId]);
      const sentAts = bodies(got).map((b) => b.meta.sent_at);
      assert.equal(new Set(sentAts).size, 3, 'each attempt is a fresh body (sent_at) and signature');
      assert.equal(new Set(got.map((x) => x.headers['webhook-signature'])).size, 3);
      for (const x of got) assert.ok(verifyStandard(ep.secret, x.headers, x.body));
      const d = await waitUntil('delivered', async () => {
        const all = await deliveriesOf(ep.id);
        return all.find((x) => x.id === r.body.deliveryId && x.status === 'delivered');
      });
      assert.equal(d.attemptCount, 3);
      assert.deepEqual(d.attempts.map((a) => a.statusCode), [500, null, 200]);
      assert.equal(d.attempts[0]!.responseExcerpt, 'boom');
      assert.match(d.attempts[1]!.error!, /timeout after 1000 ms/);
      assert.ok(d.attempts[1]!.latencyMs! >= 900);
      assert.equal(d.attempts[2]!.responseExcerpt, 'thanks');
      for (const a of d.attempts) assert.ok(a.startedAt && a.finishedAt && typeof a.latencyMs === 'number');
      await api(env.relay, 'DELETE', `/v1/webhooks/endpoints/${ep.id}`);
    });

    test('a receiver answering with NUL bytes in its body: delivered, the excerpt kept with U+FFFD in their place', async () => {
      // PostgreSQL text cannot hold NUL: written as sent, the outcome failed, and the delivery went out again every lease.
      const ep = await registerEndpoint(env.relay, `${env.rx.url}/nul`);
      env.rx.setResponder((req) => (req.path === '/nul' ? { status: 200, body: 'ok\u0000\u0000done' } : { status: 200 }));
      const r = await api<TestSent>(env.relay, 'POST', `/v1/webhooks/endpoints/${ep.id}/test`);
      assert.equal(r.status, 202);
      const d = await waitUntil('delivered', async () => (await deliveriesOf(ep.id)).find((x) => x.id === r.body.deliveryId && x.status === 'delivered'));
      assert.equal(d.attemptCount, 1);
      assert.equal(d.attempts[0]!.statusCode, 200);
      assert.equal(d.attempts[0]!.responseExcerpt, 'ok\uFFFD\uFFFDdone');
      env.rx.setResponder(() => ({ status: 200 }));
      await api(env.relay, 'DELETE', `/v1/webhooks/endpoints/${ep.id}`);
    });

    test('receiver down, then back up: delivered once it is up, with the same webhook-id', async () => {
      // Own relay with a slower schedule: the receiver must come back before the retries run out.
      const relay = await startTestRelay({ engine, webhooks: { ...FAST_WEBHOOKS, retry: { scheduleMs: [1000, 2000, 4000] } } });
      const other = await startReceiver();
      try {
        const ep = await registerEndpoint(relay, `${other.url}/down`);
        await other.down();
        const r = await api<TestSent>(relay, 'POST', `/v1/webhooks/endpoints/${ep.id}/test`);
        const deliveries = async () => (await api<DeliveryList>(relay, 'GET', `/v1/webhooks/endpoints/${ep.id}/deliveries`)).body.deliveries;
        await waitUntil('a refused attempt', async () => (await deliveries()).find((d) => d.attempts.some((a) => /ECONNREFUSED/.test(a.error ?? ''))));
        await other.up();
        const got = await other.waitFor((rs) => rs.length >= 1);
        assert.equal(got[0]!.headers['webhook-id'], r.body.eventId);
        const d = await waitUntil('delivered', async () => (await deliveries()).find((x) => x.status === 'delivered'));
        assert.ok(d.attemptCount >= 2);
        assert.equal(d.attempts.at(-1)!.statusCode, 200);
      } finally {
        await other.close();
        await relay.close();
      }
    });

    test('Retry-After is honoured over the schedule', async () => {
      const ep = await registerEndpoint(env.relay, `${env.rx.url}/busy`);
      const start = env.rx.requests.length;
      env.rx.queue({ status: 503, headers: { 'retry-after': '2' } }, { status: 200 });
      await api(env.relay, 'POST', `/v1/webhooks/endpoints/${ep.id}/test`);
      const got = (await env.rx.waitFor((rs) => rs.slice(start).filter((x) => x.path === '/busy').length >= 2)).slice(start).filter((x) => x.path === '/busy');
      const gap = got[1]!.receivedAt - got[0]!.receivedAt;
      assert.ok(gap >= 1900, `second attempt ${gap} ms after the first; Retry-After asked for 2000 (schedule would give ~200)`);
      await api(env.relay, 'DELETE', `/v1/webhooks/endpoints/${ep.id}`);
    });

    test('after the last retry the delivery is undelivered, still replayable, and can be redelivered', async () => {
      const ep = await registerEndpoint(env.relay, `${env.rx.url}/always500`, ['proctoring_event.*']);
      env.rx.setResponder((req) => (req.path === '/always500' ? { status: 500 } : { status: 200 }));
      const s = await startedSession(env.relay);
      await postFlag(env.relay, s, { type: 'EXIT_FULLSCREEN' });
      const d = await waitUntil('undelivered', async () => (await deliveriesOf(ep.id)).find((x) => x.status === 'undelivered'), 20_000);
      assert.equal(d.attemptCount, 4, '1 attempt + 3 retries (schedule length)');
      assert.deepEqual(d.attempts.map((a) => a.statusCode), [500, 500, 500, 500]);
      assert.equal(d.eventType, 'proctoring_event.fullscreen_exit');
      const replay = await api<ReplayAnswer>(env.relay, 'GET', `/v1/events/replay?session_id=${s.sessionId}`);
      assert.equal(replay.status, 200);
      assert.ok(replay.body.events.some((e) => e.id === d.eventId));
      env.rx.setResponder(() => ({ status: 200 }));
      const re = await api<TestSent>(env.relay, 'POST', `/v1/webhooks/deliveries/${d.id}/redeliver`);
      assert.equal(re.status, 202);
      const got = await env.rx.waitFor((rs) => rs.some((x) => x.path === '/always500' && x.headers['webhook-id'] === d.eventId && x.receivedAt > Date.parse(d.updatedAt)));
      assert.ok(got.length > 0);
      const again = await waitUntil('redelivered', async () => {
        const one = await api<Delivery>(env.relay, 'GET', `/v1/webhooks/deliveries/${re.body.deliveryId}`);
        return one.body.status === 'delivered' && one.body;
      });
      assert.equal(again.redeliveryOf, d.id);
      assert.equal(again.eventId, d.eventId);
      await api(env.relay, 'DELETE', `/v1/webhooks/endpoints/${ep.id}`);
    });

    test('410 Gone disables the endpoint; enabling it again resumes delivery', async () => {
      const ep = await registerEndpoint(env.relay, `${env.rx.url}/gone`);
      env.rx.setResponder((req) => (req.path === '/gone' ? { status: 410 } : { status: 200 }));
      await api(env.relay, 'POST', `/v1/webhooks/endpoints/${ep.id}/test`);
      const disabled = await waitUntil('disabled', async () => {
        const r = await api<EndpointAnswer>(env.relay, 'GET', `/v1/webhooks/endpoints/${ep.id}`);
        return !r.body.enabled && r.body;
      });
      assert.match(disabled.disabledReason!, /410/);
      const [d] = await deliveriesOf(ep.id);
      assert.equal(d!.status, 'undelivered');
      assert.equal(d!.attemptCount, 1);
      // While disabled, new events create no delivery for it and a test event is refused.
      assert.equal((await api(env.relay, 'POST', `/v1/webhooks/endpoints/${ep.id}/test`)).status, 409);
      env.rx.setResponder(() => ({ status: 200 }));
      const en = await api<EndpointAnswer>(env.relay, 'POST', `/v1/webhooks/endpoints/${ep.id}/enable`);
      assert.equal(en.body.enabled, true);
      assert.equal(en.body.disabledReason, null);
      const t = await api<TestSent>(env.relay, 'POST', `/v1/webhooks/endpoints/${ep.id}/test`);
      await env.rx.waitFor((rs) => rs.some((x) => x.headers['webhook-id'] === t.body.eventId));
      await api(env.relay, 'DELETE', `/v1/webhooks/endpoints/${ep.id}`);
    });
  });
}
