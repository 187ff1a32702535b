import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net, { type AddressInfo, type Socket } from 'node:net';
import { AgentPool, postWebhook } from './http-post.js';
import { requestTargetOf, type ResolvedTarget } from './ssrf.js';

let server: http.Server;
let port: number;
const seen: { host?: string; body: string; path?: string }[] = [];

before(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer | string) => {
      body += c.toString();
    });
    req.on('end', () => {
      seen.push({ host: req.headers.host, body, path: req.url });
      if (req.url === '/ok') res.writeHead(202).end('accepted');
      else if (req.url === '/big') res.writeHead(500).end('y'.repeat(100_000));
      else if (req.url === '/trickle') {
        res.writeHead(200);
        res.write('partial');
        // never ends
      } else if (req.url === '/retry') res.writeHead(429, { 'retry-after': '7' }).end();
      // '/hang': no answer at all
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

/** Target whose host name does not resolve: only the pinned address can reach the server. */
const target = (path: string, p = port): ResolvedTarget => targetAt(new URL(`http://receiver.invalid:${p}${path}`), [{ address: '127.0.0.1', family: 4 }]);
const targetAt = (url: URL, addresses: ResolvedTarget['addresses']): ResolvedTarget => ({ url, request: requestTargetOf(url), addresses });

test('connects to the pinned address (no DNS for the URL host), sends the body and headers', async () => {
  const r = await postWebhook(target('/ok'), { 'webhook-id': 'evt_1' }, '{"a":1}', 2000);
  assert.deepEqual([r.statusCode, r.error, r.responseExcerpt], [202, null, 'accepted']);
  const last = seen.at(-1)!;
  assert.equal(last.host, `receiver.invalid:${port}`);
  assert.equal(last.body, '{"a":1}');
});

test('response excerpt capped at 1 KiB; Retry-After surfaced', async () => {
  const big = await postWebhook(target('/big'), {}, '{}', 2000);
  assert.equal(big.statusCode, 500);
  assert.equal(big.responseExcerpt!.length, 1024);
  const retry = await postWebhook(target('/retry'), {}, '{}', 2000);
  assert.deepEqual([retry.statusCode, retry.retryAfter], [429, '7']);
});

test('no answer: timeout error; headers in time with a trickling body: the status counts', async () => {
  const hang = await postWebhook(target('/hang'), {}, '{}', 300);
  assert.equal(hang.statusCode, null);
  assert.equal(hang.error, 'timeout after 300 ms');
  assert.ok(hang.latencyMs >= 290);
  const trickle = await postWebhook(target('/trickle'), {}, '{}', 300);
  assert.deepEqual([trickle.statusCode, trickle.error, trickle.responseExcerpt], [200, null, 'partial']);
});

test('connection refused is an error, not a throw', async () => {
  const closed = http.createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const p = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => {
    closed.close(() => {
      r();
    });
  });
  const r = await postWebhook(target('/x', p), {}, '{}', 1000);
  assert.equal(r.statusCode, null);
  assert.match(r.error!, /^ECONNREFUSED/);
});

test('a pool reuses one connection per receiver address; another address gets its own', async () => {
  const sockets = new Set<unknown>();
  const onConnection = (s: unknown) => sockets.add(s);
  server.on('connection', onConnection);
  const pool = new AgentPool(8, 4);
  try {
    for (let i = 0; i < 5; i++) {
      const r = await postWebhook(target('/ok'), {}, `{"n":${i}}`, 2000, null, pool);
      assert.equal(r.statusCode, 202);
    }
    assert.equal(sockets.size, 1, 'five sequential deliveries over one keep-alive connection');
    // Same URL (host and port), another checked address (what a DNS change gives): a receiver on
    // 127.0.0.2 at the same port gets a connection of its own, never the old socket.
    const second = http.createServer((req, res) => req.resume().on('end', () => res.writeHead(204).end()));
    await new Promise<void>((r) => second.listen(port, '127.0.0.2', r));
    try {
      const other: ResolvedTarget = { ...target('/ok'), addresses: [{ address: '127.0.0.2', family: 4 }] };
      assert.equal((await postWebhook(other, {}, '{}', 2000, null, pool)).statusCode, 204);
      assert.equal((await postWebhook(target('/ok'), {}, '{}', 2000, null, pool)).statusCode, 202);
      assert.equal(sockets.size, 1, 'the first receiver still has one connection');
    } finally {
      second.closeAllConnections();
      second.close();
    }
  } finally {
    pool.close();
    server.off('connection', onConnection);
  }
});

/**
 * A receiver that answers the first request of each connection (kept alive, no Keep-Alive hint)
 * and drops the connection when a second request arrives on it: what a receiver closing an idle
 * connection just as the next delivery goes out looks like to the sender.
 */
async function oneRequestPerConnection(reset: (socket: Socket) => void) {
  const requests: string[] = [];
  let connections = 0;
  const raw = net.createServer((socket) => {
    connections++;
    let served = 0;
    let buffered = '';
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/content-length: (\d+)/i.exec(buffered)?.[1] ?? 0);
      if (buffered.length < end + 4 + length) return;
      requests.push(buffered.slice(end + 4, end + 4 + length));
      buffered = '';
      if (served++ === 0) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok');
      else reset(socket);
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
  return {
    port: (raw.address() as AddressInfo).port,
    requests,
    connections: () => connections,
    close: () => new Promise<void>((r) => raw.close(() => { r(); })),
  };
}

test('a kept-alive connection the receiver drops as a delivery goes out: sent again at once on a new one', async (t) => {
  for (const [how, reset] of [
    ['reset', (s: Socket) => s.resetAndDestroy()],
    ['closed', (s: Socket) => s.end()],
  ] as const) {
    await t.test(how, async () => {
      const rx = await oneRequestPerConnection(reset);
      const pool = new AgentPool(8, 1);
      try {
        const first = await postWebhook(target('/a', rx.port), {}, '{"n":1}', 2000, null, pool);
        assert.equal(first.statusCode, 200);
        const second = await postWebhook(target('/a', rx.port), {}, '{"n":2}', 2000, null, pool);
        assert.deepEqual([second.statusCode, second.error, second.responseExcerpt], [200, null, 'ok']);
        assert.deepEqual(rx.requests, ['{"n":1}', '{"n":2}', '{"n":2}'], 'the dropped copy, then the one answered');
        assert.equal(rx.connections(), 2);
      } finally {
        pool.close();
        await rx.close();
      }
    });
  }
});

test('a new connection dropped by the receiver is a failed attempt, not sent twice', async () => {
  const raw = net.createServer((socket) => {
    socket.once('data', () => { socket.resetAndDestroy(); });
    socket.on('error', () => {});
  });
  await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
  let connections = 0;
  raw.on('connection', () => { connections++; });
  const pool = new AgentPool(8, 1);
  try {
    const r = await postWebhook(target('/a', (raw.address() as AddressInfo).port), {}, '{}', 2000, null, pool);
    assert.equal(r.statusCode, null);
    assert.match(r.error!, /^ECONNRESET/);
    assert.equal(connections, 1);
  } finally {
    pool.close();
    await new Promise<void>((r) => raw.close(() => { r(); }));
  }
});

test('every checked address is pinned: an address that refuses the connection falls back to the next one', async () => {
  const live = http.createServer((req, res) => req.resume().on('end', () => res.writeHead(200).end('live')));
  await new Promise<void>((r) => live.listen(0, '127.0.0.1', r));
  const p = (live.address() as AddressInfo).port;
  // 127.0.0.3 has no listener at that port: refused at once.
  const twoAddresses = targetAt(new URL(`http://receiver.invalid:${p}/x`), [{ address: '127.0.0.3', family: 4 }, { address: '127.0.0.1', family: 4 }]);
  const pool = new AgentPool(8, 4);
  try {
    for (const via of [pool, null]) {
      const r = await postWebhook(twoAddresses, {}, '{}', 3000, null, via);
      assert.deepEqual([r.statusCode, r.error, r.responseExcerpt], [200, null, 'live'], via ? 'pooled' : 'own connection');
    }
    const onlyDead: ResolvedTarget = { ...twoAddresses, addresses: [{ address: '127.0.0.3', family: 4 }] };
    assert.match((await postWebhook(onlyDead, {}, '{}', 3000, null, pool)).error!, /^ECONNREFUSED/);
  } finally {
    pool.close();
    live.closeAllConnections();
    live.close();
  }
});
