import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from './db/schema.js';

/**
 * Fixed API key of the demo tenant (created only when EYE_DEMO=1 / --demo). Public knowledge:
 * never enable the demo tenant on a relay reachable by others.
 */
export const DEMO_TENANT_ID = 'demo';
export const DEMO_API_KEY = 'eye_demo_0000000000000000000000000000000000000000';

/** Keys carry 256 random bits, so a plain SHA-256 is a safe one-way lookup hash. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function generateApiKey(): string {
  return `eye_live_${randomBytes(32).toString('base64url')}`;
}

async function insertKey(db: Kysely<Database>, tenantId: string, key: string, label: string | null): Promise<void> {
  await db
    .insertInto('api_keys')
    .values({
      id: randomUUID(),
      tenant_id: tenantId,
      key_hash: hashApiKey(key),
      prefix: key.slice(0, 13),
      label,
      created_at: new Date().toISOString(),
      revoked_at: null,
    })
    .execute();
}

/** Creates a tenant and its first API key. The key is returned once and stored only hashed. */
export async function createTenant(db: Kysely<Database>, name: string): Promise<{ tenantId: string; apiKey: string }> {
  const tenantId = randomUUID();
  const apiKey = generateApiKey();
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('tenants').values({ id: tenantId, name, created_at: new Date().toISOString() }).execute();
    await insertKey(trx, tenantId, apiKey, 'initial');
  });
  return { tenantId, apiKey };
}

/** Idempotently creates the demo tenant with DEMO_API_KEY. */
export async function ensureDemoTenant(db: Kysely<Database>): Promise<{ tenantId: string; apiKey: string }> {
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('tenants')
      .values({ id: DEMO_TENANT_ID, name: 'Demo tenant', created_at: new Date().toISOString() })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
    const existing = await trx.selectFrom('api_keys').select('id').where('key_hash', '=', hashApiKey(DEMO_API_KEY)).executeTakeFirst();
    if (!existing) await insertKey(trx, DEMO_TENANT_ID, DEMO_API_KEY, 'demo');
  });
  return { tenantId: DEMO_TENANT_ID, apiKey: DEMO_API_KEY };
}

/** The tenant owning an active key, or undefined. */
export async function findTenantByKey(db: Kysely<Database>, key: string): Promise<{ id: string; name: string } | undefined> {
  return db
    .selectFrom('api_keys')
    .innerJoin('tenants', 'tenants.id', 'api_keys.tenant_id')
    .select(['tenants.id as id', 'tenants.name as name'])
    .where('api_keys.key_hash', '=', hashApiKey(key))
    .where('api_keys.revoked_at', 'is', null)
    .executeTakeFirst();
}
