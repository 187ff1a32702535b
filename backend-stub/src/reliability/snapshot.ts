/** What a relay has stored: row counts of every table and the files under its media dir. */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { listMediaFiles } from './relay-process.js';

export const TABLES: (keyof Database)[] = [
  'tenants',
  'api_keys',
  'exams',
  'sessions',
  'media',
  'media_blobs',
  'flags',
  'webhook_endpoints',
  'webhook_events',
  'webhook_deliveries',
  'webhook_attempts',
  'incidents',
];

export interface StoredState {
  rows: Record<string, number>;
  mediaFiles: string[];
}

export async function rowCounts(db: Kysely<Database>): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of TABLES) {
    try {
      const r = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(t)}`.execute(db);
      const [row] = r.rows;
      if (row) out[t] = Number(row.n);
    } catch {
      // Table not created by this relay's migrations (yet): nothing to compare.
    }
  }
  return out;
}

export async function storedState(db: Kysely<Database>, mediaDir: string): Promise<StoredState> {
  return { rows: await rowCounts(db), mediaFiles: await listMediaFiles(mediaDir) };
}
