export interface BackoffOptions {
  /** First retry waits around this long. */
  baseMs: number;
  /** No wait is longer than this. */
  maxMs: number;
  /** Growth per failed attempt. */
  factor: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1000, maxMs: 60_000, factor: 2 };

/**
 * Exponential backoff with "equal jitter": half the exponential step is fixed, half random. The
 * random half spreads a classroom of widgets that lost the network together, so they do not
 * all hit the relay in the same second when it returns; the fixed half keeps waits from collapsing
 * to zero. `attempt` counts failures so far (1 = first retry).
 */
export function backoffDelay(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF, random = Math.random): number {
  const step = Math.min(options.maxMs, options.baseMs * options.factor ** Math.max(0, attempt - 1));
  return Math.round(step / 2 + random() * (step / 2));
}
