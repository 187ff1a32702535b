import type { SystemCheckName } from '../events.js';
import { userMediaDevices } from '../platform.js';

export type { SystemCheckName } from '../events.js';

/** The four checks, in the order the candidate sees them. */
export const SYSTEM_CHECK_NAMES: readonly SystemCheckName[] = ['webcam', 'microphone', 'browser', 'internetSpeed'];
/** Every check, the opt-in ones included (`identity`: enrollment, see src/system-check/identity.ts). */
export const ALL_CHECK_NAMES: readonly SystemCheckName[] = [...SYSTEM_CHECK_NAMES, 'identity'];

/** A measured value shown next to a check (e.g. "Resolution: 1280 × 720"). */
export interface CheckDetail {
  label: string;
  value: string;
}

/** What one finished check found, in words a candidate understands. */
export interface CheckOutcome {
  name: SystemCheckName;
  status: 'success' | 'failed';
  /** One sentence: what was found. */
  message: string;
  /** What to do about a failure, step by step; absent on success. */
  fix?: string;
  /** Measurements behind the verdict. */
  details: CheckDetail[];
  /** The same measurements as numbers, for hosts and logs (e.g. `{ latencyMs, downloadMbps }`). */
  values?: Record<string, number>;
  /** Machine-readable failure reason (e.g. 'permission-denied', 'no-device', 'no-frames'). */
  reason?: string;
}

/** Injectable getUserMedia so a host (or a test) can decide where devices come from. */
export type GetUserMedia = (constraints: MediaStreamConstraints) => Promise<MediaStream>;

export function defaultGetUserMedia(): GetUserMedia | null {
  const md = userMediaDevices();
  return md ? (c) => md.getUserMedia(c) : null;
}

export function failed(
  name: SystemCheckName,
  reason: string,
  message: string,
  fix: string,
  details: CheckDetail[] = [],
): CheckOutcome {
  return { name, status: 'failed', reason, message, fix, details };
}

export function abortError(): DOMException {
  return new DOMException('The check was cancelled', 'AbortError');
}

/** Resolves after `ms`, rejects early with AbortError when `signal` aborts. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) { reject(abortError()); return; }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
