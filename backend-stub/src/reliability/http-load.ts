/**
 * A small HTTP load generator over node:http keep-alive sockets: closed loop (N workers, each
 * sends the next request when its previous one answered) or open loop (a fixed request rate,
 * independent of answers). Bounded by count and time; latencies in ms.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';

export interface RequestSpec {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  path: string;
  headers?: Record<string, string | number>;
  body?: Buffer | string;
}

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** One request on `agent` (keep-alive pool); rejects only on network errors. */
export function request(baseUrl: string, spec: RequestSpec, agent?: http.Agent, timeoutMs = 30_000): Promise<HttpAnswer> {
  const u = new URL(spec.path, baseUrl);
  return new Promise((resolve, reject) => {
    const body = spec.body === undefined ? undefined : Buffer.isBuffer(spec.body) ? spec.body : Buffer.from(spec.body, 'utf8');
    const headers: Record<string, string | number> = { ...spec.headers };
    if (body && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-length')) headers['content-length'] = body.length;
    const req = http.request(
      { host: u.hostname, port: u.port, path: u.pathname + u.search, method: spec.method, headers, agent: agent ?? false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => { resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }); });
        res.on('error', reject);
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`request timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

export function keepAliveAgent(maxSockets: number): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? NaN;
}

export interface LatencyStats {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export function latencyStats(samples: number[]): LatencyStats {
  const s = [...samples].sort((a, b) => a - b);
  const sum = s.reduce((a, b) => a + b, 0);
  return { count: s.length, p50: percentile(s, 50), p90: percentile(s, 90), p99: percentile(s, 99), max: s[s.length - 1] ?? NaN, mean: s.length ? sum / s.length : NaN };
}

export interface LoadResult {
  /** Requests answered 2xx. */
  ok: number;
  /** Non-2xx answers and network errors. */
  failed: number;
  statuses: Record<string, number>;
  /** First few failures, for diagnosis. */
  failures: string[];
  durationMs: number;
  /** 2xx answers per second over the measured window. */
  perSecond: number;
  latency: LatencyStats;
}

export interface ClosedLoopOptions {
  baseUrl: string;
  concurrency: number;
  /** Stop starting requests after this long (ms) ... */
  durationMs: number;
  /** ... or after this many, whichever comes first. */
  maxRequests?: number;
  /** Requests during the first warmupMs are sent but not measured. */
  warmupMs?: number;
  next: (i: number) => RequestSpec;
  /** Called with every 2xx answer (e.g. to record accepted flag ids). */
  onAnswer?: (i: number, answer: HttpAnswer, sentAt: number, answeredAt: number) => void;
}

function tally(statuses: Record<string, number>, key: string): void {
  statuses[key] = (statuses[key] ?? 0) + 1;
}

/** `concurrency` workers, each one request at a time, for `durationMs`. */
export async function closedLoop(o: ClosedLoopOptions): Promise<LoadResult> {
  const agent = keepAliveAgent(o.concurrency);
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const failures: string[] = [];
  let ok = 0;
  let failed = 0;
  let i = 0;
  const start = performance.now();
  const measureFrom = start + (o.warmupMs ?? 0);
  const stopAt = measureFrom + o.durationMs;
  const max = o.maxRequests ?? Infinity;
  const worker = async () => {
    while (performance.now() < stopAt && i < max) {
      const n = i++;
      const t0 = performance.now();
      try {
        const a = await request(o.baseUrl, o.next(n), agent);
        const t1 = performance.now();
        const measured = t0 >= measureFrom;
        if (measured) tally(statuses, String(a.status));
        if (a.status >= 200 && a.status < 300) {
          o.onAnswer?.(n, a, t0, t1);
          if (measured) {
            ok++;
            latencies.push(t1 - t0);
          }
        } else if (measured) {
          failed++;
          if (failures.length < 5) failures.push(`${a.status} ${a.body.toString('utf8').slice(0, 200)}`);
        }
      } catch (err) {
        failed++;
        tally(statuses, 'network_error');
        if (failures.length < 5) failures.push((err as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  const end = performance.now();
  agent.destroy();
  const durationMs = end - Math.min(end, measureFrom);
  return { ok, failed, statuses, failures, durationMs, perSecond: ok / (durationMs / 1000), latency: latencyStats(latencies) };
}

export interface OpenLoopOptions {
  baseUrl: string;
  /** Requests per second, evenly spaced. */
  rate: number;
  durationMs: number;
  /** Cap on requests in flight (beyond it the generator skips, counted as failed). */
  maxInFlight?: number;
  maxSockets?: number;
  next: (i: number) => RequestSpec;
  onAnswer?: (i: number, answer: HttpAnswer, sentAt: number, answeredAt: number) => void;
}

/** A steady `rate` of requests for `durationMs`, whatever the answers' latency. */
export async function openLoop(o: OpenLoopOptions): Promise<LoadResult> {
  const agent = keepAliveAgent(o.maxSockets ?? 64);
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const failures: string[] = [];
  const total = Math.floor((o.rate * o.durationMs) / 1000);
  const maxInFlight = o.maxInFlight ?? 1000;
  let ok = 0;
  let failed = 0;
  let inFlight = 0;
  const pending = new Set<Promise<void>>();
  const start = performance.now();
  for (let n = 0; n < total; n++) {
    const due = start + (n * 1000) / o.rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    if (inFlight >= maxInFlight) {
      failed++;
      tally(statuses, 'skipped');
      continue;
    }
    inFlight++;
    const t0 = performance.now();
    const p: Promise<void> = request(o.baseUrl, o.next(n), agent)
      .then(
        (a) => {
          const t1 = performance.now();
          tally(statuses, String(a.status));
          if (a.status >= 200 && a.status < 300) {
            ok++;
            latencies.push(t1 - t0);
            o.onAnswer?.(n, a, t0, t1);
          } else {
            failed++;
            if (failures.length < 5) failures.push(`${a.status} ${a.body.toString('utf8').slice(0, 200)}`);
          }
        },
        (err: unknown) => {
          failed++;
          tally(statuses, 'network_error');
          if (failures.length < 5) failures.push((err as Error).message);
        },
      )
      .finally(() => {
        inFlight--;
        pending.delete(p);
      });
    pending.add(p);
  }
  await Promise.all([...pending]);
  const durationMs = performance.now() - start;
  agent.destroy();
  return { ok, failed, statuses, failures, durationMs, perSecond: ok / (durationMs / 1000), latency: latencyStats(latencies) };
}
