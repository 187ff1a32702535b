/**
 * Relay benchmarks, each on a relay child process (production buildServer) with a fresh database:
 * flag ingest next to a no-op route (and how it grows with clients), 1 vs 2 relay processes, media
 * uploads, webhook delivery throughput (1/10/100 endpoints) and latency, RSS with live sessions.
 * The load generators (autocannon for throughput, the in-house open loop for steady rates and the
 * per-session connections) run in this process.
 */
import { readdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { openDatabase } from '../backend-stub/src/db/connect.js';
import { closedLoop, keepAliveAgent, latencyStats, openLoop, request, type RequestSpec } from '../backend-stub/src/reliability/http-load.js';
import { makeWav, multipartBody } from '../backend-stub/src/reliability/media-fixtures.js';
import { spawnRelayCluster, type RelayCluster } from '../backend-stub/src/reliability/relay-cluster.js';
import { createRelayStore, spawnRelay, type RelayProcess, type RelayStore } from '../backend-stub/src/reliability/relay-process.js';
import { createTenant } from '../backend-stub/src/tenants.js';
import type { Engine } from '../backend-stub/src/testing/engines.js';
import { startReceiver, type ReceivedRequest, type Receiver } from '../backend-stub/src/testing/receiver.js';
import { MAX_ENDPOINTS_PER_TENANT } from '../backend-stub/src/webhooks/endpoints.js';
import { signatureHeaders } from '../backend-stub/src/webhooks/signing.js';
import { spawnIngestFloor, type IngestFloor } from './lib/ingest-floor.js';
import { cannon, cpuSecondsOf, httpLoad, interleaved, ownCpuSeconds, sequence, type Measured } from './lib/load.js';
import { createEndpoint, createSessions, jsonFlag, type Session } from './lib/relay-client.js';

/** Bench relays: rate limit on (its cost is part of the path) but far above the offered load. */
const BENCH_ENV = { EYE_RATE_LIMIT_MAX: '10000000', LOG_LEVEL: 'error' };

/** The API key of a relay started with `createTenant: true` (null only if it was not). */
function apiKeyOf(relay: RelayProcess): string {
  if (relay.apiKey === null) throw new Error(`relay ${relay.url} has no tenant API key (spawned without createTenant)`);
  return relay.apiKey;
}

/** `list[i]`, or a clear error when it is out of range (an empty list). */
function itemAt<T>(list: readonly T[], i: number, what: string): T {
  const item = list[i];
  if (item === undefined) throw new Error(`${what}: no item at ${i} (${list.length} in the list)`);
  return item;
}

/** A variant's figures from `interleaved`, or a clear error when it did not report it. */
function variant(m: Record<string, Measured>, name: string): Measured {
  const r = m[name];
  if (r === undefined) throw new Error(`interleaved: no figures for variant "${name}"`);
  return r;
}

export interface BenchOptions {
  /** Measured seconds per throughput figure (split over the rounds). */
  seconds: number;
  /** Interleaved rounds per throughput comparison. */
  rounds: number;
  /** Unmeasured seconds per variant before the rounds. */
  warmupSeconds: number;
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

/** The durable-ingest floor (bench/lib/ingest-floor-server.ts) on a store of its own, for `fn`. */
async function withIngestFloor<T>(engine: Engine, fn: (floor: IngestFloor) => Promise<T>): Promise<T> {
  const store = await createRelayStore(engine, 'eye_floor');
  try {
    const floor = await spawnIngestFloor(store);
    try {
      return await fn(floor);
    } finally {
      await floor.stop();
    }
  } finally {
    await store.destroy();
  }
}

/** A relay's open-loop spec for a plain JSON flag of `sessions`, ids `${prefix}-${i}`. */
const flagsOf = (sessions: Session[], prefix: string) => (i: number) => jsonFlag(itemAt(sessions, i % sessions.length, 'sessions'), `${prefix}-${i}`, Math.floor(i / sessions.length));
const noopOf = (sessions: Session[]): RequestSpec => ({ method: 'POST', path: '/bench/noop', headers: { 'content-type': 'application/json' }, body: jsonFlag(itemAt(sessions, 0, 'sessions'), 'noop').body });
const fmt = (m: Measured) => `${m.perSecond.toFixed(0)}/s p50 ${m.p50Ms.toFixed(1)} ms p99 ${m.p99Ms.toFixed(1)} ms (${m.failed} failed), relay CPU ${m.cpuMsPerRequest.toFixed(3)} ms each`;

/**
 * Ingest next to the no-op route on one relay (group commit forced on), autocannon at
 * `concurrency` connections, in interleaved rounds; the in-house loop on the no-op route in the
 * same rounds (does it agree with autocannon?). Then the same flags on a second relay with
 * EYE_INGEST_GROUP_COMMIT=0 (one transaction per flag).
 */
export async function benchIngest(engine: Engine, o: BenchOptions) {
  const grouped = await withRelay(
    engine,
    { EYE_INGEST_GROUP_COMMIT: '1' },
    async (relay) => {
      const sessions = await createSessions(relay.url, apiKeyOf(relay), 200);
      const noop = () => noopOf(sessions);
      return withIngestFloor(engine, async (floor) => {
        const at = (url: string) => [{ url, connections: o.concurrency }];
        const m = await interleaved(
          [
            { name: 'noop', pids: [relay.pid], run: cannon(at(relay.url), noop) },
            { name: 'ingest', pids: [relay.pid], run: cannon(at(relay.url), sequence(flagsOf(sessions, 'f'))) },
            { name: 'noopInHouse', pids: [relay.pid], run: httpLoad(relay.url, o.concurrency, noop) },
            { name: 'floorNoop', pids: [floor.pid], run: cannon(at(floor.url), noop) },
            { name: 'floorIngest', pids: [floor.pid], run: cannon(at(floor.url), sequence(flagsOf(sessions, 'f'))) },
          ],
          o,
        );
        const noopM = variant(m, 'noop');
        const noopInHouse = variant(m, 'noopInHouse');
        const ingest = variant(m, 'ingest');
        const floorNoop = variant(m, 'floorNoop');
        const floorIngest = variant(m, 'floorIngest');
        o.log(`  ${engine} no-op (autocannon)  ${fmt(noopM)}`);
        o.log(`  ${engine} no-op (in-house)    ${fmt(noopInHouse)}`);
        o.log(`  ${engine} ingest (autocannon) ${fmt(ingest)}`);
        o.log(`  ${engine} floor no-op         ${fmt(floorNoop)}`);
        o.log(`  ${engine} floor ingest        ${fmt(floorIngest)}`);
        const floorResult = { noop: floorNoop, ingest: floorIngest, ratio: floorIngest.perSecond / floorNoop.perSecond };
        return { sessions: sessions.length, noop: noopM, ingest, noopInHouse, floor: floorResult };
      });
    },
    true,
  );
  const single = await withRelay(engine, { EYE_INGEST_GROUP_COMMIT: '0' }, async (relay) => {
    const sessions = await createSessions(relay.url, apiKeyOf(relay), 200);
    const m = await interleaved([{ name: 'ingest', pids: [relay.pid], run: cannon([{ url: relay.url, connections: o.concurrency }], sequence(flagsOf(sessions, 'f'))) }], o);
    const ingest = variant(m, 'ingest');
    o.log(`  ${engine} ingest, one transaction per flag ${fmt(ingest)}`);
    return ingest;
  });
  const noopRate = grouped.noop.perSecond;
  return {
    loadTool: 'autocannon',
    concurrency: o.concurrency,
    rounds: o.rounds,
    sessions: grouped.sessions,
    noop: grouped.noop,
    ingest: grouped.ingest,
    ratio: grouped.ingest.perSecond / noopRate,
    singleTransaction: { ...single, ratio: single.perSecond / noopRate },
    // The in-house closed loop on the same route in the same rounds: its rate / autocannon's.
    inHouseNoop: { ...grouped.noopInHouse, ratioToAutocannon: grouped.noopInHouse.perSecond / noopRate },
    // The least any durable ingest costs here (bench/lib/ingest-floor-server.ts), in the same rounds.
    floor: grouped.floor,
  };
}

/**
 * How ingest cost grows with concurrent clients: on one relay (engine default for group commit),
 * the no-op route and ingest in interleaved rounds at each client count (autocannon connections).
 */
export async function benchIngestGrowth(engine: Engine, o: BenchOptions & { clients: number[] }) {
  return withRelay(
    engine,
    {},
    async (relay) => {
      const sessions = await createSessions(relay.url, apiKeyOf(relay), 200);
      const flags = sequence(flagsOf(sessions, 'g'));
      const byClients: Record<string, { noop: Measured; ingest: Measured; ratio: number }> = {};
      for (const c of o.clients) {
        const m = await interleaved(
          [
            { name: 'noop', pids: [relay.pid], run: cannon([{ url: relay.url, connections: c }], () => noopOf(sessions)) },
            { name: 'ingest', pids: [relay.pid], run: cannon([{ url: relay.url, connections: c }], flags) },
          ],
          o,
        );
        const noop = variant(m, 'noop');
        const ingest = variant(m, 'ingest');
        byClients[String(c)] = { noop, ingest, ratio: ingest.perSecond / noop.perSecond };
        o.log(`  ${engine} ${c} clients: ingest ${fmt(ingest)}; no-op ${noop.perSecond.toFixed(0)}/s`);
      }
      return { loadTool: 'autocannon', sessions: sessions.length, byClients };
    },
    true,
  );
}

/**
 * Throughput with 1 and with 2 relay processes on one database (PostgreSQL: the multi-relay
 * set-up), interleaved rounds: all connections to relay A; half to A and half to B (two ports, as
 * behind a load balancer); all to `eye-relay serve --workers 2` (one port, node:cluster), started
 * with the package's bin on the same database. CPU per flag counts every relay process of the
 * variant (the cluster's primary too).
 */
export async function benchMultiRelay(engine: Engine, o: BenchOptions) {
  const store = await createRelayStore(engine, 'eye_bench');
  const a = await spawnRelay(store, { createTenant: true, env: BENCH_ENV });
  let b: RelayProcess | null = null;
  let cluster: RelayCluster | null = null;
  try {
    b = await spawnRelay(store, { env: BENCH_ENV });
    cluster = await spawnRelayCluster(store, { workers: 2, env: { EYE_RATE_LIMIT_MAX: BENCH_ENV.EYE_RATE_LIMIT_MAX } });
    const sessions = await createSessions(a.url, apiKeyOf(a), 200);
    const flags = sequence(flagsOf(sessions, 'r'));
    const half = Math.max(1, Math.floor(o.concurrency / 2));
    const pids = [a.pid, b.pid];
    const m = await interleaved(
      [
        { name: 'one', pids, run: cannon([{ url: a.url, connections: o.concurrency }], flags) },
        { name: 'two', pids, run: cannon([{ url: a.url, connections: half }, { url: b.url, connections: o.concurrency - half }], flags) },
        { name: 'cluster', pids: [cluster.primaryPid, ...cluster.listening()], run: cannon([{ url: cluster.url, connections: o.concurrency }], flags) },
      ],
      o,
    );
    const one = variant(m, 'one');
    const two = variant(m, 'two');
    const workers2 = variant(m, 'cluster');
    o.log(`  ${engine} 1 relay  ${fmt(one)}`);
    o.log(`  ${engine} 2 relays ${fmt(two)}`);
    o.log(`  ${engine} --workers 2 ${fmt(workers2)}`);
    return {
      loadTool: 'autocannon',
      concurrency: o.concurrency,
      oneRelay: one,
      twoRelays: two,
      ratio: two.perSecond / one.perSecond,
      cluster: { ...workers2, ratio: workers2.perSecond / one.perSecond },
    };
  } finally {
    await cluster?.stop();
    await b?.stop();
    await a.stop();
    await store.destroy();
  }
}

export async function benchMedia(engine: Engine, o: BenchOptions, jpeg: Buffer) {
  const wav = makeWav(200 * 1024);
  return withRelay(engine, {}, async (relay, store) => {
    const sessions = await createSessions(relay.url, apiKeyOf(relay), 100);
    const kinds = [
      ['jpeg40k', 'FACE_ABSENCE', jpeg, 'image/jpeg'],
      ['wav200k', 'SOUND_DETECTED', wav, 'audio/wav'],
    ] as const;
    const upload = (kind: string, type: string, data: Buffer, ct: string) =>
      sequence((i) => {
        const s = itemAt(sessions, i % sessions.length, 'sessions');
        const { body, contentType } = multipartBody({ flag: JSON.stringify({ id: `${kind}-${i}`, type, createdAt: new Date().toISOString() }) }, [{ field: 'mediaFile', filename: kind, contentType: ct, data }]);
        return { method: 'POST', path: `/v1/sessions/${s.sessionId}/flags`, headers: { authorization: `Bearer ${s.token}`, 'content-type': contentType }, body };
      });
    const connections = Math.min(o.concurrency, 16);
    const m = await interleaved(
      kinds.map(([kind, type, data, ct]) => ({ name: kind, pids: [relay.pid], run: cannon([{ url: relay.url, connections }], upload(kind, type, data, ct)) })),
      o,
    );
    const out: Record<string, unknown> = { loadTool: 'autocannon', connections };
    for (const [kind, , data] of kinds) {
      const r = variant(m, kind);
      const mbPerSecond = (r.perSecond * data.length) / (1024 * 1024);
      o.log(`  ${engine} ${kind} ${r.perSecond.toFixed(0)} uploads/s ${mbPerSecond.toFixed(1)} MB/s p99 ${r.p99Ms.toFixed(1)} ms (${r.failed} failed)`);
      out[kind] = { bytes: data.length, ...r, mbPerSecond };
    }
    out.filesStored = readdirSync(store.mediaDir).filter((f) => f !== '.tmp').length;
    return out;
  });
}

/** Counts webhook deliveries by status straight from the relay's database. */
async function withDb<T>(store: RelayStore, fn: (db: ReturnType<typeof openDatabase>['db']) => Promise<T>): Promise<T> {
  const databaseUrl = store.env.DATABASE_URL;
  if (databaseUrl === undefined) throw new Error('relay store: no DATABASE_URL in its env');
  const { db } = openDatabase({ databaseUrl, pgSchema: store.pgSchema, poolMax: 1 });
  try {
    return await fn(db);
  } finally {
    await db.destroy();
  }
}

/** Counts webhook deliveries by status straight from the relay's database. */
async function deliveryCounts(store: RelayStore): Promise<Record<string, number>> {
  return withDb(store, async (db) => {
    const rows = await db.selectFrom('webhook_deliveries').select(['status', db.fn.countAll<number | string>().as('n')]).groupBy('status').execute();
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  });
}

/**
 * Waits until no delivery is pending (up to `timeoutMs`), so that a latency phase starts from an
 * empty backlog: one left by a saturated phase before it delayed the next phase's webhooks.
 */
async function untilDrained(store: RelayStore, timeoutMs: number, log: (line: string) => void): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let pending = (await deliveryCounts(store)).pending ?? 0;
  while (pending > 0 && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    pending = (await deliveryCounts(store)).pending ?? 0;
  }
  if (pending > 0) log(`  ${pending} deliveries still pending after ${timeoutMs / 1000} s; the next phase starts with them`);
}

/** Real receivers on several ports; endpoint k is `/hook/k` on receiver k mod n. */
interface Receivers {
  list: Receiver[];
  urlOf(k: number): string;
  /** Which receiver an endpoint path (`/hook/k`) is on. */
  indexOf(path: string): number;
  /** Where each receiver's request list stands now. */
  mark(): number[];
  /** Requests received since `mark`, all receivers. */
  since(mark: number[]): ReceivedRequest[];
  close(): Promise<void>;
}

/**
 * `host`: the name in the endpoints' URLs (the receivers listen on 127.0.0.1). A name such as
 * `localhost` adds the worker's name resolution to every delivery, as for real endpoints.
 */
async function startReceivers(n: number, host = '127.0.0.1'): Promise<Receivers> {
  const list = await Promise.all(Array.from({ length: n }, () => startReceiver()));
  return {
    list,
    urlOf: (k) => {
      const url = new URL(`${itemAt(list, k % n, 'receivers').url}/hook/${k}`);
      url.hostname = host;
      return url.href;
    },
    indexOf: (path) => Number(path.split('/')[2]) % n,
    mark: () => list.map((r) => r.requests.length),
    since: (mark) => list.flatMap((r, i) => r.requests.slice(mark[i])),
    close: async () => {
      await Promise.all(list.map((r) => r.close()));
    },
  };
}

/** A delivery's identity at the receivers: the endpoint (path) and the webhook-id (same on retries). */
const deliveryKey = (r: ReceivedRequest) => `${r.path} ${r.headers['webhook-id']}`;

/** CPU (user + system) used while deliveries arrived, from the first one seen to the last. */
interface DrainCpu {
  /** The relay process (its worker sends). */
  relaySeconds: number;
  /** This process: the receivers (and this wait). */
  receiverSeconds: number;
  /** Deliveries that arrived in that window. */
  deliveries: number;
}

/**
 * Resolves when `want` distinct deliveries arrived since `mark` (retries under load count once),
 * each request looked at once, with the CPU used from the first delivery seen on (null if none were awaited).
 */
async function waitForDeliveries(receivers: Receivers, mark: number[], want: number, timeoutMs: number, relayPid: number): Promise<DrainCpu | null> {
  const deadline = performance.now() + timeoutMs;
  const seen = new Set<string>();
  const next = [...mark];
  let first: { relay: number; receiver: number; seen: number } | null = null;
  for (;;) {
    receivers.list.forEach((r, i) => {
      for (let j = next[i] ?? 0; j < r.requests.length; j++) seen.add(deliveryKey(itemAt(r.requests, j, 'requests')));
      next[i] = r.requests.length;
    });
    if (!first && seen.size > 0) first = { relay: cpuSecondsOf(relayPid), receiver: ownCpuSeconds(), seen: seen.size };
    if (seen.size >= want) {
      if (!first) return null;
      return { relaySeconds: cpuSecondsOf(relayPid) - first.relay, receiverSeconds: ownCpuSeconds() - first.receiver, deliveries: seen.size - first.seen };
    }
    if (performance.now() > deadline) throw new Error(`receivers: ${seen.size} of ${want} deliveries within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The relay's worker limits (settings.ts defaults): attempts in flight, and per endpoint. */
const WORKER_CONCURRENCY = 32;
const PER_ENDPOINT = 16;

/**
 * Deliveries with `endpoints` endpoints (each its own receiver URL; more than 50 = the per-tenant
 * cap need more tenants, each with its own sessions): flags are stored with the worker off (a
 * backlog in the outbox); a relay with the worker on is then started and timed until the receivers
 * have every delivery. Beside it, the baseline: a plain loop that signs both header families and
 * POSTs the same bodies to the same URLs, as many in flight as the relay's worker allows.
 */
async function deliveryThroughput(engine: Engine, endpoints: number, receivers: Receivers, o: BenchOptions & { backlog: number }) {
  const store = await createRelayStore(engine, 'eye_bench');
  try {
    let relay = await spawnRelay(store, { createTenant: true, env: { ...BENCH_ENV, EYE_WEBHOOK_WORKER: '0' } });
    const perTenant = Math.min(endpoints, MAX_ENDPOINTS_PER_TENANT);
    const tenantCount = Math.ceil(endpoints / perTenant);
    const apiKeys = [apiKeyOf(relay)];
    if (tenantCount > 1) await withDb(store, async (db) => {
      for (let t = 1; t < tenantCount; t++) apiKeys.push((await createTenant(db, `bench tenant ${t}`)).apiKey);
    });
    const secretOf = new Map<string, string>();
    let k = 0;
    for (const apiKey of apiKeys) {
      for (let j = 0; j < perTenant && k < endpoints; j++, k++) {
        const url = receivers.urlOf(k);
        secretOf.set(new URL(url).pathname, (await createEndpoint(relay.url, apiKey, url)).secret);
      }
    }
    // Sessions of the tenants interleaved, so consecutive flags go to every tenant's endpoints.
    const perTenantSessions = await Promise.all(apiKeys.map((key) => createSessions(relay.url, key, Math.ceil(200 / tenantCount))));
    const sessions = itemAt(perTenantSessions, 0, 'tenant sessions').flatMap((_, j) => perTenantSessions.map((list) => itemAt(list, j, 'tenant sessions')));
    const flags = Math.ceil(o.backlog / perTenant);
    const fill = await closedLoop({ baseUrl: relay.url, concurrency: 16, durationMs: 120_000, maxRequests: flags, next: flagsOf(sessions, 'b') });
    await relay.stop();
    const pending = (await deliveryCounts(store)).pending ?? 0;
    o.log(`  ${engine} ${endpoints} endpoints: backlog ${fill.ok} flags -> ${pending} pending deliveries`);

    const mark = receivers.mark();
    const t0 = performance.now();
    relay = await spawnRelay(store, { env: { ...BENCH_ENV } });
    const drainCpu = await waitForDeliveries(receivers, mark, pending, 300_000, relay.pid);
    const drainMs = performance.now() - t0;
    await relay.stop();
    const all = receivers.since(mark);
    // Each delivery's first copy (a retry after a timeout under load is not a delivery more).
    const firsts = new Map<string, ReceivedRequest>();
    for (const r of all) if (!firsts.has(deliveryKey(r))) firsts.set(deliveryKey(r), r);
    const got = [...firsts.values()];
    // Throughput from the first delivery to the last (the relay's start-up is reported apart).
    const times = got.map((r) => r.receivedAt);
    const sendingMs = Math.max(1, Math.max(...times) - Math.min(...times));
    const deliveriesPerSecond = (got.length - 1) / (sendingMs / 1000);

    // The plain loop: one closed loop per receiver port, the worker's concurrency split over them.
    const loopConcurrency = Math.min(WORKER_CONCURRENCY, PER_ENDPOINT * endpoints);
    const ports = receivers.list.slice(0, Math.min(receivers.list.length, endpoints));
    const t1 = performance.now();
    const loopCpu0 = ownCpuSeconds();
    const loops = await Promise.all(
      ports.map((rcv) => {
        const mine = got.filter((r) => receivers.indexOf(r.path) === receivers.list.indexOf(rcv));
        return closedLoop({
          baseUrl: rcv.url,
          concurrency: Math.max(1, Math.round(loopConcurrency / ports.length)),
          durationMs: 120_000,
          maxRequests: mine.length,
          next: (i) => {
            const b = itemAt(mine, i % mine.length, 'deliveries');
            const id = b.headers['webhook-id'] ?? 'evt_x';
            const secret = secretOf.get(b.path);
            if (secret === undefined) throw new Error(`no endpoint secret for ${b.path}`);
            return { method: 'POST', path: b.path, headers: { 'content-type': 'application/json', ...signatureHeaders({ msgId: id, body: b.body, secrets: [secret] }) }, body: b.body };
          },
        });
      }),
    );
    const loopSeconds = (performance.now() - t1) / 1000;
    const loopCpuSeconds = ownCpuSeconds() - loopCpu0;
    const loopOk = loops.reduce((a, l) => a + l.ok, 0);
    const plainLoop = { requests: loopOk, perSecond: loopOk / loopSeconds, concurrency: loopConcurrency, relayRatio: deliveriesPerSecond / (loopOk / loopSeconds) };
    // CPU per delivery: the relay's, and the receivers' beside it; the loop's process both sends and receives.
    const cpu = drainCpu && {
      relayMsPerDelivery: (drainCpu.relaySeconds * 1000) / Math.max(1, drainCpu.deliveries),
      receiverMsPerDelivery: (drainCpu.receiverSeconds * 1000) / Math.max(1, drainCpu.deliveries),
      loopMsPerRequest: (loopCpuSeconds * 1000) / Math.max(1, loopOk),
    };
    o.log(`  ${engine} ${endpoints} endpoints: ${deliveriesPerSecond.toFixed(0)} deliveries/s (${pending} in ${(sendingMs / 1000).toFixed(2)} s first to last; ${all.length - got.length} copies sent again); plain signing POST loop ${plainLoop.perSecond.toFixed(0)}/s (c=${loopConcurrency}); relay / loop ${plainLoop.relayRatio.toFixed(2)}${cpu ? `; CPU per delivery: relay ${cpu.relayMsPerDelivery.toFixed(3)} ms + receivers ${cpu.receiverMsPerDelivery.toFixed(3)} ms, loop (sends and receives) ${cpu.loopMsPerRequest.toFixed(3)} ms` : ''}`);
    return {
      endpoints,
      tenants: tenantCount,
      backlog: { flags: fill.ok, deliveries: pending, drainSeconds: drainMs / 1000, sendingSeconds: sendingMs / 1000, deliveriesPerSecond, copiesSentAgain: all.length - got.length, ...(cpu ? { cpu } : {}) },
      plainLoop,
    };
  } finally {
    await store.destroy();
  }
}

/**
 * Delivery throughput with each endpoint count; then flag-to-webhook latency at a steady rate
 * (`rate`, and 50 % / 90 % of the ingest capacity measured in this run) with the worker in the
 * relay, and with the relay at EYE_WEBHOOK_WORKER=0 beside an `eye-relay worker` process (the
 * relay child with EYE_CHILD_ROLE=worker: buildServer with only the worker, as `serve(config,
 * { deliveryOnly: true })` runs it). Each webhook's arrival is matched to its flag's answer.
 */
export async function benchWebhooks(engine: Engine, o: BenchOptions & { backlog: number; endpoints: number[]; rate: number; latencySeconds: number; ingestCapacity?: number; host?: string }) {
  const receivers = await startReceivers(4, o.host);
  try {
    const byEndpoints: Record<string, Awaited<ReturnType<typeof deliveryThroughput>>> = {};
    for (const n of o.endpoints) byEndpoints[String(n)] = await deliveryThroughput(engine, n, receivers, o);

    // Keyed by what the rate is: the fixed one, and 50 % / 90 % of the measured ingest capacity.
    const capacity = o.ingestCapacity;
    const rates: [string, number][] = [['steady', o.rate], ...(capacity ? [0.5, 0.9].map((x): [string, number] => [`capacity${x * 100}`, Math.max(1, Math.round(x * capacity))]) : [])];
    const store = await createRelayStore(engine, 'eye_bench');
    const inRelay: Record<string, Awaited<ReturnType<typeof flagToWebhook>>> = {};
    const separate: Record<string, Awaited<ReturnType<typeof flagToWebhook>>> = {};
    try {
      let relay = await spawnRelay(store, { createTenant: true, env: { ...BENCH_ENV } });
      await createEndpoint(relay.url, apiKeyOf(relay), receivers.urlOf(0));
      const sessions = await createSessions(relay.url, apiKeyOf(relay), 200);
      try {
        for (const [key, rate] of rates) {
          await untilDrained(store, 180_000, o.log);
          const r = await flagToWebhook(relay.url, itemAt(receivers.list, 0, 'receivers'), sessions, rate, o.latencySeconds, `l${key}`);
          inRelay[key] = r;
          o.log(`  ${engine} flag->webhook at ${rate}/s, worker in the relay: p50 ${r.p50Ms} ms p99 ${r.p99Ms} ms max ${r.maxMs} ms (${r.webhooksMatched}/${r.flagsAccepted} matched, ${r.ingestFailed} failed)`);
        }
      } finally {
        await relay.stop();
      }
      relay = await spawnRelay(store, { env: { ...BENCH_ENV, EYE_WEBHOOK_WORKER: '0' } });
      const worker = await spawnRelay(store, { env: { ...BENCH_ENV, EYE_CHILD_ROLE: 'worker' } });
      try {
        for (const [key, rate] of rates) {
          await untilDrained(store, 180_000, o.log);
          const r = await flagToWebhook(relay.url, itemAt(receivers.list, 0, 'receivers'), sessions, rate, o.latencySeconds, `w${key}`);
          separate[key] = r;
          o.log(`  ${engine} flag->webhook at ${rate}/s, eye-relay worker process: p50 ${r.p50Ms} ms p99 ${r.p99Ms} ms max ${r.maxMs} ms (${r.webhooksMatched}/${r.flagsAccepted} matched, ${r.ingestFailed} failed)`);
        }
      } finally {
        await worker.stop();
        await relay.stop();
      }
    } finally {
      await store.destroy();
    }
    const one = byEndpoints['1'] ?? Object.values(byEndpoints)[0];
    return {
      byEndpoints,
      // The 1-endpoint figures under the names earlier runs used.
      backlog: one?.backlog,
      plainLoop: one?.plainLoop,
      latency: inRelay.steady,
      inRelay: { ingestCapacity: o.ingestCapacity ?? null, byRate: inRelay },
      separateWorker: { ingestCapacity: o.ingestCapacity ?? null, byRate: separate },
    };
  } finally {
    await receivers.close();
  }
}

/** Flags at a steady `rate` for `seconds`; each webhook's arrival matched to its flag's answer. */
async function flagToWebhook(url: string, receiver: Receiver, sessions: Session[], rate: number, seconds: number, prefix: string) {
  const accepted = new Map<string, number>();
  const sent = receiver.requests.length;
  const load = await openLoop({
    baseUrl: url,
    rate,
    durationMs: seconds * 1000,
    next: (i) => jsonFlag(itemAt(sessions, i % sessions.length, 'sessions'), `${prefix}-${i}`, Math.floor(i / sessions.length)),
    onAnswer: (i, a) => {
      if (a.status === 201) accepted.set(`${prefix}-${i}`, Date.now());
    },
  });
  const marker = `"flag_id":"${prefix}-`;
  // The receiver calls this on every request it records: count incrementally, since a rescan of
  // all of them each time (quadratic: ~10^9 body scans for 44,000 flags) kept this process, which
  // also sends the flags and answers the webhooks, so busy that it set the latency it measured.
  let scanned = sent;
  let arrived = 0;
  await receiver
    .waitFor((reqs) => {
      for (; scanned < reqs.length; scanned++) if (reqs[scanned]?.body.includes(marker)) arrived++;
      return arrived >= accepted.size;
    }, 60_000)
    .catch(() => {});
  const lat: number[] = [];
  const seen = new Set<string>();
  const re = new RegExp(`"flag_id":"(${prefix}-\\d+)"`);
  for (const r of receiver.requests.slice(sent)) {
    const m = re.exec(r.body);
    const flagId = m?.[1];
    if (flagId === undefined || seen.has(flagId)) continue;
    seen.add(flagId);
    const t = accepted.get(flagId);
    if (t !== undefined) lat.push(r.receivedAt - t);
  }
  const stats = latencyStats(lat);
  return { rate, seconds, flagsAccepted: accepted.size, webhooksMatched: seen.size, p50Ms: stats.p50, p99Ms: stats.p99, maxMs: stats.max, ingestFailed: load.failed, ingestStatuses: load.statuses };
}
/** RSS with each count of live sessions, one fresh relay each. */
export async function benchMemory(engine: Engine, o: { sessions: number[]; periodS: number; periods: number; log: (l: string) => void }) {
  const bySessions: Record<string, Awaited<ReturnType<typeof memoryWith>>> = {};
  for (const n of o.sessions) bySessions[String(n)] = await memoryWith(engine, { ...o, sessions: n });
  return { bySessions };
}

/**
 * `sessions` sessions, each holding its own keep-alive connection (one browser each) and posting
 * a flag every `periodS` seconds at a random phase, for `periods` periods. RSS read from /proc.
 */
async function memoryWith(engine: Engine, o: { sessions: number; periodS: number; periods: number; log: (l: string) => void }) {
  return withRelay(engine, {}, async (relay) => {
    const idleRss = relay.rss();
    const setupAgent = keepAliveAgent(16);
    const sessions = await createSessions(relay.url, apiKeyOf(relay), o.sessions, 16, setupAgent);
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

