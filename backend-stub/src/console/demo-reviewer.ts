import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { DEMO_TENANT_ID } from '../tenants.js';
import { createReviewer } from './reviewers.js';

/**
 * The demo tenant's console account (demo mode only, like the demo API key: public, development
 * only). An admin, so the demo shows every console page.
 */
export const DEMO_REVIEWER = { email: 'reviewer@demo.eye', password: 'eye-demo-reviewer', role: 'admin' } as const;

export async function ensureDemoReviewer(db: Kysely<Database>): Promise<void> {
  const existing = await db.selectFrom('reviewers').select('id').where('tenant_id', '=', DEMO_TENANT_ID).where('email', '=', DEMO_REVIEWER.email).executeTakeFirst();
  if (existing) return;
  await createReviewer(db, DEMO_TENANT_ID, { email: DEMO_REVIEWER.email, password: DEMO_REVIEWER.password, role: DEMO_REVIEWER.role }).catch((err: unknown) => {
    if ((err as { statusCode?: number }).statusCode !== 409) throw err; // another relay process created it first
  });
}
