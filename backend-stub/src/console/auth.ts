/**
 * Cookie authentication of the console's API (/console/api/*):
 * - session cookie: HttpOnly, SameSite=Strict, Path=/console, Secure (and the `__Host-` name
 *   prefix) when the request came over https; no Max-Age: it ends with the browser session, and
 *   the server side expires it sooner (sign-in.ts);
 * - CSRF: every state-changing request carries `X-CSRF-Token`, which must equal an HMAC of the
 *   session token (signed double-submit: the same value is in a readable cookie for the page),
 *   and, when the browser names one, an Origin that is the relay's own;
 * - roles: `requireRole('admin')` for webhooks and accounts.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import '../app-types.js';
import { httpError } from '../errors.js';
import { deriveKey } from '../tokens.js';
import { reviewerOfSession } from './sign-in.js';
import type { ReviewerRole } from './tables.js';

export interface SignedInReviewer {
  id: string;
  tenantId: string;
  email: string;
  role: ReviewerRole;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `requireReviewer`; read only in routes behind it (auth.ts). */
    reviewer: SignedInReviewer;
  }
}

export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function isHttps(request: FastifyRequest): boolean {
  return request.protocol === 'https';
}

export function cookieNames(request: FastifyRequest): { session: string; csrf: string } {
  return isHttps(request) ? { session: '__Host-eye_console', csrf: '__Host-eye_csrf' } : { session: 'eye_console', csrf: 'eye_csrf' };
}

export function readCookie(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

export function csrfTokenFor(secret: string, sessionToken: string): string {
  return createHmac('sha256', deriveKey(secret, 'console-csrf')).update(sessionToken).digest('base64url');
}

/** Sets (or, with token null, clears) the session and CSRF cookies. */
export function setSessionCookies(request: FastifyRequest, reply: FastifyReply, token: string | null): void {
  const names = cookieNames(request);
  // __Host- cookies must have Path=/; plain ones are kept to the console's paths.
  const path = isHttps(request) ? '/' : '/console';
  const secure = isHttps(request) ? '; Secure' : '';
  const end = token === null ? '; Max-Age=0' : '';
  const csrf = token === null ? '' : csrfTokenFor(request.server.relayConfig.secret, token);
  reply.header('set-cookie', [
    `${names.session}=${token ?? ''}; Path=${path}; HttpOnly; SameSite=Strict${secure}${end}`,
    `${names.csrf}=${csrf}; Path=${path}; SameSite=Strict${secure}${end}`,
  ]);
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The relay's own origins: its public URL and the host this request was addressed to. */
function ownOrigins(request: FastifyRequest): string[] {
  const out = [new URL(request.server.relayConfig.publicUrl).origin];
  if (request.host) out.push(`${request.protocol}://${request.host}`);
  return out;
}

/**
 * Refuses a request a browser sent from another site: a foreign Origin, or (browsers that send no
 * Origin) a Sec-Fetch-Site other than same-origin. Clients that are not browsers send neither.
 */
export function checkOrigin(request: FastifyRequest): void {
  const origin = request.headers.origin;
  if (typeof origin === 'string') {
    if (!ownOrigins(request).includes(origin)) throw httpError(403, 'origin_refused', 'request from another origin');
    return;
  }
  const site = request.headers['sec-fetch-site'];
  if (typeof site === 'string' && site !== 'same-origin' && site !== 'none') throw httpError(403, 'origin_refused', 'request from another site');
}

/** Route hook: a signed-in reviewer (sets request.reviewer and request.tenant); CSRF checks for state changes. */
export async function requireReviewer(request: FastifyRequest): Promise<void> {
  const token = readCookie(request, cookieNames(request).session);
  if (!token || token.length > 100) throw httpError(401, 'not_signed_in', 'sign in to the console');
  const reviewer = await reviewerOfSession(request.server.db, token);
  if (!reviewer) throw httpError(401, 'not_signed_in', 'session expired; sign in again');
  if (!SAFE_METHODS.has(request.method)) {
    checkOrigin(request);
    const given = request.headers[CSRF_HEADER];
    if (typeof given !== 'string' || !sameText(given, csrfTokenFor(request.server.relayConfig.secret, token))) {
      throw httpError(403, 'csrf_failed', `missing or wrong ${CSRF_HEADER} header`);
    }
  }
  request.reviewer = { id: reviewer.id, tenantId: reviewer.tenant_id, email: reviewer.email, role: reviewer.role };
  request.tenant = { id: reviewer.tenant_id, name: '' };
}

/** Route hook after requireReviewer: the reviewer has `role` (admins may do everything). */
export function requireRole(role: ReviewerRole) {
  return (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    if (role === 'admin' && request.reviewer.role !== 'admin') throw httpError(403, 'forbidden', 'this needs the admin role');
    done();
  };
}
