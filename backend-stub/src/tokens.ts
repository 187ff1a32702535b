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

/** Verifies signature, algorithm, issuer, audience and expiry; throws a 401 HttpError otherwise. */
export async function verifySessionToken(secret: string, token: string): Promise<SessionClaims> {
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
