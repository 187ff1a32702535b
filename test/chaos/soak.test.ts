/**
 * Soak: a relay per engine (SQLite and PostgreSQL side by side) under moderate steady load for
 * CHAOS_SOAK_SECONDS (default 600): JSON flags at 20/s and a 40 KB JPEG upload every 2 s over 200
 * sessions, a webhook endpoint receiving everything. No request fails, every delivery ends
 * delivered, and RSS after the run is within 10 % of RSS after warm-up. Each sample is taken
 * right after a full garbage collection in the relay (started with --expose-gc): without it a
 * sample says where V8's collection cycle happened to be (RSS swings by 30-40 MB between major
 * collections at a steady 155 MB), not whether memory is retained.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openLoop } from '../../backend-stub/src/reliability/http-load.js';
import { multipartBody, samplePhoto } from '../../backend-stub/src/reliability/media-fixtures.js';
import { createRelayStore, spawnRelay } from '../../backend-stub/src/reliability/relay-process.js';
import { ENGINES, type Engine } from '../../backend-stub/src/testing/engines.js';
import { startReceiver } from '../../backend-stub/src/testing/receiver.js';
import { createEndpoint, createSessions, jsonFlag } from '../../bench/lib/relay-client.js';
import { CHAOS_ENV, openStoreDb, waitUntil } from './lib.js';

const SECONDS = Number(process.env.CHAOS_SOAK_SECONDS ?? 600);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function soak(engine: Engine) {
  const receiver = await startReceiver();
  const store = await createRelayStore(engine, 'eye_soak');
  const relay = await spawnRelay(store, { createTenant: true, env: CHAOS_ENV, exposeGc: true });
  const db = openStoreDb(store);
  try {
    await createEndpoint(relay.url, relay.apiKey!, `${receiver.url}/hook`);
    const sessions = await createSessions(relay.url, relay.apiKey!, 200);
    // A JPEG of about 40 KB: a real photo's first bytes are not enough, so a real small sample is used whole.
    const jpeg = samplePhoto(1);
    const samples: { t: number; rss: number; heap: number }[] = [];
    const t0 = Date.now();
    const sampler = setInterval(() => {
      const t = (Date.now() - t0) / 1000;
      relay.memory({ gc: true }).then((m) => samples.push({ t, rss: m.rss, heap: m.heapUsed }), () => {});
    }, 5000);
    const [flags, uploads] = await Promise.all([
      openLoop({ baseUrl: relay.url, rate: 20, durationMs: SECONDS * 1000, maxSockets: 16, next: (i) => jsonFlag(sessions[i % sessions.length]!, `s-${i}`, Math.floor(i / sessions.length)) }),
      openLoop({
        baseUrl: relay.url,
        rate: 0.5,
        durationMs: SECONDS * 1000,
        maxSockets: 2,
        next: (i) => {
          const s = sessions[(i * 7) % sessions.length]!;
          const { body, contentType } = multipartBody({ flag: JSON.stringify({ id: `img-${i}`, type: 'PERIODIC_SNAPSHOT' }) }, [{ field: 'mediaFile', filename: 'snap.jpg', contentType: 'image/jpeg', data: jpeg }]);
          return { method: 'POST', path: `/v1/sessions/${s.sessionId}/flags`, headers: { authorization: `Bearer ${s.token}`, 'content-type': contentType }, body };
        },
      }),
    ]);
    clearInterval(sampler);
    await waitUntil(
      `${engine}: every delivery delivered`,
      async () => (await db.selectFrom('webhook_deliveries').select('id').where('status', '!=', 'delivered').execute()).length === 0,
      120_000,
      1000,
    );
    const stored = await db.selectFrom('flags').select(db.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
    // Warm-up: the first 20 % of the run (JIT, caches, pools); end: the last 10 %.
    const warm = samples.filter((s) => s.t >= SECONDS * 0.15 && s.t <= SECONDS * 0.25);
    const end = samples.filter((s) => s.t >= SECONDS * 0.9);
    return {
      engine,
      flags,
      uploads,
      storedFlags: Number(stored.n),
      warmRss: median(warm.map((s) => s.rss)),
      endRss: median(end.map((s) => s.rss)),
      warmHeap: median(warm.map((s) => s.heap)),
      endHeap: median(end.map((s) => s.heap)),
      maxRss: Math.max(...samples.map((s) => s.rss)),
      samples: samples.length,
      alive: relay.child.exitCode === null,
    };
  } finally {
    await db.destroy();
    await relay.stop();
    await receiver.close();
    await store.destroy();
  }
}

test(`soak ${SECONDS} s at moderate load on both engines: no error, RSS growth < 10 %`, { timeout: (SECONDS + 240) * 1000 }, async () => {
  const results = await Promise.all(ENGINES.map((e) => soak(e)));
  const mb = (b: number) => (b / 2 ** 20).toFixed(1);
  for (const r of results) {
    console.log(
      `soak ${r.engine}: ${r.flags.ok} flags + ${r.uploads.ok} uploads (${r.flags.failed + r.uploads.failed} failed), p99 ${r.flags.latency.p99.toFixed(1)} ms; ` +
        `RSS after warm-up ${mb(r.warmRss)} MB, at end ${mb(r.endRss)} MB (${((r.endRss / r.warmRss - 1) * 100).toFixed(1)} %), max ${mb(r.maxRss)} MB; ` +
        `JS heap used ${mb(r.warmHeap)} -> ${mb(r.endHeap)} MB`,
    );
  }
  for (const r of results) {
    const growth = r.endRss / r.warmRss - 1;
    assert.equal(r.flags.failed, 0, `${r.engine}: flag posts failed: ${r.flags.failures.join('; ')}`);
    assert.equal(r.uploads.failed, 0, `${r.engine}: uploads failed: ${r.uploads.failures.join('; ')}`);
    assert.equal(r.storedFlags, r.flags.ok + r.uploads.ok, `${r.engine}: stored flags`);
    assert.ok(r.alive, `${r.engine}: relay died`);
    assert.ok(growth < 0.1, `${r.engine}: RSS grew ${(growth * 100).toFixed(1)} % (${(r.warmRss / 2 ** 20).toFixed(1)} -> ${(r.endRss / 2 ** 20).toFixed(1)} MB)`);
  }
});
