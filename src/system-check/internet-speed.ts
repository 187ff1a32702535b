import { slowNetworkFix } from './fixes.js';
import { median, round } from './stats.js';
import { abortError, failed, type CheckOutcome } from './types.js';
import { errorMessage, errorName } from '../errors.js';

/** Pass marks for the connection; the exam needs little bandwidth but a usable round trip. */
export interface SpeedThresholds {
  /** Median round trip to the relay, at most. */
  maxLatencyMs: number;
  /** Download throughput, at least (Mbit/s). */
  minDownloadMbps: number;
  /** Upload throughput, at least (Mbit/s): snapshots and audio clips go up. */
  minUploadMbps: number;
}

export const DEFAULT_SPEED_THRESHOLDS: SpeedThresholds = { maxLatencyMs: 600, minDownloadMbps: 1, minUploadMbps: 0.5 };

export interface SpeedMeasurement {
  latencyMs: number;
  downloadMbps: number;
  uploadMbps: number;
  /** Bytes moved by the transfer each throughput comes from. */
  downloadBytes: number;
  uploadBytes: number;
  /** Measurements made in each direction (more than one only when the first fell short). */
  downloadSamples: number;
  uploadSamples: number;
}

export interface SpeedTestOptions {
  thresholds?: Partial<SpeedThresholds>;
  pings?: number;
  /** Transfers grow from 64 KiB until one takes `targetMs` or reaches these caps (the relay caps too). */
  maxDownloadBytes?: number;
  maxUploadBytes?: number;
  targetMs?: number;
  /**
   * A direction below its threshold is measured again, up to this many times in all (default 3),
   * and its best measurement counts: one transfer slowed by a busy machine or a burst of other
   * traffic must not tell a candidate their connection is too slow.
   */
  samples?: number;
  timeoutMs?: number;
  fetch?: typeof fetch;
  signal?: AbortSignal;
}

const MBIT = 1_000_000;
const START_BYTES = 64 * 1024;

function speedUrl(relayUrl: string, path: string): string {
  return `${relayUrl.replace(/\/+$/, '')}/v1/speedtest/${path}`;
}

/** `signal` or a timeout, whichever fires first (without AbortSignal.any/timeout: Safari < 17.4). */
function linked(signal: AbortSignal | undefined, timeoutMs: number): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const timer = setTimeout(() => { controller.abort(new DOMException('The connection test timed out', 'TimeoutError')); }, timeoutMs);
  const onAbort = () => { controller.abort(signal?.reason ?? new DOMException('The check was cancelled', 'AbortError')); };
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  const dispose = () => {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  };
  controller.signal.addEventListener('abort', dispose, { once: true });
  return { signal: controller.signal, dispose };
}

const noStore: RequestInit = { cache: 'no-store', credentials: 'omit', mode: 'cors' };

function ensureOk(res: Response, what: string): Response {
  if (!res.ok) throw new Error(`${what} answered HTTP ${res.status}`);
  return res;
}

/** Median round-trip time of `count` tiny requests (the first warms up the connection and is dropped). */
export async function measureLatency(relayUrl: string, count: number, f: typeof fetch, signal: AbortSignal): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i <= count; i++) {
    const t0 = performance.now();
    const res = ensureOk(await f(`${speedUrl(relayUrl, 'ping')}?n=${i}-${Date.now()}`, { ...noStore, signal }), 'ping');
    await res.arrayBuffer();
    if (i > 0) samples.push(performance.now() - t0);
  }
  return median(samples);
}

async function downloadOnce(relayUrl: string, bytes: number, f: typeof fetch, signal: AbortSignal): Promise<{ bytes: number; ms: number }> {
  const t0 = performance.now();
  const res = ensureOk(await f(`${speedUrl(relayUrl, 'download')}?bytes=${bytes}&n=${Date.now()}`, { ...noStore, signal }), 'download');
  let received = 0;
  if (!res.body) throw new Error('download answered without a body');
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.byteLength;
  }
  return { bytes: received, ms: performance.now() - t0 };
}

function randomPayload(bytes: number): Uint8Array<ArrayBuffer> {
  // Random, so no proxy or transport compression can flatter the result.
  const out = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(bytes, i + 65536)));
  return out;
}

async function uploadOnce(relayUrl: string, body: Uint8Array<ArrayBuffer>, f: typeof fetch, signal: AbortSignal): Promise<{ bytes: number; ms: number }> {
  const t0 = performance.now();
  const res = ensureOk(
    await f(speedUrl(relayUrl, 'upload'), { ...noStore, method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body, signal }),
    'upload',
  );
  const json = (await res.json()) as { bytes?: number };
  const ms = performance.now() - t0;
  if (json.bytes !== body.byteLength) throw new Error(`upload: the relay received ${json.bytes} of ${body.byteLength} bytes`);
  return { bytes: body.byteLength, ms };
}

/**
 * Grows the transfer from `startBytes` until it lasts `targetMs` (short transfers measure mostly
 * latency), then reports the throughput of the last one with one round trip subtracted.
 */
async function rampUp(
  once: (bytes: number) => Promise<{ bytes: number; ms: number }>,
  startBytes: number,
  maxBytes: number,
  targetMs: number,
  latencyMs: number,
): Promise<{ mbps: number; bytes: number }> {
  let size = Math.min(startBytes, maxBytes);
  for (;;) {
    const r = await once(size);
    const seconds = Math.max(r.ms - latencyMs, r.ms / 2, 1) / 1000;
    if (r.ms >= targetMs || size >= maxBytes) return { mbps: (r.bytes * 8) / seconds / MBIT, bytes: r.bytes };
    // Aim straight for the target from what this transfer showed, at most 8x bigger per step.
    size = Math.min(maxBytes, Math.ceil(size * Math.min(8, Math.max(2, targetMs / Math.max(r.ms, 1)))));
  }
}

