/**
 * Webhook engine settings: environment variables, with overrides from buildServer options
 * (tests use a fast retry schedule, a short timeout and allow loopback http receivers).
 */
import { readFileSync } from 'node:fs';
import { DNS_CACHE_DEFAULTS } from './dns-cache.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './schedule.js';
import type { TargetPolicy } from './ssrf.js';

export interface WebhookSettings {
  /** Which targets are allowed (https + public addresses unless relaxed). */
  targets: TargetPolicy;
  retry: RetryPolicy;
  /** A delivery succeeds on 2xx within this many ms (DESIGN.md: 5 s). */
  timeoutMs: number;
  /** Fallback poll for due deliveries when no wake-up arrives. */
  pollIntervalMs: number;
  /** Attempts in flight per worker. */
  concurrency: number;
  /** Attempts in flight per worker and endpoint. */
  perEndpointConcurrency: number;
  /** A claimed delivery whose worker died is reclaimed after this long. */
  leaseMs: number;
  /**
   * After a claim that left busy endpoints out and found nothing, the next claim with the same
   * endpoints left out waits this long, whatever wakes the worker meanwhile (worker.ts).
   */
  fruitlessClaimPauseMs: number;
  /**
   * After a claim that read every due delivery it could take (fewer than its candidate window),
   * the next claim waits until this long after it, so that the deliveries of the flags committed meanwhile
   * share one claim (worker.ts). The most a new delivery waits for its claim because of it.
   */
  claimCoalesceMs: number;
  /** How long the previous secret keeps signing after a rotation. */
  rotationGraceMs: number;
  /** Events stay replayable this long after their session ended; then the retention job purges them and the media. */
  retentionMs: number;
  retentionIntervalMs: number;
  /** Extra trusted CA certificates (PEM) for https targets, on top of Node's root store (private PKI, tests). */
  extraCa: string | null;
  /** How long the worker uses a webhook host's DNS answer before asking again (dns-cache.ts); 0 = every attempt. */
  dnsCacheMs: number;
  /** Start the delivery worker and retention job with the server. */
  worker: boolean;
  /** PostgreSQL: also LISTEN for NOTIFY wake-ups (other processes' commits). */
  listen: boolean;
  /**
   * SQLite: also wake on changes of the database's WAL file, i.e. on other processes' commits (on
   * for `eye-relay worker`, beside relays at EYE_WEBHOOK_WORKER=0; a relay's own worker is told
   * in-process and would only wake for its own writes).
   */
  watchWal: boolean;
}

export type WebhookSettingsInput = Partial<Omit<WebhookSettings, 'targets' | 'retry'>> & {
  targets?: Partial<TargetPolicy>;
  retry?: Partial<RetryPolicy>;
};

function bool(v: string | undefined): boolean | undefined {
  if (v === undefined || v === '') return undefined;
  return ['1', 'true', 'yes', 'on'].includes(v.toLowerCase());
}

function atLeastOne(n: number | undefined, name: string): number | undefined {
  if (n !== undefined && n < 1) throw new Error(`${name} must be at least 1`);
  return n;
}

