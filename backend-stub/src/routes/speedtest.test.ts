import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { installErrorHandlers } from '../errors.js';
import { speedtestRoutes, type SpeedtestOptions } from './speedtest.js';

/** A Fastify app with the relay's error handling and only the speed-test plugin, over real HTTP. */
async function serve(opts: SpeedtestOptions = {}): Promise<{ app: FastifyInstance; url: string }> {
  const app = Fastify({ logger: false });
  installErrorHandlers(app);
  await app.register(speedtestRoutes, { ...opts, prefix: '/v1' }); // as routes/index.ts mounts it
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, url };
}

describe('speed-test routes', () => {
  let app: FastifyInstance;
  let url: string;
  before(async () => ({ app, url } = await serve({ maxDownloadBytes: 4 * 1024 * 1024, maxUploadBytes: 2 * 1024 * 1024 })));
  after(() => app.close());

  it('ping answers with the server time and is never cached', async () => {
    const before = Date.now();
    const res = await fetch(`${url}/v1/speedtest/ping?n=1`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('cache-control') ?? '', /no-store/);
    const body = (await res.json()) as { serverTime: number };
    assert.ok(body.serverTime >= before && body.serverTime <= Date.now(), `serverTime ${body.serverTime}`);
  });

  it('download sends exactly the bytes asked for, random and uncompressed', async () => {
    const n = 1_000_003;
    const res = await fetch(`${url}/v1/speedtest/download?bytes=${n}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/octet-stream');
    assert.equal(res.headers.get('content-length'), String(n));
    assert.match(res.headers.get('cache-control') ?? '', /no-store/);
    const a = Buffer.from(await res.arrayBuffer());
    assert.equal(a.length, n);
    // Incompressible: gzip cannot shrink random bytes.
    assert.ok(gzipSync(a).length > n * 0.99, 'payload compresses, so it is not random');
    const b = Buffer.from(await (await fetch(`${url}/v1/speedtest/download?bytes=${n}`)).arrayBuffer());
    assert.notDeepEqual(a.subarray(0, 4096), b.subarray(0, 4096), 'two downloads are identical');
  });

  it('download refuses sizes outside 1..cap with a JSON 400', async () => {
    for (const q of ['bytes=0', `bytes=${4 * 1024 * 1024 + 1}`, 'bytes=lots', 'bytes=-5']) {
      const res = await fetch(`${url}/v1/speedtest/download?${q}`);
      assert.equal(res.status, 400, q);
      const body = (await res.json()) as { error: string; message: string };
      assert.equal(body.error, 'validation_error', q);
      assert.equal(typeof body.message, 'string');
    }
  });

  it('upload counts the bytes received', async () => {
    const body = randomBytes(1_500_000);
    const res = await fetch(`${url}/v1/speedtest/upload`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('cache-control') ?? '', /no-store/);
    const json = (await res.json()) as { bytes: number; durationMs: number; serverTime: number };
    assert.equal(json.bytes, 1_500_000);
    assert.ok(json.durationMs >= 0);
    assert.ok(Math.abs(json.serverTime - Date.now()) < 5000);
  });

  it('upload over the cap is a 413, declared or streamed', async () => {
    const big = randomBytes(2 * 1024 * 1024 + 10);
    const declared = await fetch(`${url}/v1/speedtest/upload`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: big });
    assert.equal(declared.status, 413);
    assert.equal(((await declared.json()) as { error: string }).error, 'payload_too_large');
    // Chunked (no content-length): caught while counting.
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < big.length; i += 65536) c.enqueue(big.subarray(i, i + 65536));
        c.close();
      },
    });
    const chunked = await fetch(`${url}/v1/speedtest/upload`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: stream,
      duplex: 'half',
    });
    assert.equal(chunked.status, 413);
    assert.equal(((await chunked.json()) as { error: string }).error, 'payload_too_large');
  });

  it('upload with another content type is a 4xx JSON error', async () => {
    const text = await fetch(`${url}/v1/speedtest/upload`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
    assert.equal(text.status, 400);
    assert.equal(((await text.json()) as { error: string }).error, 'bad_request');
    const other = await fetch(`${url}/v1/speedtest/upload`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: 'x' });
    assert.equal(other.status, 415);
  });
});

describe('speed-test rate limits', () => {
  it('answers 429 with a JSON error once a client exceeds its transfers per minute', async () => {
    const { app, url } = await serve({ transfersPerMinute: 3, pingsPerMinute: 5 });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        const res = await fetch(`${url}/v1/speedtest/download?bytes=10`);
        await res.arrayBuffer();
        statuses.push(res.status);
      }
      assert.deepEqual(statuses, [200, 200, 200, 429]);
      const limited = await fetch(`${url}/v1/speedtest/upload`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: 'abc' });
      // Upload has its own counter: not limited yet.
      assert.equal(limited.status, 200);
      const pings: number[] = [];
      for (let i = 0; i < 6; i++) pings.push((await fetch(`${url}/v1/speedtest/ping`)).status);
      assert.deepEqual(pings, [200, 200, 200, 200, 200, 429]);
      const res = await fetch(`${url}/v1/speedtest/ping`);
      const body = (await res.json()) as { error: string };
      assert.equal(body.error, 'rate_limited');
      assert.ok(res.headers.get('retry-after'));
    } finally {
      await app.close();
    }
  });
});

describe('speed-test routes on the real relay', () => {
  it('are registered by buildServer, answer a browser origin (CORS) and appear in /openapi.json', async () => {
    const { startTestRelay } = await import('../testing/harness.js');
    const relay = await startTestRelay({ engine: 'sqlite' });
    try {
      const origin = 'http://exam.example.edu';
      const preflight = await fetch(`${relay.url}/v1/speedtest/upload`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
      assert.ok(preflight.status === 204 || preflight.status === 200, `preflight ${preflight.status}`);
      assert.equal(preflight.headers.get('access-control-allow-origin'), origin);

      const down = await fetch(`${relay.url}/v1/speedtest/download?bytes=300000`, { headers: { origin } });
      assert.equal(down.status, 200);
      assert.equal(down.headers.get('access-control-allow-origin'), origin);
      assert.equal((await down.arrayBuffer()).byteLength, 300000);

      const up = await fetch(`${relay.url}/v1/speedtest/upload`, {
        method: 'POST',
        headers: { origin, 'content-type': 'application/octet-stream' },
        body: randomBytes(200_000),
      });
      assert.equal(up.status, 200);
      assert.equal(((await up.json()) as { bytes: number }).bytes, 200_000);

      // Octet-stream parsing is scoped to the speed-test plugin: other routes keep their own parsers.
      const flags = await fetch(`${relay.url}/v1/sessions/none/flags`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: 'x',
      });
      assert.ok(flags.status >= 400 && flags.status < 500, `flags with octet-stream: ${flags.status}`);

      const spec = (await (await fetch(`${relay.url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
      for (const p of ['/v1/speedtest/ping', '/v1/speedtest/download', '/v1/speedtest/upload']) assert.ok(spec.paths[p], `${p} missing from openapi`);
    } finally {
      await relay.close();
    }
  });
});
