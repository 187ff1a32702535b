/**
 * Endpoint management over HTTP on SQLite and PostgreSQL: register / list / patch / disable /
 * enable / delete, tenant isolation, secret rotation (both signatures for 24 h, then only the
 * new one), secrets encrypted at rest, delivery log listing.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINES } from '../testing/engines.js';
import { verifyClassic, verifyStandard } from '../testing/verify.js';
import type { ApiBody, ApiError } from '../testing/client.js';
import { api, relayAndReceiver, registerEndpoint, waitUntil, type Delivery, type DeliveryList, type EndpointAnswer, type TestSent } from '../testing/webhook-fixtures.js';

type EndpointList = ApiBody<'/v1/webhooks/endpoints', 'get'>;

for (const engine of ENGINES) {
  describe(`endpoint management (${engine})`, () => {
    const env = relayAndReceiver(engine);

    test('register, list, patch, disable / enable, delete; scoped to the tenant', async () => {
      const created = await api<ApiBody<'/v1/webhooks/endpoints', 'post', 201>>(env.relay, 'POST', '/v1/webhooks/endpoints', { url: `${env.rx.url}/m`, eventTypes: ['session.*', 'incident.instance.create'], description: 'LMS' });
      assert.equal(created.status, 201);
      assert.match(created.body.id, /^we_/);
      assert.deepEqual(created.body.eventTypes, ['session.*', 'incident.instance.create']);
      assert.equal(created.body.enabled, true);
      const id = created.body.id;

      const list = await api<EndpointList>(env.relay, 'GET', '/v1/webhooks/endpoints');
      const listed = list.body.endpoints.find((e) => e.id === id)!;
      assert.equal(listed.description, 'LMS');
      assert.equal('secret' in listed, false, 'the secret is shown only at creation / rotation');

      const patched = await api<EndpointAnswer>(env.relay, 'PATCH', `/v1/webhooks/endpoints/${id}`, { eventTypes: null, description: 'LMS prod' });
      assert.deepEqual([patched.body.eventTypes, patched.body.description], [null, 'LMS prod']);
      const off = await api<EndpointAnswer>(env.relay, 'POST', `/v1/webhooks/endpoints/${id}/disable`);
      assert.equal(off.body.enabled, false);
      assert.ok(off.body.disabledAt);
      const on = await api<EndpointAnswer>(env.relay, 'PATCH', `/v1/webhooks/endpoints/${id}`, { enabled: true });
      assert.equal(on.body.enabled, true);

      // Bad input: 400 JSON, never 500.
      for (const body of [{}, { url: '' }, { url: { href: env.rx.url } }, { url: `${env.rx.url}/x`, eventTypes: ['session.started', 'bogus.type'] }, { url: `${env.rx.url}/x`, eventTypes: Array(51).fill('session.started') }]) {
        const r = await api<ApiError>(env.relay, 'POST', '/v1/webhooks/endpoints', body);
        assert.equal(r.status, 400, JSON.stringify(body));
        assert.equal(typeof r.body.error, 'string');
      }
      assert.equal((await api(env.relay, 'PATCH', `/v1/webhooks/endpoints/${id}`, {})).status, 400);

      const other = await env.relay.createTenant();
      assert.equal((await api(env.relay, 'GET', `/v1/webhooks/endpoints/${id}`, undefined, other.apiKey)).status, 404);
      assert.equal((await api(env.relay, 'POST', `/v1/webhooks/endpoints/${id}/test`, undefined, other.apiKey)).status, 404);
      assert.equal((await api(env.relay, 'DELETE', `/v1/webhooks/endpoints/${id}`, undefined, other.apiKey)).status, 404);
      assert.deepEqual((await api<EndpointList>(env.relay, 'GET', '/v1/webhooks/endpoints', undefined, other.apiKey)).body.endpoints, []);
      assert.equal((await api(env.relay, 'GET', '/v1/webhooks/endpoints', undefined, '')).status, 401);

      const deleted = await api(env.relay, 'DELETE', `/v1/webhooks/endpoints/${id}`);
      assert.deepEqual(deleted, { status: 204, body: undefined }, '204 with no body');
      assert.equal((await api(env.relay, 'GET', `/v1/webhooks/endpoints/${id}`)).status, 404);
    });

    test('at most 50 endpoints per tenant', async () => {
      const t = await env.relay.createTenant('many');
      for (let i = 0; i < 50; i++) assert.equal((await api(env.relay, 'POST', '/v1/webhooks/endpoints', { url: `${env.rx.url}/n${i}` }, t.apiKey)).status, 201);
      const over = await api<ApiError>(env.relay, 'POST', '/v1/webhooks/endpoints', { url: `${env.rx.url}/n50` }, t.apiKey);
      assert.deepEqual([over.status, over.body.error], [409, 'too_many_endpoints']);
    });

    test('secrets are stored encrypted, never in clear', async () => {
      const ep = await registerEndpoint(env.relay, `${env.rx.url}/enc`);
      const row = await env.relay.db.selectFrom('webhook_endpoints').selectAll().where('id', '=', ep.id).executeTakeFirstOrThrow();
      assert.ok(!row.secret_sealed.includes(ep.secret.slice(6, 20)));
      assert.match(row.secret_sealed, /^v1\./);
      assert.equal(env.relay.app.webhooks.secrets.open(row.secret_sealed), ep.secret);
      await api(env.relay, 'DELETE', `/v1/webhooks/endpoints/${ep.id}`);
    });

    test('rotation: webhook-signature carries both secrets during the grace period (X-Eye-Signature only the new one), then only the new one', async () => {
      const ep = await registerEndpoint(env.relay, `${env.rx.url}/rot`);
      const rot = await api<ApiBody<'/v1/webhooks/endpoints/{id}/rotate-secret', 'post'>>(env.relay, 'POST', `/v1/webhooks/endpoints/${ep.id}/rotate-secret`);
      assert.equal(rot.status, 200);
      const next = rot.body.secret;
      assert.notEqual(next, ep.secret);
      const grace = Date.parse(rot.body.previousSecretExpiresAt!) - Date.now();
      assert.ok(grace > 23.9 * 3_600_000 && grace <= 24 * 3_600_000, `grace ${grace} ms`);

      const t1 = await api<TestSent>(env.relay, 'POST', `/v1/webhooks/endpoints/${ep.id}/test`);
      const [r1] = (await env.rx.waitFor((rs) => rs.some((r) => r.headers['webhook-id'] === t1.body.eventId))).filter((r) => r.headers['webhook-id'] === t1.body.eventId);
      assert.equal(r1!.headers['webhook-signature']!.split(' ').length, 2);
      // X-Eye-Signature: exactly one value, the new secret's, so the reference recipe (whole-header
      // constant-time compare) accepts every delivery during the grace window.
      assert.match(r1!.headers['x-eye-signature']!, /^sha256=[0-9a-f]{64}$/);
      assert.deepEqual(verifyClassic(next, r1!.headers, r1!.body), { ok: true });
      assert.equal(verifyClassic(ep.secret, r1!.headers, r1!.body).ok, false);
      for (const secret of [ep.secret, next]) assert.ok(verifyStandard(secret, r1!.headers, r1!.body));

      // Grace period over: only the new secret signs.
      await env.relay.db.updateTable('webhook_endpoints').set({ previous_secret_expires_at: new Date(Date.now() - 1000).toISOString() }).where('id', '=', ep.id).execute();
      const t2 = await api<TestSent>(env.relay, 'POST', `/v1/webhooks/endpoints/${ep.id}/test`);
      const [r2] = (await env.rx.waitFor((rs) => rs.some((r) => r.headers['webhook-id'] === t2.body.eventId))).filter((r) => r.headers['webhook-id'] === t2.body.eventId);
      assert.equal(r2!.headers['webhook-signature']!.split(' ').length, 1);
      assert.ok(verifyStandard(next, r2!.headers, r2!.body));
      assert.throws(() => verifyStandard(ep.secret, r2!.headers, r2!.body));
      assert.equal(verifyClassic(ep.secret, r2!.headers, r2!.body).ok, false);
      assert.equal((await api<EndpointAnswer>(env.relay, 'GET', `/v1/webhooks/endpoints/${ep.id}`)).body.previousSecretExpiresAt, null);
      await api(env.relay, 'DELETE', `/v1/webhooks/endpoints/${ep.id}`);
    });

    test('delivery log: newest first, filter by status, each attempt with time, status, latency, response excerpt', async () => {
      const ep = await registerEndpoint(env.relay, `${env.rx.url}/log`);
      env.rx.queue({ status: 502, body: 'x'.repeat(5000) });
      const a = await api<TestSent>(env.relay, 'POST', `/v1/webhooks/endpoints/${ep.id}/test`);
      await waitUntil('first delivered', async () => (await api<Delivery>(env.relay, 'GET', `/v1/webhooks/deliveries/${a.body.deliveryId}`)).body.status === 'delivered');
      const b = await api<TestSent>(env.relay, 'POST', `/v1/webhooks/endpoints/${ep.id}/test`);
      await waitUntil('second delivered', async () => (await api<Delivery>(env.relay, 'GET', `/v1/webhooks/deliveries/${b.body.deliveryId}`)).body.status === 'delivered');
      const log = await api<DeliveryList>(env.relay, 'GET', `/v1/webhooks/endpoints/${ep.id}/deliveries`);
      assert.deepEqual(log.body.deliveries.map((d) => d.id), [b.body.deliveryId, a.body.deliveryId]);
      const first = log.body.deliveries[1]!;
      assert.equal(first.eventType, 'webhook.test');
      assert.equal(first.attempts[0]!.statusCode, 502);
      assert.equal(first.attempts[0]!.responseExcerpt!.length, 1024, 'response excerpt is capped');
      assert.equal(first.attempts[1]!.statusCode, 200);
      for (const at of first.attempts) {
        assert.ok(Date.parse(at.startedAt) <= Date.parse(at.finishedAt!));
        assert.equal(typeof at.latencyMs, 'number');
      }
      assert.equal((await api<DeliveryList>(env.relay, 'GET', `/v1/webhooks/endpoints/${ep.id}/deliveries?status=undelivered`)).body.deliveries.length, 0);
      assert.equal((await api(env.relay, 'GET', `/v1/webhooks/endpoints/${ep.id}/deliveries?status=bogus`)).status, 400);
      assert.equal((await api(env.relay, 'GET', `/v1/webhooks/deliveries/dlv_nope`)).status, 404);
      await api(env.relay, 'DELETE', `/v1/webhooks/endpoints/${ep.id}`);
    });
  });
}
