/** Shared pieces of the chaos tests: a relay process on a durable store, a receiver, its database. */
import type { Kysely } from 'kysely';
import { openDatabase } from '../../backend-stub/src/db/connect.js';
import type { Database } from '../../backend-stub/src/db/schema.js';
import type { RelayStore } from '../../backend-stub/src/reliability/relay-process.js';
import type { ReceivedRequest } from '../../backend-stub/src/testing/receiver.js';

/** Chaos relays: quick retries, a short webhook timeout (so leases of a killed worker expire in ~31 s). */
export const CHAOS_ENV = {
  EYE_RATE_LIMIT_MAX: '10000000',
  EYE_WEBHOOK_TIMEOUT_MS: '1000',
  EYE_WEBHOOK_POLL_MS: '250',
  EYE_WEBHOOK_RETRY_SCHEDULE: '250ms,500ms,1s,2s,2s,2s,2s,2s,2s,2s,2s,2s,2s,2s,2s,2s,2s,2s,2s,2s',
  LOG_LEVEL: 'error',
};

/** The relay's database, opened from the test process (same file / schema). */
export function openStoreDb(store: RelayStore): Kysely<Database> {
  return openDatabase({ databaseUrl: store.env.DATABASE_URL!, pgSchema: store.pgSchema, poolMax: 2 }).db;
}

export async function waitUntil<T>(what: string, fn: () => T | undefined | null | false | Promise<T | undefined | null | false>, timeoutMs: number, everyMs = 250): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** flag_id -> webhook-ids seen for it (proctoring events only). */
export function webhookIdsByFlag(requests: ReceivedRequest[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const r of requests) {
    let env: { id?: string; data?: { flag_id?: string; session_id?: string } };
    try {
      env = JSON.parse(r.body) as typeof env;
    } catch {
      continue;
    }
    const flagId = env.data?.flag_id;
    if (!flagId) continue;
    const key = `${env.data?.session_id}/${flagId}`;
    if (!out.has(key)) out.set(key, new Set());
    out.get(key)!.add(r.headers['webhook-id'] ?? '(none)');
  }
  return out;
}
