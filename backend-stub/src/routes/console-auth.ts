import type { FastifyPluginAsync } from 'fastify';
import { checkOrigin, cookieNames, csrfTokenFor, readCookie, requireReviewer, setSessionCookies } from '../console/auth.js';
import { audit } from '../console/audit.js';
import { PASSWORD_MAX } from '../console/passwords.js';
import { signIn, signOut } from '../console/sign-in.js';
import { httpError, HttpError } from '../errors.js';
import { routePlugin } from '../sync-plugin.js';

/** Sign-in, sign-out and "who am I" of the review console (cookie sessions, console/auth.ts). */
export const consoleAuthRoutes: FastifyPluginAsync = routePlugin((app) => {
  const hidden = { hide: true };

  app.post(
    '/console/api/sign-in',
    {
      // Per address, besides the per-account lockout: slows guessing across many accounts.
      config: { rateLimit: { max: 60, timeWindow: 60_000 } },
      schema: {
        ...hidden,
        body: {
          type: 'object',
          required: ['tenant', 'email', 'password'],
          additionalProperties: false,
          properties: {
            tenant: { type: 'string', minLength: 1, maxLength: 100 },
            email: { type: 'string', minLength: 3, maxLength: 320 },
            password: { type: 'string', minLength: 1, maxLength: PASSWORD_MAX },
          },
        },
      },
    },
    async (request, reply) => {
      checkOrigin(request);
      const { tenant, email, password } = request.body;
      try {
        const { token, reviewer, expiresAt } = await signIn(app.db, { tenantId: tenant, email, password, userAgent: request.headers['user-agent'] });
        setSessionCookies(request, reply, token);
        const who = { id: reviewer.id, tenantId: reviewer.tenant_id, email: reviewer.email, role: reviewer.role };
        await audit(app.db, who, { action: 'reviewer.signed_in', targetType: 'reviewer', targetId: reviewer.id });
        return { reviewer: who, csrfToken: csrfTokenFor(app.relayConfig.secret, token), expiresAt };
      } catch (err) {
        const retry = (err as HttpError & { retryAfterS?: number }).retryAfterS;
        if (err instanceof HttpError && retry) reply.header('retry-after', String(retry));
        throw err;
      }
    },
  );

  app.post('/console/api/sign-out', { onRequest: requireReviewer, schema: hidden }, async (request, reply) => {
    const token = readCookie(request, cookieNames(request).session);
    // requireReviewer (onRequest) already refused a request without one.
    if (token === undefined) throw httpError(401, 'not_signed_in', 'sign in to the console');
    await audit(app.db, request.reviewer, { action: 'reviewer.signed_out', targetType: 'reviewer', targetId: request.reviewer.id });
    await signOut(app.db, token);
    setSessionCookies(request, reply, null);
    return reply.code(204).send();
  });

  app.get('/console/api/me', { onRequest: requireReviewer, schema: hidden }, async (request, reply) => {
    const token = readCookie(request, cookieNames(request).session);
    // requireReviewer (onRequest) already refused a request without one.
    if (token === undefined) throw httpError(401, 'not_signed_in', 'sign in to the console');
    const tenant = await app.db.selectFrom('tenants').select(['id', 'name']).where('id', '=', request.reviewer.tenantId).executeTakeFirst();
    return reply.header('cache-control', 'no-store').send({ reviewer: request.reviewer, tenant, csrfToken: csrfTokenFor(app.relayConfig.secret, token) });
  });
});
