import { createHmac } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { httpError } from './errors.js';

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
export function deriveKey(secret: string, purpose: 'session-token' | 'media-url'): Uint8Array {
  return new Uint8Array(createHmac('sha256', secret).update(`eye:${purpose}`).digest());
}

export async function signSessionToken(
  secret: string,
  claims: Omit<SessionClaims, 'exp'>,
  ttlSeconds: number,
  now = Date.now(),
): Promise<{ token: string; expiresAt: string }> {
  const exp = Math.floor(now / 1000) + ttlSeconds;
  const token = await new SignJWT({ tid: claims.tenantId, exam: claims.examId, cand: claims.candidateId })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sessionId)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(Math.floor(now / 1000))
    .setExpirationTime(exp)
    .sign(deriveKey(secret, 'session-token'));
  return { token, expiresAt: new Date(exp * 1000).toISOString() };
}

/**
 * Tokens whose signature was already verified, with their claims, until they expire: a widget
 * posts many flags with one token, and verification (key import + HMAC through WebCrypto) is a
 * measurable part of each request. Keyed by the exact token text and checked against the secret
 * that verified it; insertion order makes the eviction least-recently-verified first.
 */
const verified = new Map<string, { secret: string; claims: SessionClaims }>();
const VERIFIED_MAX = 20_000;

function cachedClaims(secret: string, token: string): SessionClaims | null {
  const hit = verified.get(token);
  if (!hit || hit.secret !== secret) return null;
  if (hit.claims.exp <= Math.floor(Date.now() / 1000)) {
    verified.delete(token);
    throw httpError(401, 'token_expired', 'session token has expired');
  }
  return hit.claims;
}

function remember(secret: string, token: string, claims: SessionClaims): void {
  if (verified.size >= VERIFIED_MAX) verified.delete(verified.keys().next().value!);
  verified.set(token, { secret, claims });
}

/** Verifies signature, algorithm, issuer, audience and expiry; throws a 401 HttpError otherwise. */
export async function verifySessionToken(secret: string, token: string): Promise<SessionClaims> {
  const cached = cachedClaims(secret, token);
  if (cached) return cached;
  const claims = await verifyUncached(secret, token);
  remember(secret, token, claims);
  return claims;
}

async function verifyUncached(secret: string, token: string): Promise<SessionClaims> {
  try {
    const { payload } = await jwtVerify(token, deriveKey(secret, 'session-token'), {
      algorithms: ['HS256'],
      issuer: ISSUER,
      audience: AUDIENCE,
      requiredClaims: ['sub', 'exp'],
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
