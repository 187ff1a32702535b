import { describe, test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { classifyAddress, isAddressAllowed, resolveWebhookTarget, STRICT_POLICY, UnsafeTargetError, type Resolver } from './ssrf.js';
import { ENGINES } from '../testing/engines.js';
import { startTestRelay, type TestRelay } from '../testing/harness.js';
import { startReceiver, type Receiver } from '../testing/receiver.js';
import type { ApiBody, ApiError } from '../testing/client.js';
import { api, FAST_WEBHOOKS, waitUntil, type Delivery, type TestSent } from '../testing/webhook-fixtures.js';

type Registered = ApiBody<'/v1/webhooks/endpoints', 'post', 201>;

test('address classes: loopback, private ranges, mapped and ULA addresses, public', () => {
  const cases: [string, string][] = [
    ['127.0.0.1', 'loopback'],
    ['127.9.9.9', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'private'],
    ['100.64.0.1', 'private'],
    ['0.0.0.0', 'private'],
    ['224.0.0.1', 'private'],
    ['255.255.255.255', 'private'],
    ['::', 'private'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['fe80::1', 'private'],
    ['ff02::1', 'private'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:a9fe:a9fe', 'private'],
    ['64:ff9b::a9fe:a9fe', 'private'],
    ['2001:db8::1', 'private'],
    ['not-an-ip', 'private'],
    ['93.184.216.34', 'public'],
    ['8.8.8.8', 'public'],
    ['172.32.0.1', 'public'],
    ['2606:4700:4700::1111', 'public'],
    ['::ffff:8.8.8.8', 'public'],
  ];
  for (const [ip, cls] of cases) assert.equal(classifyAddress(ip), cls, ip);
  assert.equal(isAddressAllowed('127.0.0.1', { allowHttp: true, allowLoopback: true, allowPrivate: false }), true);
  assert.equal(isAddressAllowed('10.0.0.1', { allowHttp: true, allowLoopback: true, allowPrivate: false }), false);
});

test('resolution: every answer must be allowed; http refused unless allowed; literal IPs need no DNS', async () => {
  const fake = (answers: Record<string, string[]>): Resolver => (h) => {
    const a = answers[h];
    if (!a) return Promise.reject(new Error('ENOTFOUND'));
    return Promise.resolve(a.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
  };
  const dns = fake({ 'ok.example': ['93.184.216.34'], 'mixed.example': ['93.184.216.34', '10.0.0.5'], 'meta.example': ['169.254.169.254'] });
  const ok = await resolveWebhookTarget('https://ok.example/hook', STRICT_POLICY, dns);
  assert.deepEqual(ok.addresses, [{ address: '93.184.216.34', family: 4 }]);
  const reject = async (url: string, code: string) => {
    await assert.rejects(resolveWebhookTarget(url, STRICT_POLICY, dns), (e: unknown) => e instanceof UnsafeTargetError && e.code === code);
  };
  await reject('http://ok.example/hook', 'insecure_scheme');
  await reject('ftp://ok.example/', 'insecure_scheme');
  await reject('https://mixed.example/', 'private_address');
  await reject('https://meta.example/', 'private_address');
  await reject('https://127.0.0.1/', 'private_address');
  await reject('https://[::1]/', 'private_address');
  await reject('https://[::ffff:169.254.169.254]/', 'private_address');
  await reject('https://user:pw@ok.example/', 'invalid_url');
  await reject('not a url', 'invalid_url');
  await reject('https://nx.example/', 'unresolvable');
  const v6 = await resolveWebhookTarget('https://[2606:4700:4700::1111]/x', STRICT_POLICY, dns);
  assert.deepEqual(v6.addresses, [{ address: '2606:4700:4700::1111', family: 6 }]);
});

test('a target names its request as its URL would: bare IPv6 host, explicit port only, path with query', async () => {
  const dns: Resolver = () => Promise.resolve([{ address: '93.184.216.34', family: 4 }]);
  const v6 = await resolveWebhookTarget('https://[2606:4700:4700::1111]:8443/a/b?x=1&y=2', STRICT_POLICY, dns);
  assert.deepEqual(v6.request, { protocol: 'https:', hostname: '2606:4700:4700::1111', port: '8443', path: '/a/b?x=1&y=2' });
  const named = await resolveWebhookTarget('https://ok.example:443/hook', STRICT_POLICY, dns);
  assert.deepEqual(named.request, { protocol: 'https:', hostname: 'ok.example', port: '', path: '/hook' });
  // Parsed URLs are kept per policy: accepted under a lenient one, the same text is still refused under the strict one.
  const lenient = { allowHttp: true, allowLoopback: true, allowPrivate: true };
  const plain = await resolveWebhookTarget('http://127.0.0.1:9/hook', lenient, dns);
  assert.deepEqual(plain.request, { protocol: 'http:', hostname: '127.0.0.1', port: '9', path: '/hook' });
  await assert.rejects(resolveWebhookTarget('http://127.0.0.1:9/hook', STRICT_POLICY, dns), (e: unknown) => e instanceof UnsafeTargetError && e.code === 'insecure_scheme');
  await assert.rejects(resolveWebhookTarget('https://127.0.0.1:9/hook', STRICT_POLICY, dns), (e: unknown) => e instanceof UnsafeTargetError && e.code === 'private_address');
  assert.equal(classifyAddress('127.0.0.1'), 'loopback', 'an address classified before (and kept) answers the same');
});

for (const engine of ENGINES) {
  describe(`SSRF guard over HTTP (${engine})`, () => {
    let strict: TestRelay;
    let loose: TestRelay;
    let rx: Receiver;
    // A name whose DNS answer changes after registration (rebinding): public first, then loopback.
    let rebound = false;
    const resolver: Resolver = (host) => {
      if (host === 'rebind.example') return Promise.resolve([{ address: rebound ? '127.0.0.1' : '93.184.216.34', family: 4 }]);
      if (host === 'localhost') return Promise.resolve([{ address: '127.0.0.1', family: 4 }]);
      return Promise.reject(new Error('ENOTFOUND'));
    };
    before(async () => {
      strict = await startTestRelay({ engine, webhooks: { ...FAST_WEBHOOKS, targets: { allowHttp: false, allowLoopback: false, allowPrivate: false }, resolver } });
      loose = await startTestRelay({ engine, webhooks: { ...FAST_WEBHOOKS, resolver } });
      rx = await startReceiver();
    });
    after(async () => {
      // Any of them may be missing when `before` failed.
      await (strict as TestRelay | undefined)?.close();
      await (loose as TestRelay | undefined)?.close();
      await (rx as Receiver | undefined)?.close();
    });

    test('registration refuses http, loopback, private and metadata addresses with a 400', async () => {
      for (const [url, code] of [
        ['http://93.184.216.34/hook', 'unsafe_url'],
        ['https://127.0.0.1/hook', 'unsafe_url'],
        ['https://localhost/hook', 'unsafe_url'],
        ['https://10.1.2.3/hook', 'unsafe_url'],
        ['https://169.254.169.254/latest/meta-data', 'unsafe_url'],
        ['https://[fd00::1]/hook', 'unsafe_url'],
        ['https://[::ffff:192.168.0.1]/hook', 'unsafe_url'],
        ['nonsense', 'invalid_url'],
      ] as const) {
        const r = await api<ApiError>(strict, 'POST', '/v1/webhooks/endpoints', { url });
        assert.equal(r.status, 400, url);
        assert.equal(r.body.error, code, url);
        assert.equal(typeof r.body.message, 'string');
      }
      const ok = await api(strict, 'POST', '/v1/webhooks/endpoints', { url: 'https://93.184.216.34/hook' });
      assert.equal(ok.status, 201);
      // The operator's loopback allowance does not extend to private ranges.
      assert.equal((await api(loose, 'POST', '/v1/webhooks/endpoints', { url: 'http://10.0.0.7/hook' })).status, 400);
      assert.equal((await api(loose, 'POST', '/v1/webhooks/endpoints', { url: `${rx.url}/ok` })).status, 201);
      assert.equal((await api<ApiError>(loose, 'POST', '/v1/webhooks/endpoints', { url: `${rx.url}/x`, eventTypes: ['nope.event'] })).body.error, 'unknown_event_type');
    });

    test('checked again at send time: a name that now resolves to loopback is refused and never contacted', async () => {
      rebound = false;
      const reg = await api<Registered>(strict, 'POST', '/v1/webhooks/endpoints', { url: `https://rebind.example:${rx.port}/rebind` });
      assert.equal(reg.status, 201);
      rebound = true;
      const before = rx.requests.length;
      const t = await api<TestSent>(strict, 'POST', `/v1/webhooks/endpoints/${reg.body.id}/test`);
      const d = await waitUntil('refused attempt', async () => {
        const r = await api<Delivery>(strict, 'GET', `/v1/webhooks/deliveries/${t.body.deliveryId}`);
        return r.body.attempts[0]?.finishedAt ? r.body : null;
      });
      assert.match(d.attempts[0]!.error!, /^refused: rebind\.example resolves to 127\.0\.0\.1 \(loopback\)/);
      assert.equal(d.attempts[0]!.statusCode, null);
      assert.equal(rx.requests.length, before, 'receiver never contacted');
    });

    test('redirects are not followed (3xx is a failed attempt)', async () => {
      const reg = await api<Registered>(loose, 'POST', '/v1/webhooks/endpoints', { url: `${rx.url}/redirect` });
      rx.setResponder((req) => (req.path === '/redirect' ? { status: 302, headers: { location: `${rx.url}/elsewhere` } } : { status: 200 }));
      const t = await api<TestSent>(loose, 'POST', `/v1/webhooks/endpoints/${reg.body.id}/test`);
      const d = await waitUntil('first attempt', async () => {
        const r = await api<Delivery>(loose, 'GET', `/v1/webhooks/deliveries/${t.body.deliveryId}`);
        return r.body.attempts[0]?.finishedAt ? r.body : null;
      });
      assert.equal(d.attempts[0]!.statusCode, 302);
      assert.equal(rx.requests.filter((r) => r.path === '/elsewhere').length, 0);
      rx.setResponder(() => ({ status: 200 }));
    });
  });
}
