import { createHash, createHmac } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { httpError } from './errors.js';
import { now as clockNow } from './clock.js';

/** Claims of a session token: one tenant, exam, candidate and session. */
export interface SessionClaims {
  sessionId: string;
  tenantId: string;
  examId: string;
  candidateId: string;
  /** Expiry, unix seconds. */
  exp: number;
}

const ISSUER = 'eye-relay';
const AUDIENCE = 'eye-widget';

/** Separate keys per purpose, derived from the one relay secret. */
export function deriveKey(secret: string, purpose: 'session-token' | 'media-url' | 'console-csrf' | 'report-token'): Uint8Array {
  return new Uint8Array(createHmac('sha256', secret).update(`eye:${purpose}`).digest());
}

/** An HS256 JWT from the relay (issuer eye-relay) for `audience`, about `subject`, expiring in ttlSeconds. */
export async function signRelayJwt(
  key: Uint8Array,
  audience: string,
  subject: string,
  payload: Record<string, unknown>,
  ttlSeconds: number,
  now = clockNow(),
): Promise<{ token: string; expiresAt: string }> {
  const exp = Math.floor(now / 1000) + ttlSeconds;
  const token = await new SignJWT(payload)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(subject)
    .setIssuer(ISSUER)
    .setAudience(audience)
    .setIssuedAt(Math.floor(now / 1000))
    .setExpirationTime(exp)
    .sign(key);
  return { token, expiresAt: new Date(exp * 1000).toISOString() };
}

export async function signSessionToken(
  secret: string,
  claims: Omit<SessionClaims, 'exp'>,
  ttlSeconds: number,
  now = clockNow(),
): Promise<{ token: string; expiresAt: string }> {
  const payload = { tid: claims.tenantId, exam: claims.examId, cand: claims.candidateId };
  return signRelayJwt(deriveKey(secret, 'session-token'), AUDIENCE, claims.sessionId, payload, ttlSeconds, now);
}

/**
 * Tokens whose signature was already verified, with their claims, until they expire: a widget
 * posts many flags with one token, and verification (key import + HMAC through WebCrypto) is a
 * measurable part of each request. Keyed by the SHA-256 of the exact token text (a tenth of a
 * token's ~400 bytes per live session; a hit means the same token) and checked against the secret
 * that verified it; insertion order makes the eviction least-recently-verified first.
 */
const verified = new Map<string, { secret: string; claims: SessionClaims }>();
const VERIFIED_MAX = 20_000;

const cacheKey = (token: string) => createHash('sha256').update(token).digest('base64');

function cachedClaims(secret: string, key: string): SessionClaims | null {
  const hit = verified.get(key);
  if (!hit || hit.secret !== secret) return null;
  if (hit.claims.exp <= Math.floor(clockNow() / 1000)) {
    verified.delete(key);
    throw httpError(401, 'token_expired', 'session token has expired');
  }
  return hit.claims;
}

function remember(secret: string, key: string, claims: SessionClaims): void {
  const oldest = verified.keys().next();
  if (verified.size >= VERIFIED_MAX && !oldest.done) verified.delete(oldest.value);
  verified.set(key, { secret, claims });
}

/** Verifies signature, algorithm, issuer, audience and expiry; throws a 401 HttpError otherwise. */
export async function verifySessionToken(secret: string, token: string): Promise<SessionClaims> {
  const key = cacheKey(token);
  const cached = cachedClaims(secret, key);
  if (cached) return cached;
  const claims = await verifyUncached(secret, token);
  remember(secret, key, claims);
  return claims;
}

async function verifyUncached(secret: string, token: string): Promise<SessionClaims> {
  try {
    const { payload } = await jwtVerify(token, deriveKey(secret, 'session-token'), {
      algorithms: ['HS256'],
      issuer: ISSUER,
      audience: AUDIENCE,
      requiredClaims: ['sub', 'exp'],
      // Expiry on the relay's clock; a token issued "in the future" (the clock jumped back since) is fine.
      currentDate: new Date(clockNow()),
    });
    const { sub, tid, exam, cand, exp } = payload as Record<string, unknown>;
    if (typeof sub !== 'string' || typeof tid !== 'string' || typeof exam !== 'string' || typeof cand !== 'string' || typeof exp !== 'number') {
      throw httpError(401, 'invalid_token', 'session token lacks required claims');
    }
    return { sessionId: sub, tenantId: tid, examId: exam, candidateId: cand, exp };
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired) throw httpError(401, 'token_expired', 'session token has expired');
    if ((err as { name?: string }).name === 'HttpError') throw err;
    throw httpError(401, 'invalid_token', 'session token is invalid');
  }
}
