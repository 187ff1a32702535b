/**
 * Retry policy. An attempt succeeds on a 2xx within the timeout. After failure n (1-based) the next
 * attempt waits `schedule[n-1]` ms, jittered by ±jitter (a fraction), unless the response carried a
 * `Retry-After` (seconds or HTTP date), which wins, capped at `maxRetryAfterMs`. After
 * `schedule.length` retries have failed too, the delivery is undelivered (kept, replayable).
 * `410 Gone` stops at once and disables the endpoint.
 */

/** Default: 30 s, 5 min, 30 min (DESIGN.md). */
export const DEFAULT_RETRY_SCHEDULE_MS: readonly number[] = [30_000, 5 * 60_000, 30 * 60_000];
import { now as clockNow } from '../clock.js';
export const DEFAULT_JITTER = 0.1;
export const DEFAULT_MAX_RETRY_AFTER_MS = 24 * 60 * 60_000;

export interface RetryPolicy {
  scheduleMs: readonly number[];
  /** Fraction in [0, 1): each delay is multiplied by a random factor in [1 - jitter, 1 + jitter]. */
  jitter: number;
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  scheduleMs: DEFAULT_RETRY_SCHEDULE_MS,
  jitter: DEFAULT_JITTER,
  maxRetryAfterMs: DEFAULT_MAX_RETRY_AFTER_MS,
};

export function isSuccess(statusCode: number | null): boolean {
  return statusCode !== null && statusCode >= 200 && statusCode < 300;
}

/** Parse `Retry-After` (delta-seconds or HTTP-date) into ms from `now`; null when absent/invalid. */
export function parseRetryAfter(value: string | null | undefined, now: number = clockNow()): number | null {
  if (!value) return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now);
}

export type NextStep = { kind: 'retry'; delayMs: number } | { kind: 'give_up' } | { kind: 'disable_endpoint' };

/**
 * What to do after failed attempt number `attempt` (1-based).
 * `random` is injectable so tests can check the jitter bounds deterministically.
 */
export function nextStepAfterFailure(
  attempt: number,
  statusCode: number | null,
  retryAfter: string | null,
  policy: RetryPolicy,
  now: number = clockNow(),
  random: () => number = Math.random,
): NextStep {
  if (statusCode === 410) return { kind: 'disable_endpoint' };
  if (attempt > policy.scheduleMs.length) return { kind: 'give_up' };
  const fromHeader = parseRetryAfter(retryAfter, now);
  if (fromHeader !== null) return { kind: 'retry', delayMs: Math.min(fromHeader, policy.maxRetryAfterMs) };
  const base = policy.scheduleMs[attempt - 1];
  if (base === undefined) return { kind: 'give_up' };
  const factor = 1 + policy.jitter * (2 * random() - 1);
  return { kind: 'retry', delayMs: Math.max(0, Math.round(base * factor)) };
}
