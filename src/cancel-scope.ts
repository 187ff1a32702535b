/**
 * The widget's one pattern for async work (start, media, checks, calibration) whose result may
 * come too late: a run takes `scope.signal` when it begins and, after every await, drops its
 * result if that signal was aborted. `cancel()` aborts every run begun so far; runs begun
 * afterwards get a fresh signal.
 */
/**
 * `signal.aborted`, read afresh. After an `await`, TypeScript keeps the narrowing of an earlier
 * `if (signal.aborted) return` (it cannot see the abort that happened meanwhile); a call is not narrowed.
 */
export function isAborted(signal: AbortSignal): boolean {
  return signal.aborted;
}

/**
 * What a promise aborted by `signal` rejects with: the reason given to `abort()` (the platform's
 * AbortError DOMException when none was given). Every abort in the widget passes an Error; any other
 * reason is wrapped in an AbortError DOMException carrying it as the message.
 */
export function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new DOMException(String(reason), 'AbortError');
}

export class CancelScope {
  #controller = new AbortController();

  /** The signal for a run beginning now. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Makes every run begun so far stale (their signal aborts with an AbortError). */
  cancel(): void {
    this.#controller.abort(new DOMException('cancelled', 'AbortError'));
    this.#controller = new AbortController();
  }
}
