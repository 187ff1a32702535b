/**
 * The worker's DNS cache: one question per host while an answer is fresh, stale answers while a
 * renewal is under way or failing (bounded), every answer still checked by the SSRF policy; and
 * over real HTTP, deliveries to a named endpoint that ask the resolver once.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINES } from '../testing/engines.js';
import { startTestRelay } from '../testing/harness.js';
import { startReceiver } from '../testing/receiver.js';
import { FAST_WEBHOOKS, postFlag, registerEndpoint, startedSession } from '../testing/webhook-fixtures.js';
import { DnsCache } from './dns-cache.js';
import { resolveWebhookTarget, STRICT_POLICY, UnsafeTargetError, type Resolver } from './ssrf.js';

type Answers = Awaited<ReturnType<Resolver>>;

/** A resolver whose answer (or failure) the test sets, counting questions, and a clock the test moves. */
function fakeDns(initial: Answers) {
  let answer: Answers | Error = initial;
  const asked: string[] = [];
  let t = 1_000_000;
  const resolver: Resolver = (host) => {
    asked.push(host);
    return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
  };
  return {
    resolver,
    asked,
    now: () => t,
    advance: (ms: number) => { t += ms; },
    answer: (a: Answers | Error) => { answer = a; },
  };
}

const PUBLIC_A = [{ address: '93.184.216.34', family: 4 }];
const PUBLIC_B = [{ address: '93.184.216.35', family: 4 }];
/** Lets a background renewal settle. */
const settle = () => new Promise((r) => setImmediate(r));

describe('DnsCache', () => {
  test('attempts share one question; a fresh answer is reused, an old one is renewed in the background', async () => {
    const dns = fakeDns(PUBLIC_A);
    const cache = new DnsCache(dns.resolver, { ttlMs: 30_000, maxStaleMs: 600_000, maxHosts: 10, now: dns.now });
    const first = await Promise.all(Array.from({ length: 16 }, () => cache.lookup('hooks.example')));
    assert.equal(dns.asked.length, 1, 'sixteen attempts at once ask once');
    for (const a of first) assert.deepEqual(a, PUBLIC_A);
    dns.advance(29_000);
    assert.deepEqual(await cache.lookup('hooks.example'), PUBLIC_A);
    assert.equal(dns.asked.length, 1);

    dns.answer(PUBLIC_B);
    dns.advance(2000); // 31 s old: used once more while the new answer is asked for
    assert.deepEqual(await cache.lookup('hooks.example'), PUBLIC_A);
    assert.equal(dns.asked.length, 2);
    await settle();
    assert.deepEqual(await cache.lookup('hooks.example'), PUBLIC_B);
    assert.equal(dns.asked.length, 2);
  });

  test('every answer is still checked: a name renewed to a private address is refused', async () => {
    const dns = fakeDns(PUBLIC_A);
    const cache = new DnsCache(dns.resolver, { ttlMs: 1000, maxStaleMs: 600_000, maxHosts: 10, now: dns.now });
    const url = 'https://hooks.example/eye';
    assert.equal((await resolveWebhookTarget(url, STRICT_POLICY, cache.lookup)).addresses[0]?.address, '93.184.216.34');
    dns.answer([{ address: '10.0.0.5', family: 4 }]);
    dns.advance(1500);
    assert.equal((await resolveWebhookTarget(url, STRICT_POLICY, cache.lookup)).addresses[0]?.address, '93.184.216.34', 'stale, public');
    await settle();
    await assert.rejects(resolveWebhookTarget(url, STRICT_POLICY, cache.lookup), (err: unknown) => err instanceof UnsafeTargetError && err.code === 'private_address');
  });

  test('a failing resolver: the last answer serves for maxStaleMs, asked again at most every 5 s, then the failure shows', async () => {
    const dns = fakeDns(PUBLIC_A);
    const cache = new DnsCache(dns.resolver, { ttlMs: 30_000, maxStaleMs: 60_000, maxHosts: 10, now: dns.now });
    await cache.lookup('hooks.example');
    dns.answer(new Error('getaddrinfo EAI_AGAIN hooks.example'));
    dns.advance(31_000);
    assert.deepEqual(await cache.lookup('hooks.example'), PUBLIC_A);
    await settle();
    assert.equal(dns.asked.length, 2);
    for (let i = 0; i < 10; i++) assert.deepEqual(await cache.lookup('hooks.example'), PUBLIC_A);
    assert.equal(dns.asked.length, 2, 'no new question within 5 s of a failure');
    dns.advance(5000);
    assert.deepEqual(await cache.lookup('hooks.example'), PUBLIC_A);
    await settle();
    assert.equal(dns.asked.length, 3);
    // An empty answer is a failure too: the stale answer stays.
    dns.answer([]);
    dns.advance(5000);
    assert.deepEqual(await cache.lookup('hooks.example'), PUBLIC_A);
    await settle();
    assert.equal(dns.asked.length, 4);
    assert.deepEqual(await cache.lookup('hooks.example'), PUBLIC_A);

    dns.answer(new Error('getaddrinfo EAI_AGAIN hooks.example'));
    dns.advance(60_000); // 30 s + 60 s + 1 s old: past maxStaleMs
    await assert.rejects(cache.lookup('hooks.example'), /EAI_AGAIN/);
    await assert.rejects(resolveWebhookTarget('https://hooks.example/', STRICT_POLICY, cache.lookup), (err: unknown) => err instanceof UnsafeTargetError && err.code === 'unresolvable');
    dns.answer(PUBLIC_B);
    assert.deepEqual(await cache.lookup('hooks.example'), PUBLIC_B, 'back once the resolver answers');
  });

  test('bounded: the least recently used host goes; ttlMs 0 asks at every attempt', async () => {
    const dns = fakeDns(PUBLIC_A);
    const cache = new DnsCache(dns.resolver, { ttlMs: 30_000, maxStaleMs: 0, maxHosts: 2, now: dns.now });
    await cache.lookup('a.example');
    await cache.lookup('b.example');
    await cache.lookup('a.example'); // b is now the least recently used
    await cache.lookup('c.example');
    assert.equal(cache.size, 2);
    assert.deepEqual(dns.asked, ['a.example', 'b.example', 'c.example']);
    await cache.lookup('a.example');
    await cache.lookup('b.example');
    assert.deepEqual(dns.asked, ['a.example', 'b.example', 'c.example', 'b.example']);

    const uncached = new DnsCache(dns.resolver, { ttlMs: 0, maxStaleMs: 0, maxHosts: 2, now: dns.now });
    for (let i = 0; i < 3; i++) await uncached.lookup('d.example');
    assert.equal(dns.asked.filter((h) => h === 'd.example').length, 3);
  });
});

