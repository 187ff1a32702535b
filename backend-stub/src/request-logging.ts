import { LogController } from 'fastify';

/** Flag posts (and the bench's no-op route): the relay's hot path, thousands per second at scale. */
const HOT_PATH = /^\/(v1\/sessions\/[^/?]+\/flags|bench\/noop)(\?|$)/;

/**
 * Fastify's "incoming request" / "request completed" lines, except on the hot path at levels above
 * debug: two log lines per flag cost more than the no-op route itself. Failed flag posts are still
 * logged (errors.ts logs every 4xx / 5xx answer with its reason), and `LOG_LEVEL=debug` brings the
 * per-request lines back.
 */
export function requestLogController(level: string): LogController {
  if (level === 'debug' || level === 'trace') return new LogController();
  return new LogController({ disableRequestLogging: (req: { method?: string; url?: string }) => req.method === 'POST' && HOT_PATH.test(req.url ?? '') });
}