/**
 * Throughput in one direction: ramped up once; while it stays below `minMbps`, measured again
 * (ramping on from the last size, so a transfer cut short by one slow moment grows back to
 * `targetMs`) up to `samples` times in all. The best measurement counts: a connection that
 * manages the rate once can carry the exam's uploads, a truly slow one never does.
 */
async function throughput(
  once: (bytes: number) => Promise<{ bytes: number; ms: number }>,
  maxBytes: number,
  targetMs: number,
  latencyMs: number,
  minMbps: number,
  samples: number,
): Promise<{ mbps: number; bytes: number; samples: number }> {
  let last = await rampUp(once, START_BYTES, maxBytes, targetMs, latencyMs);
  let best = last;
  let made = 1;
  while (best.mbps < minMbps && made < samples) {
    last = await rampUp(once, last.bytes, maxBytes, targetMs, latencyMs);
    made++;
    if (last.mbps > best.mbps) best = last;
  }
  return { ...best, samples: made };
}

export async function measureSpeed(relayUrl: string, options: SpeedTestOptions = {}): Promise<SpeedMeasurement> {
  const f = options.fetch ?? globalThis.fetch.bind(globalThis);
  const t = { ...DEFAULT_SPEED_THRESHOLDS, ...options.thresholds };
  const { signal, dispose } = linked(options.signal, options.timeoutMs ?? 30_000);
  const targetMs = options.targetMs ?? 1500;
  const samples = Math.max(1, options.samples ?? 3);
  try {
    const latencyMs = await measureLatency(relayUrl, options.pings ?? 5, f, signal);
    const down = await throughput(
      (b) => downloadOnce(relayUrl, b, f, signal),
      options.maxDownloadBytes ?? 16 * 1024 * 1024,
      targetMs,
      latencyMs,
      t.minDownloadMbps,
      samples,
    );
    const up = await throughput(
      (b) => uploadOnce(relayUrl, randomPayload(b), f, signal),
      options.maxUploadBytes ?? 4 * 1024 * 1024,
      targetMs,
      latencyMs,
      t.minUploadMbps,
      samples,
    );
    return {
      latencyMs,
      downloadMbps: down.mbps,
      uploadMbps: up.mbps,
      downloadBytes: down.bytes,
      uploadBytes: up.bytes,
      downloadSamples: down.samples,
      uploadSamples: up.samples,
    };
  } finally {
    dispose();
  }
}

const bestOf = (samples: number) => (samples > 1 ? `, best of ${samples} measurements` : '');

function mbps(v: number): string {
  return `${v >= 100 ? Math.round(v) : round(v, 1)} Mbit/s`;
}

/** Internet check: latency, download and upload against the relay's speed-test routes. */
export async function checkInternetSpeed(relayUrl: string | null | undefined, options: SpeedTestOptions = {}): Promise<CheckOutcome> {
  const t = { ...DEFAULT_SPEED_THRESHOLDS, ...options.thresholds };
  if (!relayUrl) {
    return failed('internetSpeed', 'no-relay', 'No proctoring server address was configured, so the connection cannot be tested.',
      'This is a setup problem on the exam page, not on your computer: tell your exam administrator (the page needs a relay URL).');
  }
  let m: SpeedMeasurement;
  try {
    m = await measureSpeed(relayUrl, options);
  } catch (err) {
    if (errorName(err) === 'AbortError' && options.signal?.aborted) throw abortError();
    const timedOut = errorName(err) === 'TimeoutError';
    return failed('internetSpeed', timedOut ? 'timeout' : 'unreachable',
      timedOut ? 'The connection test took too long.' : 'The proctoring server could not be reached.',
      slowNetworkFix(timedOut ? 'download' : 'unreachable'),
      [{ label: 'Error', value: errorMessage(err) }]);
  }
  const details = [
    { label: 'Latency', value: `${Math.round(m.latencyMs)} ms (max ${t.maxLatencyMs})` },
    { label: 'Download', value: `${mbps(m.downloadMbps)} (min ${t.minDownloadMbps})${bestOf(m.downloadSamples)}` },
    { label: 'Upload', value: `${mbps(m.uploadMbps)} (min ${t.minUploadMbps})${bestOf(m.uploadSamples)}` },
  ];
  const problems: ('latency' | 'download' | 'upload')[] = [];
  if (m.latencyMs > t.maxLatencyMs) problems.push('latency');
  if (m.downloadMbps < t.minDownloadMbps) problems.push('download');
  if (m.uploadMbps < t.minUploadMbps) problems.push('upload');
  const [firstProblem] = problems;
  if (firstProblem) {
    const words = { latency: 'slow to respond', download: 'slow to download', upload: 'slow to upload' };
    return { ...failed('internetSpeed', problems.join(','), `Your connection is ${problems.map((p) => words[p]).join(' and ')}.`,
      slowNetworkFix(problems.includes('upload') ? 'upload' : firstProblem), details), values: { ...m } };
  }
  return { name: 'internetSpeed', status: 'success', message: 'Your connection is fast enough.', details, values: { ...m } };
}
