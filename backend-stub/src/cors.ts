/**
 * CORS for every route, as one `onRequest` hook. The rule (`corsOriginAllowed`): with
 * ALLOWED_ORIGINS set, the listed origins (or any, with `*`) on every route; unset, any origin on
 * widget routes (they carry a session token or a signed URL, never cookies) and none on API-key
 * routes (server-to-server). An allowed origin is reflected, never answered with `*`, and no
 * credentials are allowed.
 *
 * Hand-written rather than @fastify/cors: a per-request rule there goes through its delegator,
 * which builds and spreads its options objects on every request (14 us of the relay's main
 * thread per flag, 5 % of a flag's time, in a profile under ingest load).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export const CORS_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE';
export const CORS_ALLOWED_HEADERS = 'Authorization, Content-Type, X-Api-Key';
export const CORS_EXPOSED_HEADERS = 'Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset';
/** Seconds a browser may cache a preflight answer. */
export const CORS_MAX_AGE_SECONDS = 600;

const WIDGET_ROUTE = /^\/(assets\/|v1\/media\/|v1\/reports\/|console\/assets\/|v1\/sessions\/[^/?]+\/(flags|token)(\?|$)|v1\/speedtest|healthz)/;

/** Routes a candidate's browser calls (token- or signed-URL-authenticated). */
export function isWidgetRoute(url: string): boolean {
  return WIDGET_ROUTE.test(url);
}

/** Whether a request from `origin` to `url` gets CORS headers; `allowed` is ALLOWED_ORIGINS (null: unset). */
export function corsOriginAllowed(origin: string | undefined, url: string, allowed: readonly string[] | null): boolean {
  if (!origin) return false;
  if (allowed) return allowed.includes('*') || allowed.includes(origin);
  return isWidgetRoute(url);
}

function answerPreflight(req: FastifyRequest, reply: FastifyReply): void {
  if (!req.headers['access-control-request-method']) {
    void reply.code(400).send({ error: 'invalid_preflight', message: 'an OPTIONS request with Origin must carry Access-Control-Request-Method' });
    return;
  }
  void reply
    .header('access-control-allow-methods', CORS_METHODS)
    .header('access-control-allow-headers', CORS_ALLOWED_HEADERS)
    .header('access-control-max-age', String(CORS_MAX_AGE_SECONDS))
    .header('content-length', '0') // Safari waits for a body on a 204 without it
    .code(204)
    .send();
}

/**
 * Adds the hook, and an `OPTIONS *` route so a preflight reaches it on every path (a preflight
 * from an origin that is not allowed then answers 404, like any unknown route).
 */
export function installCors(app: FastifyInstance, allowed: readonly string[] | null): void {
  app.addHook('onRequest', (req, reply, done) => {
    // The answer depends on Origin whatever it is: shared caches must keep them apart.
    void reply.header('vary', 'Origin');
    const origin = req.headers.origin;
    if (!corsOriginAllowed(origin, req.url, allowed)) {
      done();
      return;
    }
    void reply.header('access-control-allow-origin', origin).header('access-control-expose-headers', CORS_EXPOSED_HEADERS);
    if (req.method === 'OPTIONS') {
      answerPreflight(req, reply);
      return;
    }
    done();
  });
  app.options('*', { schema: { hide: true } }, (_req, reply) => {
    reply.callNotFound();
  });
}
