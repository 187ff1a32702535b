/**
 * Migration 0013 gives sessions that already hold flags their counts, and the flag path goes on
 * counting from them: a database from before the migration, then flags stored through ingestFlag.
 * SQLite and PostgreSQL.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Migrator, type Kysely } from 'kysely';
import { loadConfig } from '../../config.js';
import { ENGINES, TEST_PG_URL, withPgAdmin } from '../../testing/engines.js';
import { openDatabase } from '../connect.js';
import { migrateToLatest } from '../migrate.js';
import { migrations } from './index.js';
import { parseFlagInput } from '../../sessions/flag-input.js';
import { ingestFlag } from '../../sessions/ingest.js';
import { createMediaStore } from '../../media/plugin.js';

const BEFORE = '0012_delivery_claim_order';

for (const engine of ENGINES) {
  describe(`migration 0013 flag counts (${engine})`, () => {
    test('existing sessions get their counts, and new flags count on from them', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'eye-0013-'));
      const schema = engine === 'postgres' ? `eye_m13_${randomBytes(5).toString('hex')}` : null;
      if (schema) await withPgAdmin((c) => c.query(`create schema ${schema}`));
      const databaseUrl = schema ? TEST_PG_URL : join(dir, 'eye.sqlite');
      const { db } = openDatabase({ databaseUrl, pgSchema: schema });
      try {
        const migrator = new Migrator({ db, provider: { getMigrations: () => Promise.resolve(migrations) }, ...(schema ? { migrationTableSchema: schema } : {}) });
        const { error } = await migrator.migrateTo(BEFORE);
        assert.equal(error, undefined);

        // Rows as a relay before this migration stored them.
        const old = db as unknown as Kysely<Record<string, Record<string, unknown>>>;
        const t = new Date().toISOString();
        await old.insertInto('tenants').values({ id: 'ten', name: 'T', created_at: t }).execute();
        await old.insertInto('exams').values({ tenant_id: 'ten', id: 'ex', created_at: t, updated_at: t }).execute();
        const session = (id: string) => ({ id, tenant_id: 'ten', exam_id: 'ex', candidate_id: 'c', status: 'IN_PROGRESS', metadata: '{}', created_at: t, updated_at: t });
        await old.insertInto('sessions').values([session('s-busy'), session('s-quiet')]).execute();
        const flag = (n: number, type: string) => ({ session_id: 's-busy', id: `f${n}`, type, description: type, created_at: t, received_at: t, content_hash: `h${n}`, event_pending: 0 });
        await old.insertInto('flags').values([flag(1, 'TAB_NOT_FOCUS'), flag(2, 'TAB_NOT_FOCUS'), flag(3, 'EXIT_FULLSCREEN'), flag(4, 'TAB_NOT_FOCUS')]).execute();

        await migrateToLatest(db);
        const rows = await db.selectFrom('sessions').select(['id', 'flag_counts']).orderBy('id').execute();
        assert.deepEqual(
          rows.map((r) => [r.id, r.flag_counts === null ? null : (JSON.parse(r.flag_counts) as unknown)]),
          [['s-busy', { TAB_NOT_FOCUS: 3, EXIT_FULLSCREEN: 1 }], ['s-quiet', null]],
        );

        // The flag path goes on from the stored counts: count_this_session in the stored events.
        const config = loadConfig({}, [], { secret: randomBytes(32).toString('base64url'), dataDir: dir, databaseUrl, dbEngine: engine, pgSchema: schema });
        const ctx = { db, engine, config };
        const store = await createMediaStore(config, db);
        const post = async (sessionId: string, type: string, details?: Record<string, unknown>) => {
          const claims = { sessionId, tenantId: 'ten', examId: 'ex', candidateId: 'c', exp: Math.floor(Date.now() / 1000) + 600 };
          const input = parseFlagInput({ type, ...(details ? { details } : {}) }, claims, { nowMs: Date.now(), skewMs: config.clockSkewMs });
          const r = await ingestFlag(ctx, store, claims, input, null);
          assert.equal(r.duplicate, false);
        };
        await post('s-busy', 'TAB_NOT_FOCUS', { durationMs: 1200 });
        await post('s-busy', 'EXIT_FULLSCREEN');
        await post('s-quiet', 'EXIT_FULLSCREEN');
        await post('s-busy', 'EXIT_FULLSCREEN');
        const events = await db.selectFrom('webhook_events').select(['session_id', 'event_type', 'data']).orderBy('created_at').orderBy('id').execute();
        const counts = events
          .filter((e) => e.event_type.startsWith('proctoring_event.'))
          .map((e) => [e.session_id, e.event_type, (JSON.parse(e.data) as { count_this_session: number }).count_this_session]);
        assert.deepEqual(counts.sort(), [
          ['s-busy', 'proctoring_event.fullscreen_exit', 2],
          ['s-busy', 'proctoring_event.fullscreen_exit', 3],
          ['s-busy', 'proctoring_event.tab_switch', 4],
          ['s-quiet', 'proctoring_event.fullscreen_exit', 1],
        ]);
        const after = await db.selectFrom('sessions').select(['id', 'flag_counts']).orderBy('id').execute();
        assert.deepEqual(after.map((r) => JSON.parse(r.flag_counts ?? 'null') as unknown), [{ TAB_NOT_FOCUS: 4, EXIT_FULLSCREEN: 3 }, { EXIT_FULLSCREEN: 1 }]);
      } finally {
        await db.destroy();
        if (schema) await withPgAdmin((c) => c.query(`drop schema if exists ${schema} cascade`));
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
}
