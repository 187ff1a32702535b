import type { IncomingMessage } from 'node:http';

/** A client that sends nothing for this long is not uploading any more: answer without waiting. */
export const DRAIN_IDLE_MS = 5000;

/**
 * Reads and discards what is left of a request body, up to `maxBytes`; resolves true once the body
 * has ended (or was already complete), false when it went over `maxBytes`, stalled for `idleMs`
 * (e.g. a Content-Length larger than what is sent) or the client went away.
 *
 * Why: an error answer (413, 401, ...) sent while the client is still uploading makes Node close
 * the connection under the client's feet; fetch/undici and browsers then report a network error
 * (EPIPE / reset) instead of the answer, and an outbox retries forever. Reading the rest first lets
 * every client read the answer. Bounded, so a client cannot make the relay read without end.
 */
export function drainRequest(req: IncomingMessage, maxBytes: number, idleMs = DRAIN_IDLE_MS): Promise<boolean> {
  if (req.complete) return Promise.resolve(true);
  if (req.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => {
    let seen = 0;
    const idle = setTimeout(() => { finish(false); }, idleMs);
    const finish = (ended: boolean) => {
      clearTimeout(idle);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('close', onClose);
      req.off('error', onClose);
      resolve(ended);
    };
    const onData = (chunk: Buffer | string) => {
      seen += chunk.length;
      if (seen > maxBytes) {
        finish(false);
        return;
      }
      idle.refresh();
    };
    const onEnd = () => { finish(true); };
    const onClose = () => { finish(req.complete); };
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('close', onClose);
    req.once('error', onClose);
    req.resume();
  });
}
