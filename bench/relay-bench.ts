/**
 * Relay benchmarks, each on a relay child process (production buildServer) with a fresh database:
 * flag ingest next to a no-op route, media uploads, webhook delivery throughput and latency, RSS
 * with 10,000 live sessions. The load generator runs in this process.
 */
import { readdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { openDatabase } from '../backend-stub/src/db/connect.js';
import { closedLoop, keepAliveAgent, latencyStats, openLoop, request, type LoadResult } from '../backend-stub/src/reliability/http-load.js';
import { makeWav, multipartBody } from '../backend-stub/src/reliability/media-fixtures.js';
import { createRelayStore, spawnRelay, type RelayProcess, type RelayStore } from '../backend-stub/src/reliability/relay-process.js';
import type { Engine } from '../backend-stub/src/testing/engines.js';
import { startReceiver } from '../backend-stub/src/testing/receiver.js';
import { createEndpoint, createSessions, jsonFlag } from './lib/relay-client.js';

/** Bench relays: rate limit on (its cost is part of the path) but far above the offered load. */
const BENCH_ENV = { EYE_RATE_LIMIT_MAX: '10000000', LOG_LEVEL: 'error' };

export interface BenchOptions {
  /** Seconds of measured load per ingest / upload run. */
  seconds: number;
  concurrency: number;
  log: (line: string) => void;
}

async function withRelay<T>(engine: Engine, env: Record<string, string>, fn: (relay: RelayProcess, store: RelayStore) => Promise<T>, noop = false): Promise<T> {
  const store = await createRelayStore(engine, 'eye_bench');
  const relay = await spawnRelay(store, { createTenant: true, noopRoute: noop, env: { ...BENCH_ENV, ...env } });
  try {
    return await fn(relay, store);
  } finally {
    await relay.stop();
    await store.destroy();
  }
}

function summary(r: LoadResult) {
  return {
    perSecond: r.perSecond,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    maxMs: r.latency.max,
    ok: r.ok,
    failed: r.failed,
    statuses: r.statuses,
    ...(r.failures.length ? { failures: r.failures } : {}),
  };
}

export async function benchIngest(engine: Engine, o: BenchOptions) {
  return withRelay(
    engine,
    {},
    async (relay) => {
      const sessions = await createSessions(relay.url, relay.apiKey!, 200);
      const noopBody = jsonFlag(sessions[0]!, 'noop').body;
      const noop = await closedLoop({
        baseUrl: relay.url,
        concurrency: o.concurrency,
        durationMs: o.seconds * 1000,
        warmupMs: 1500,
        next: () => ({ method: 'POST', path: '/bench/noop', headers: { 'content-type': 'application/json' }, body: noopBody }),
      });
      o.log(`  ${engine} no-op   ${noop.perSecond.toFixed(0)} req/s p50 ${noop.latency.p50.toFixed(1)} ms p99 ${noop.latency.p99.toFixed(1)} ms`);
      const ingest = await closedLoop({
        baseUrl: relay.url,
        concurrency: o.concurrency,
        durationMs: o.seconds * 1000,
        warmupMs: 1500,
        next: (i) => jsonFlag(sessions[i % sessions.length]!, `f-${i}`, Math.floor(i / sessions.length)),
      });
      o.log(`  ${engine} ingest  ${ingest.perSecond.toFixed(0)} flags/s p50 ${ingest.latency.p50.toFixed(1)} ms p99 ${ingest.latency.p99.toFixed(1)} ms (${ingest.failed} failed)`);
      return { concurrency: o.concurrency, sessions: sessions.length, noop: summary(noop), ingest: summary(ingest), ratio: ingest.perSecond / noop.perSecond };
    },
    true,
  );
}

export async function benchMedia(engine: Engine, o: BenchOptions, jpeg: Buffer) {
  const wav = makeWav(200 * 1024);
  return withRelay(engine, {}, async (relay, store) => {
    const sessions = await createSessions(relay.url, relay.apiKey!, 100);
    const out: Record<string, unknown> = {};
    for (const [kind, type, data, ct] of [
      ['jpeg40k', 'FACE_ABSENCE', jpeg, 'image/jpeg'],
      ['wav200k', 'SOUND_DETECTED', wav, 'audio/wav'],
    ] as const) {
      const r = await closedLoop({
        baseUrl: relay.url,
        concurrency: Math.min(o.concurrency, 16),
        durationMs: o.seconds * 1000,
        warmupMs: 1000,
        next: (i) => {
          const s = sessions[i % sessions.length]!;
          const { body, contentType } = multipartBody({ flag: JSON.stringify({ id: `${kind}-${i}`, type, createdAt: new Date().toISOString() }) }, [
            { field: 'mediaFile', filename: kind, contentType: ct, data },
          ]);
          return { method: 'POST', path: `/v1/sessions/${s.sessionId}/flags`, headers: { authorization: `Bearer ${s.token}`, 'content-type': contentType }, body };
        },
      });
      const mbPerSecond = (r.perSecond * data.length) / (1024 * 1024);
      o.log(`  ${engine} ${kind} ${r.perSecond.toFixed(0)} uploads/s ${mbPerSecond.toFixed(1)} MB/s p99 ${r.latency.p99.toFixed(1)} ms (${r.failed} failed)`);
      out[kind] = { bytes: data.length, ...summary(r), mbPerSecond };
    }
    out.filesStored = readdirSync(store.mediaDir).filter((f) => f !== '.tmp').length;
    return out;
  });
}

/** Counts webhook deliveries by status straight from the relay's database. */
async function deliveryCounts(store: RelayStore): Promise<Record<string, number>> {
  const { db } = openDatabase({ databaseUrl: store.env.DATABASE_URL!, pgSchema: store.pgSchema, poolMax: 1 });
  try {
    const rows = await db.selectFrom('webhook_deliveries').select(['status', db.fn.countAll<number | string>().as('n')]).groupBy('status').execute();
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  } finally {
    await db.destroy();
  }
}

/**
 * Throughput: flags are stored with the worker off (a backlog in the outbox); a relay with the
 * worker on is then started and timed until the receiver has every delivery.
 * Latency: a relay with the worker on takes a steady 200 flags/s; each flag's webhook arrival is
 * matched to the moment its POST was answered.
 */
export async function benchWebhooks(engine: Engine, o: BenchOptions & { backlog: number; rate: number; latencySeconds: number }) {
  const receiver = await startReceiver();
  const store = await createRelayStore(engine, 'eye_bench');
  try {
    // 1. Backlog with the worker off.
    let relay = await spawnRelay(store, { createTenant: true, env: { ...BENCH_ENV, EYE_WEBHOOK_WORKER: '0' } });
    const apiKey = relay.apiKey!;
    await createEndpoint(relay.url, apiKey, `${receiver.url}/hook`);
    const sessions = await createSessions(relay.url, apiKey, 200);
    const fill = await closedLoop({ baseUrl: relay.url, concurrency: 16, durationMs: 120_000, maxRequests: o.backlog, next: (i) => jsonFlag(sessions[i % sessions.length]!, `b-${i}`, Math.floor(i / sessions.length)) });
    await relay.stop();
    const pending = (await deliveryCounts(store)).pending ?? 0;
    o.log(`  ${engine} backlog ${fill.ok} flags -> ${pending} pending deliveries`);

    // 2. Drain with the worker on.
    const before = receiver.requests.length;
    const t0 = performance.now();
    relay = await spawnRelay(store, { env: { ...BENCH_ENV } });
    await receiver.waitFor((reqs) => reqs.length - before >= pending, 180_000);
    const drainMs = performance.now() - t0;
    const got = receiver.requests.slice(before);
    const ids = new Set(got.map((r) => r.headers['webhook-id']));
    // Throughput from the first delivery to the last (the relay's start-up is reported apart).
    const times = got.map((r) => r.receivedAt);
    const sendingMs = Math.max(1, Math.max(...times) - Math.min(...times));
    const deliveriesPerSecond = (pending - 1) / (sendingMs / 1000);
    o.log(`  ${engine} drain   ${deliveriesPerSecond.toFixed(0)} deliveries/s (${pending} in ${(sendingMs / 1000).toFixed(2)} s from first to last; ${(drainMs / 1000).toFixed(1)} s incl. relay start; ${ids.size} distinct webhook-ids)`);

    // 3. Latency at a steady rate (same relay, worker on, empty outbox).
    const accepted = new Map<string, number>();
    const sent = receiver.requests.length;
    const load = await openLoop({
      baseUrl: relay.url,
      rate: o.rate,
      durationMs: o.latencySeconds * 1000,
      next: (i) => jsonFlag(sessions[i % sessions.length]!, `l-${i}`, Math.floor(i / sessions.length)),
      onAnswer: (i) => accepted.set(`l-${i}`, Date.now()),
    });
    await receiver.waitFor((reqs) => {
      let n = 0;
      for (let k = sent; k < reqs.length; k++) if (reqs[k]!.body.includes('"flag_id":"l-')) n++;
      return n >= accepted.size;
    }, 60_000).catch(() => {});
    const lat: number[] = [];
    const seen = new Set<string>();
    for (const r of receiver.requests.slice(sent)) {
      const m = /"flag_id":"(l-\d+)"/.exec(r.body);
      if (!m || seen.has(m[1]!)) continue;
      seen.add(m[1]!);
      const t = accepted.get(m[1]!);
      if (t !== undefined) lat.push(r.receivedAt - t);
    }
    const stats = latencyStats(lat);
    o.log(`  ${engine} flag->webhook at ${o.rate}/s: p50 ${stats.p50} ms p99 ${stats.p99} ms max ${stats.max} ms (${seen.size}/${accepted.size} matched)`);
    await relay.stop();
    return {
      backlog: { flags: fill.ok, deliveries: pending, drainSeconds: drainMs / 1000, sendingSeconds: sendingMs / 1000, deliveriesPerSecond, distinctWebhookIds: ids.size },
      latency: { rate: o.rate, seconds: o.latencySeconds, flagsAccepted: accepted.size, webhooksMatched: seen.size, p50Ms: stats.p50, p99Ms: stats.p99, maxMs: stats.max, ingestFailed: load.failed },
    };
  } finally {
    await receiver.close();
    await store.destroy();
  }
}

/**
 * 10,000 sessions, each holding its own keep-alive connection (one browser each) and posting a
 * flag every `periodS` seconds at a random phase, for two periods. RSS read from /proc.
 */
export async function benchMemory(engine: Engine, o: { sessions: number; periodS: number; periods: number; log: (l: string) => void }) {
  return withRelay(engine, {}, async (relay) => {
    const idleRss = relay.rss();
    const setupAgent = keepAliveAgent(16);
    const sessions = await createSessions(relay.url, relay.apiKey!, o.sessions, 16, setupAgent);
    setupAgent.destroy();
    const afterCreate = relay.rss();
    o.log(`  ${engine} ${o.sessions} sessions created; RSS ${(afterCreate / 2 ** 20).toFixed(0)} MB`);
    const agents = sessions.map(() => keepAliveAgent(1));
    let peak = afterCreate;
    let sent = 0;
    let failed = 0;
    const failures: string[] = [];
    let maxSockets = 0;
    const sampler = setInterval(() => {
      try {
        peak = Math.max(peak, relay.rss());
        maxSockets = Math.max(maxSockets, readdirSync(`/proc/${relay.pid}/fd`).length);
      } catch {
        /* process gone */
      }
    }, 500);
    const start = performance.now();
    const periodMs = o.periodS * 1000;
    await Promise.all(
      sessions.map(async (s, k) => {
        const phase = Math.random() * periodMs;
        for (let p = 0; p < o.periods; p++) {
          const due = start + phase + p * periodMs;
          const wait = due - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          try {
            const a = await request(relay.url, jsonFlag(s, `m-${k}-${p}`, p), agents[k]);
            if (a.status === 201) sent++;
            else {
              failed++;
              if (failures.length < 3) failures.push(`${a.status} ${a.body.toString().slice(0, 120)}`);
            }
          } catch (err) {
            failed++;
            if (failures.length < 3) failures.push((err as Error).message);
          }
        }
      }),
    );
    clearInterval(sampler);
    const finalRss = relay.rss();
    const mem = await relay.memory();
    for (const a of agents) a.destroy();
    o.log(`  ${engine} memory: idle ${(idleRss / 2 ** 20).toFixed(0)} MB, peak ${(peak / 2 ** 20).toFixed(0)} MB with ${o.sessions} sessions (${sent} flags, ${failed} failed, ${maxSockets} fds)`);
    return {
      sessions: o.sessions,
      flagsPosted: sent,
      failed,
      ...(failures.length ? { failures } : {}),
      periodSeconds: o.periodS,
      idleRssMB: idleRss / 2 ** 20,
      afterCreateRssMB: afterCreate / 2 ** 20,
      peakRssMB: peak / 2 ** 20,
      finalRssMB: finalRss / 2 ** 20,
      heapUsedMB: mem.heapUsed / 2 ** 20,
      maxOpenFds: maxSockets,
    };
  });
}