for (const engine of ENGINES) {
  test(`deliveries to a named endpoint ask the resolver once, not once per attempt (${engine})`, async (t) => {
    const asked: string[] = [];
    const resolver: Resolver = (host) => {
      asked.push(host);
      return host === 'hooks.example' ? Promise.resolve([{ address: '127.0.0.1', family: 4 }]) : Promise.reject(new Error(`ENOTFOUND ${host}`));
    };
    const rx = await startReceiver();
    t.after(() => rx.close());
    const relay = await startTestRelay({ engine, webhooks: { ...FAST_WEBHOOKS, resolver } });
    t.after(() => relay.close());
    await registerEndpoint(relay, `http://hooks.example:${rx.port}/named`, ['proctoring_event.*']);
    assert.equal(asked.length, 1, 'registration checks the name');
    const session = await startedSession(relay);
    const flags = 40;
    for (let i = 0; i < flags; i++) assert.equal((await postFlag(relay, session, { type: 'EXIT_FULLSCREEN' })).status, 201);
    const got = await rx.waitFor((rs) => new Set(rs.filter((r) => r.path === '/named').map((r) => r.headers['webhook-id'])).size >= flags);
    assert.equal(new Set(got.filter((r) => r.path === '/named').map((r) => r.headers['webhook-id'])).size, flags);
    assert.equal(got.filter((r) => r.path === '/named').every((r) => r.headers.host === `hooks.example:${rx.port}`), true, 'Host is the URL\'s name');
    assert.deepEqual(asked, ['hooks.example', 'hooks.example'], `${flags} deliveries, one question by the worker`);
  });
}
