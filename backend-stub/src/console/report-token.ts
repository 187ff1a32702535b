/**
 * Report tokens: what an LMS page gives `<eye-session-report>` to show one session's report.
 * Read-only and scoped to one tenant and session (audience `eye-report`, scope `report:read`),
 * short-lived (default 15 min, at most 8 h), signed with a key of their own derived from the relay
 * secret, so no other token (session, media URL) can stand in for one.
 */
import { errors as joseErrors, jwtVerify } from 'jose';
import { httpError } from '../errors.js';
import { now as clockNow } from '../clock.js';
import { deriveKey, signRelayJwt } from '../tokens.js';

export const REPORT_TOKEN_DEFAULT_TTL_S = 15 * 60;
export const REPORT_TOKEN_MAX_TTL_S = 8 * 3600;
const ISSUER = 'eye-relay';
const AUDIENCE = 'eye-report';
const SCOPE = 'report:read';

export interface ReportClaims {
  tenantId: string;
  sessionId: string;
  /** unix seconds */
  exp: number;
}

export async function signReportToken(secret: string, claims: Omit<ReportClaims, 'exp'>, ttlSeconds: number, now = clockNow()) {
  return signRelayJwt(deriveKey(secret, 'report-token'), AUDIENCE, claims.sessionId, { tid: claims.tenantId, scope: SCOPE }, ttlSeconds, now);
}

export async function verifyReportToken(secret: string, token: string): Promise<ReportClaims> {
  try {
    const { payload } = await jwtVerify(token, deriveKey(secret, 'report-token'), {
      algorithms: ['HS256'],
      issuer: ISSUER,
      audience: AUDIENCE,
      requiredClaims: ['sub', 'exp'],
      currentDate: new Date(clockNow()), // the relay's clock, as for session tokens
    });
    const { sub, tid, scope, exp } = payload as Record<string, unknown>;
    if (typeof sub !== 'string' || typeof tid !== 'string' || scope !== SCOPE || typeof exp !== 'number') throw httpError(401, 'invalid_token', 'report token lacks required claims');
    return { sessionId: sub, tenantId: tid, exp };
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired) throw httpError(401, 'token_expired', 'report token has expired');
    if ((err as { name?: string }).name === 'HttpError') throw err;
    throw httpError(401, 'invalid_token', 'report token is invalid');
  }
}
