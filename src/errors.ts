/**
 * What a caught value says about itself, for messages and checks. A `catch` gets `unknown`: usually
 * an Error or DOMException, but a rejection can carry anything (a string, a plain object, undefined).
 */

/** The value's `message` when it has a non-nullish one, else the value itself, as a string. */
export function errorMessage(err: unknown): string {
  const message: unknown = typeof err === 'object' && err !== null ? (err as { message?: unknown }).message : undefined;
  return String(message ?? err);
}

/** The value's `name` (e.g. 'AbortError', 'NotAllowedError') when it has a string one. */
export function errorName(err: unknown): string | undefined {
  const name: unknown = typeof err === 'object' && err !== null ? (err as { name?: unknown }).name : undefined;
  return typeof name === 'string' ? name : undefined;
}
