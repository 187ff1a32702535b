/**
 * Throughput measurement for the bench: autocannon (a standard HTTP load generator, so figures
 * compare with other projects') or the in-house closed loop (backend-stub/src/reliability/http-load.ts),
 * run in interleaved rounds so every variant sees the same machine state, with the relay
 * processes' CPU time per answered request read from /proc.
 */
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { closedLoop, type RequestSpec } from '../../backend-stub/src/reliability/http-load.js';

/** One measured window. */
export interface RunResult {
  ok: number;
  failed: number;
  statuses: Record<string, number>;
  seconds: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface Measured {
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  ok: number;
  failed: number;
  statuses: Record<string, number>;
  /** Relay CPU time (user + system, every relay process of the variant) per 2xx answer. */
  cpuMsPerRequest: number;
  /** Relay CPU seconds per wall-clock second. */
  cpuCores: number;
  rounds: number;
  seconds: number;
}

export interface Variant {
  name: string;
  /** Relay processes whose CPU time is charged to this variant. */
  pids: number[];
  run: (seconds: number) => Promise<RunResult>;
}

/** A generator of distinct requests (`i` counts across rounds, so flag ids stay unique). */
export function sequence(fn: (i: number) => RequestSpec): () => RequestSpec {
  let i = 0;
  return () => fn(i++);
}

/**
 * autocannon with `connections` keep-alive connections to each target at once (two relays:
 * connections alternate between them); every request is built by `next`.
 */
export function cannon(targets: { url: string; connections: number }[], next: () => RequestSpec): (seconds: number) => Promise<RunResult> {
  return async (seconds) => {
    const runs = await Promise.all(
      targets.map((t) =>
        autocannon({
          url: t.url,
          connections: t.connections,
          duration: seconds,
          timeout: 30,
          requests: [
            {
              setupRequest: (req) => {
                const s = next();
                return { ...req, method: s.method, path: s.path, headers: { ...(s.headers ?? {}) }, body: s.body };
              },
            },
          ],
        }),
      ),
    );
    const statuses: Record<string, number> = {};
    for (const r of runs) for (const [k, v] of Object.entries(r.statusCodeStats)) statuses[k] = (statuses[k] ?? 0) + v.count;
    const ok = runs.reduce((a, r) => a + r['2xx'], 0);
    return {
      ok,
      failed: runs.reduce((a, r) => a + r.non2xx + r.errors + r.timeouts, 0),
      statuses,
      seconds: Math.max(...runs.map((r) => r.duration)),
      p50Ms: runs.reduce((a, r) => a + r.latency.p50 * r['2xx'], 0) / Math.max(1, ok),
      p99Ms: Math.max(...runs.map((r) => r.latency.p99)),
      maxMs: Math.max(...runs.map((r) => r.latency.max)),
    };
  };
}

/** The in-house closed loop (node:http keep-alive), same shape as `cannon`. */
export function httpLoad(url: string, connections: number, next: () => RequestSpec): (seconds: number) => Promise<RunResult> {
  return async (seconds) => {
    const r = await closedLoop({ baseUrl: url, concurrency: connections, durationMs: seconds * 1000, next });
    return { ok: r.ok, failed: r.failed, statuses: r.statuses, seconds: r.durationMs / 1000, p50Ms: r.latency.p50, p99Ms: r.latency.p99, maxMs: r.latency.max };
  };
}

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat (Linux). */
export function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}
/** CPU seconds (user + system) this process has used so far (finer than /proc's ticks). */
export function ownCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}
/** USER_HZ: 100 on every Linux build Node supports. */
const CLOCK_TICKS_PER_SECOND = 100;

const cpuOf = (pids: number[]) => pids.reduce((a, p) => a + cpuSecondsOf(p), 0);

/**
 * Each variant once unmeasured (`warmupSeconds`), then `rounds` rounds of every variant in turn
 * (`seconds` split over the rounds). Rate = 2xx answers / measured seconds over all rounds; p50 is
 * the answer-weighted mean of the rounds', p99 and max the worst round's.
 */
export async function interleaved(variants: Variant[], o: { seconds: number; rounds: number; warmupSeconds: number }): Promise<Record<string, Measured>> {
  for (const v of variants) if (o.warmupSeconds > 0) await v.run(o.warmupSeconds);
  const acc = new Map<string, { runs: RunResult[]; cpu: number }>(variants.map((v) => [v.name, { runs: [], cpu: 0 }]));
  const per = o.seconds / o.rounds;
  for (let r = 0; r < o.rounds; r++) {
    for (const v of variants) {
      const cpu0 = cpuOf(v.pids);
      const run = await v.run(per);
      const a = acc.get(v.name);
      if (!a) throw new Error(`load variant ${v.name} has no accumulator`);
      a.cpu += cpuOf(v.pids) - cpu0;
      a.runs.push(run);
    }
  }
  const out: Record<string, Measured> = {};
  for (const [name, { runs, cpu }] of acc) {
    const ok = runs.reduce((a, r) => a + r.ok, 0);
    const seconds = runs.reduce((a, r) => a + r.seconds, 0);
    const statuses: Record<string, number> = {};
    for (const r of runs) for (const [k, n] of Object.entries(r.statuses)) statuses[k] = (statuses[k] ?? 0) + n;
    out[name] = {
      perSecond: ok / seconds,
      p50Ms: runs.reduce((a, r) => a + r.p50Ms * r.ok, 0) / Math.max(1, ok),
      p99Ms: Math.max(...runs.map((r) => r.p99Ms)),
      maxMs: Math.max(...runs.map((r) => r.maxMs)),
      ok,
      failed: runs.reduce((a, r) => a + r.failed, 0),
      statuses,
      cpuMsPerRequest: (cpu * 1000) / Math.max(1, ok),
      cpuCores: cpu / seconds,
      rounds: runs.length,
      seconds,
    };
  }
  return out;
}
