import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import './app-types.js';
import { httpError } from './errors.js';
import { findTenantByKey } from './tenants.js';
import { syncPlugin } from './sync-plugin.js';
import { verifySessionToken, type SessionClaims } from './tokens.js';

function bearer(request: FastifyRequest): string | undefined {
  const h = request.headers.authorization;
  if (typeof h !== 'string') return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m?.[1];
}

/** The raw API key from `Authorization: Bearer <key>` or `X-Api-Key`. */
export function apiKeyOf(request: FastifyRequest): string | undefined {
  const x = request.headers['x-api-key'];
  if (typeof x === 'string' && x.trim()) return x.trim();
  return bearer(request);
}

/**
 * `onRequest` hook of the API-key route group (routes/index.ts), so unauthenticated requests are
 * refused before their body is read: the request carries an active tenant API key; sets `request.tenant`.
 */
export async function requireApiKey(request: FastifyRequest): Promise<void> {
  const key = apiKeyOf(request);
  if (!key) throw httpError(401, 'unauthorized', 'API key required (Authorization: Bearer <key> or X-Api-Key)');
  if (key.length > 512) throw httpError(401, 'unauthorized', 'invalid API key');
  const tenant = await findTenantByKey(request.server.db, key);
  if (!tenant) throw httpError(401, 'unauthorized', 'invalid API key');
  request.tenant = tenant;
}

/** The raw session token (`Authorization: Bearer <token>`). */
export function sessionTokenOf(request: FastifyRequest): string | undefined {
  return bearer(request);
}

/**
 * `onRequest` hook of the session-token route group: a valid, unexpired session token; when the
 * route has an `:id` param it must be the token's session. Sets `request.session`.
 */
export async function requireSessionToken(request: FastifyRequest): Promise<void> {
  const token = sessionTokenOf(request);
  if (!token) throw httpError(401, 'unauthorized', 'session token required (Authorization: Bearer <token>)');
  const claims: SessionClaims = await verifySessionToken(request.server.relayConfig.secret, token);
  const params = request.params as { id?: string } | undefined;
  if (params?.id !== undefined && params.id !== claims.sessionId) {
    throw httpError(403, 'forbidden', 'session token is not valid for this session');
  }
  request.session = claims;
}

const SLOTS = { tenant: Symbol('tenant'), session: Symbol('session'), reviewer: Symbol('reviewer') } as const;
type Slotted = FastifyRequest & { [slot: symbol]: unknown };

/** The session whose token `requireSessionToken` accepted for this request; undefined before that or without it. */
export function authenticatedSession(request: FastifyRequest): SessionClaims | undefined {
  return (request as Slotted)[SLOTS.session] as SessionClaims | undefined;
}

/**
 * Declares a request property that an authentication hook sets. Reading it on a request the hook
 * did not authenticate is a wiring error (500), never an undefined principal; so handlers of an
 * authenticated group read `request.tenant` etc. without checks.
 */
function decorateAuthenticated(app: FastifyInstance, name: keyof typeof SLOTS, setBy: string): void {
  const slot = SLOTS[name];
  app.decorateRequest(name, {
    getter(this: Slotted) {
      const value = this[slot];
      if (value === undefined) throw new Error(`request.${name} read on a route without ${setBy}`);
      return value;
    },
    setter(this: Slotted, value: unknown) {
      this[slot] = value;
    },
  } as never);
}

/** `request.tenant`, `request.session`, `request.reviewer`, set by the hooks of the authenticated route groups. */
export const authPlugin = fp(
  syncPlugin((app) => {
    decorateAuthenticated(app, 'tenant', 'requireApiKey or requireReviewer');
    decorateAuthenticated(app, 'session', 'requireSessionToken');
    decorateAuthenticated(app, 'reviewer', 'requireReviewer');
  }),
  { name: 'auth', fastify: '5.x', dependencies: ['database'] },
);
