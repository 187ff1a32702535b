/**
 * Console sign-in sessions. The cookie carries 256 random bits; the relay stores only their
 * SHA-256, so a database leak yields no usable session. Sessions expire after IDLE_MS without use
 * and in any case ABSOLUTE_MS after sign-in.
 *
 * Lockout: LOCKOUT_FAILURES failed sign-ins for one (tenant, email) within LOCKOUT_WINDOW_MS
 * refuse further attempts (429 with Retry-After) until the oldest of them leaves the window.
 * Failures are counted whether or not the account exists, so the lockout reveals nothing.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { httpError } from '../errors.js';
import { normaliseEmail } from './reviewers.js';
import { decoyHash, verifyPassword } from './passwords.js';
import type { ReviewerRow } from './tables.js';
import { now as clockNow } from '../clock.js';

export const IDLE_MS = 30 * 60_000;
export const ABSOLUTE_MS = 12 * 3600_000;
export const LOCKOUT_FAILURES = 5;
export const LOCKOUT_WINDOW_MS = 15 * 60_000;
/** Expiry is pushed forward at most this often (one write per minute of activity, not per request). */
const TOUCH_EVERY_MS = 60_000;

export function hashSessionToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export interface SignedIn {
  token: string;
  reviewer: ReviewerRow;
  expiresAt: string;
}

async function recentFailures(db: Kysely<Database>, tenantId: string, email: string, nowMs: number) {
  return db
    .selectFrom('console_sign_in_failures')
    .select('failed_at')
    .where('tenant_id', '=', tenantId)
    .where('email', '=', email)
    .where('failed_at', '>', new Date(nowMs - LOCKOUT_WINDOW_MS).toISOString())
    .orderBy('failed_at')
    .execute();
}

async function recordFailure(db: Kysely<Database>, tenantId: string, email: string, nowMs: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('console_sign_in_failures').values({ id: randomUUID(), tenant_id: tenantId, email, failed_at: new Date(nowMs).toISOString() }).execute();
    // Old failures of this key are worthless: keep the table small.
    await trx
      .deleteFrom('console_sign_in_failures')
      .where('tenant_id', '=', tenantId)
      .where('email', '=', email)
      .where('failed_at', '<', new Date(nowMs - 2 * LOCKOUT_WINDOW_MS).toISOString())
      .execute();
  });
}

/** Checks the credentials (lockout first) and opens a session; 401 / 429 HttpErrors otherwise. */
export async function signIn(
  db: Kysely<Database>,
  input: { tenantId: string; email: string; password: string; userAgent?: string },
  nowMs = clockNow(),
): Promise<SignedIn> {
  const email = normaliseEmail(input.email);
  const failures = await recentFailures(db, input.tenantId, email, nowMs);
  // The oldest of the last LOCKOUT_FAILURES failures (none while there are fewer).
  const oldestCounted = failures.length >= LOCKOUT_FAILURES ? failures[failures.length - LOCKOUT_FAILURES] : undefined;
  if (oldestCounted) {
    const until = Date.parse(oldestCounted.failed_at) + LOCKOUT_WINDOW_MS;
    const err = httpError(429, 'account_locked', `too many failed sign-ins; try again in ${Math.ceil((until - nowMs) / 60_000)} min`);
    (err as typeof err & { retryAfterS: number }).retryAfterS = Math.max(1, Math.ceil((until - nowMs) / 1000));
    throw err;
  }
  const reviewer = await db
    .selectFrom('reviewers')
    .selectAll()
    .where('tenant_id', '=', input.tenantId)
    .where('email', '=', email)
    .executeTakeFirst();
  const ok = await verifyPassword(input.password, reviewer?.password_hash ?? (await decoyHash()));
  if (!reviewer || !ok || reviewer.disabled_at !== null) {
    await recordFailure(db, input.tenantId, email, nowMs);
    throw httpError(401, 'invalid_credentials', 'email, password or organisation is wrong');
  }
  const token = randomBytes(32).toString('base64url');
  const now = new Date(nowMs).toISOString();
  const expiresAt = new Date(nowMs + IDLE_MS).toISOString();
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('console_sign_in_failures').where('tenant_id', '=', input.tenantId).where('email', '=', email).execute();
    await trx.updateTable('reviewers').set({ last_sign_in_at: now }).where('id', '=', reviewer.id).execute();
    // Expired sessions of this reviewer go now (no separate cleanup job needed).
    await trx.deleteFrom('console_sessions').where('reviewer_id', '=', reviewer.id).where('expires_at', '<', now).execute();
    await trx
      .insertInto('console_sessions')
      .values({
        token_hash: hashSessionToken(token),
        reviewer_id: reviewer.id,
        tenant_id: reviewer.tenant_id,
        created_at: now,
        expires_at: expiresAt,
        absolute_expires_at: new Date(nowMs + ABSOLUTE_MS).toISOString(),
        user_agent: input.userAgent?.slice(0, 300) ?? null,
      })
      .execute();
  });
  return { token, reviewer, expiresAt };
}

/** The signed-in, enabled reviewer of a session cookie value, or null; keeps an active session alive. */
export async function reviewerOfSession(db: Kysely<Database>, token: string, nowMs = clockNow()): Promise<ReviewerRow | null> {
  const tokenHash = hashSessionToken(token);
  const row = await db
    .selectFrom('console_sessions as s')
    .innerJoin('reviewers as r', 'r.id', 's.reviewer_id')
    .selectAll('r')
    .select(['s.expires_at as session_expires_at', 's.absolute_expires_at as session_absolute_expires_at'])
    .where('s.token_hash', '=', tokenHash)
    .executeTakeFirst();
  if (!row) return null;
  const { session_expires_at: expiresAt, session_absolute_expires_at: absolute, ...reviewer } = row;
  if (Date.parse(expiresAt) <= nowMs || reviewer.disabled_at !== null) {
    await db.deleteFrom('console_sessions').where('token_hash', '=', tokenHash).execute();
    return null;
  }
  const next = Math.min(nowMs + IDLE_MS, Date.parse(absolute));
  if (next - Date.parse(expiresAt) >= TOUCH_EVERY_MS) {
    await db.updateTable('console_sessions').set({ expires_at: new Date(next).toISOString() }).where('token_hash', '=', tokenHash).execute();
  }
  return reviewer;
}

export async function signOut(db: Kysely<Database>, token: string): Promise<void> {
  await db.deleteFrom('console_sessions').where('token_hash', '=', hashSessionToken(token)).execute();
}
