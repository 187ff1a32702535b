/** Reviewer accounts of a tenant: created with the CLI, the API (API key) or by a console admin. */
import { randomUUID } from 'node:crypto';
import type { Kysely, Updateable } from 'kysely';
import type { Database } from '../db/schema.js';
import { httpError } from '../errors.js';
import { generatePassword, hashPassword, PASSWORD_MAX, PASSWORD_MIN } from './passwords.js';
import { REVIEWER_ROLES, type ReviewerRole, type ReviewerRow, type ReviewersTable } from './tables.js';
import { nowIso } from '../clock.js';

/** Deliberately loose (one @, no spaces): the address is an account name, not a mailbox the relay writes to. */
export const EMAIL_PATTERN = '^[^\\s@]{1,64}@[^\\s@]{1,253}$';
const EMAIL = new RegExp(EMAIL_PATTERN);

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function reviewerJson(r: ReviewerRow) {
  return {
    id: r.id,
    email: r.email,
    displayName: r.display_name,
    role: r.role,
    disabled: r.disabled_at !== null,
    lastSignInAt: r.last_sign_in_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function checkPassword(password: string): void {
  if (password.length < PASSWORD_MIN || password.length > PASSWORD_MAX) {
    throw httpError(400, 'weak_password', `password must be ${PASSWORD_MIN} to ${PASSWORD_MAX} characters`);
  }
}

export interface NewReviewer {
  email: string;
  role: ReviewerRole;
  /** Omitted: one is generated and returned once. */
  password?: string;
  displayName?: string | null;
}

export async function createReviewer(
  db: Kysely<Database>,
  tenantId: string,
  input: NewReviewer,
): Promise<{ reviewer: ReviewerRow; password: string; generated: boolean }> {
  const email = normaliseEmail(input.email);
  if (!EMAIL.test(email)) throw httpError(400, 'invalid_email', 'email must look like name@domain');
  if (!REVIEWER_ROLES.includes(input.role)) throw httpError(400, 'invalid_role', `role must be one of ${REVIEWER_ROLES.join(', ')}`);
  const generated = input.password === undefined;
  const password = input.password ?? generatePassword();
  checkPassword(password);
  const now = nowIso();
  const existing = await db.selectFrom('reviewers').select('id').where('tenant_id', '=', tenantId).where('email', '=', email).executeTakeFirst();
  if (existing) throw httpError(409, 'reviewer_exists', `a reviewer ${email} already exists in this tenant`);
  const reviewer = await db
    .insertInto('reviewers')
    .values({
      id: randomUUID(),
      tenant_id: tenantId,
      email,
      display_name: input.displayName ?? null,
      role: input.role,
      password_hash: await hashPassword(password),
      disabled_at: null,
      last_sign_in_at: null,
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
    .catch((err: unknown) => {
      // Two creations of one address racing: the unique constraint decides.
      if (/unique|duplicate/i.test((err as Error).message)) throw httpError(409, 'reviewer_exists', `a reviewer ${email} already exists in this tenant`);
      throw err;
    });
  return { reviewer, password, generated };
}

export async function listReviewers(db: Kysely<Database>, tenantId: string): Promise<ReviewerRow[]> {
  return db.selectFrom('reviewers').selectAll().where('tenant_id', '=', tenantId).orderBy('email').execute();
}

export async function getReviewer(db: Kysely<Database>, tenantId: string, id: string): Promise<ReviewerRow> {
  const row = await db.selectFrom('reviewers').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
  if (!row) throw httpError(404, 'reviewer_not_found', 'reviewer not found');
  return row;
}

export interface ReviewerPatch {
  role?: ReviewerRole;
  disabled?: boolean;
  password?: string;
  displayName?: string | null;
}

/** Changes an account; disabling it or changing its password signs it out everywhere. */
export async function updateReviewer(db: Kysely<Database>, tenantId: string, id: string, patch: ReviewerPatch): Promise<ReviewerRow> {
  if (patch.password !== undefined) checkPassword(patch.password);
  const passwordHash = patch.password !== undefined ? await hashPassword(patch.password) : undefined;
  return db.transaction().execute(async (trx) => {
    const current = await getReviewer(trx, tenantId, id);
    const now = nowIso();
    const set: Updateable<ReviewersTable> = { updated_at: now };
    if (patch.role !== undefined) set.role = patch.role;
    if (patch.displayName !== undefined) set.display_name = patch.displayName;
    if (passwordHash !== undefined) set.password_hash = passwordHash;
    if (patch.disabled === true && current.disabled_at === null) set.disabled_at = now;
    if (patch.disabled === false) set.disabled_at = null;
    const row = await trx.updateTable('reviewers').set(set).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
    if (patch.disabled === true || passwordHash !== undefined) await trx.deleteFrom('console_sessions').where('reviewer_id', '=', id).execute();
    return row;
  });
}