function int(v: string | undefined, name: string): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got ${JSON.stringify(v)}`);
  return n;
}

/** `30s,5m,30m` or `200,400,800` (ms) -> ms list. */
export function parseSchedule(text: string): number[] {
  return text.split(',').map((part) => {
    const m = /^\s*(\d+)\s*(ms|s|m|h)?\s*$/.exec(part);
    if (!m) throw new Error(`EYE_WEBHOOK_RETRY_SCHEDULE: cannot parse ${JSON.stringify(part)} (use e.g. 30s,5m,30m)`);
    const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 'ms') as 'ms' | 's' | 'm' | 'h'];
    return Number(m[1]) * unit;
  });
}

/**
 * Env: EYE_WEBHOOK_ALLOW_HTTP, EYE_WEBHOOK_ALLOW_LOOPBACK, EYE_WEBHOOK_ALLOW_PRIVATE (default off,
 * on for loopback http with --demo), EYE_WEBHOOK_RETRY_SCHEDULE (default 30s,5m,30m),
 * EYE_WEBHOOK_TIMEOUT_MS (5000), EYE_WEBHOOK_POLL_MS (1000), EYE_WEBHOOK_WORKER (1),
 * EYE_WEBHOOK_CA_FILE (PEM of extra CAs trusted for https targets), EYE_WEBHOOK_CONCURRENCY
 * (attempts in flight per relay, 32), EYE_WEBHOOK_PER_ENDPOINT (of which at most this many to one
 * endpoint, 16: a slow receiver cannot hold every slot), EYE_WEBHOOK_DNS_CACHE_MS (30000: how long
 * a host name's answer is used before it is asked again; 0 = at every attempt).
 */
export function loadWebhookSettings(env: NodeJS.ProcessEnv, demo: boolean, input: WebhookSettingsInput = {}): WebhookSettings {
  const timeoutMs = input.timeoutMs ?? int(env.EYE_WEBHOOK_TIMEOUT_MS, 'EYE_WEBHOOK_TIMEOUT_MS') ?? 5000;
  const schedule = env.EYE_WEBHOOK_RETRY_SCHEDULE ? parseSchedule(env.EYE_WEBHOOK_RETRY_SCHEDULE) : DEFAULT_RETRY_POLICY.scheduleMs;
  return {
    targets: {
      allowHttp: bool(env.EYE_WEBHOOK_ALLOW_HTTP) ?? demo,
      allowLoopback: bool(env.EYE_WEBHOOK_ALLOW_LOOPBACK) ?? demo,
      allowPrivate: bool(env.EYE_WEBHOOK_ALLOW_PRIVATE) ?? false,
      ...input.targets,
    },
    retry: { ...DEFAULT_RETRY_POLICY, scheduleMs: schedule, ...input.retry },
    timeoutMs,
    pollIntervalMs: input.pollIntervalMs ?? int(env.EYE_WEBHOOK_POLL_MS, 'EYE_WEBHOOK_POLL_MS') ?? 1000,
    concurrency: input.concurrency ?? atLeastOne(int(env.EYE_WEBHOOK_CONCURRENCY, 'EYE_WEBHOOK_CONCURRENCY'), 'EYE_WEBHOOK_CONCURRENCY') ?? 32,
    perEndpointConcurrency: input.perEndpointConcurrency ?? atLeastOne(int(env.EYE_WEBHOOK_PER_ENDPOINT, 'EYE_WEBHOOK_PER_ENDPOINT'), 'EYE_WEBHOOK_PER_ENDPOINT') ?? 16,
    leaseMs: input.leaseMs ?? timeoutMs + 30_000,
    fruitlessClaimPauseMs: input.fruitlessClaimPauseMs ?? 25,
    claimCoalesceMs: input.claimCoalesceMs ?? 5,
    rotationGraceMs: input.rotationGraceMs ?? 24 * 3_600_000,
    retentionMs: input.retentionMs ?? 72 * 3_600_000,
    retentionIntervalMs: input.retentionIntervalMs ?? 3_600_000,
    extraCa: input.extraCa ?? (env.EYE_WEBHOOK_CA_FILE ? readFileSync(env.EYE_WEBHOOK_CA_FILE, 'utf8') : null),
    dnsCacheMs: input.dnsCacheMs ?? int(env.EYE_WEBHOOK_DNS_CACHE_MS, 'EYE_WEBHOOK_DNS_CACHE_MS') ?? DNS_CACHE_DEFAULTS.ttlMs,
    worker: input.worker ?? bool(env.EYE_WEBHOOK_WORKER) ?? true,
    listen: input.listen ?? true,
    watchWal: input.watchWal ?? false,
  };
}
