import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import { ENGINES } from '../testing/engines.js';
import { startTestRelay, type TestRelay } from '../testing/harness.js';
import { flagOf, postFlag } from '../testing/client.js';
import { httpError } from '../errors.js';
import { groupIngest } from './group-ingest.js';

for (const engine of ENGINES) {
  describe(`group commit of plain flags [${engine}]`, () => {
    let relay: TestRelay;
    before(async () => {
      // Forced on: by default only SQLite shares ingest transactions (config.ts).
      relay = await startTestRelay({ engine, config: { ingestGroupCommit: true } });
    });
    after(() => (relay as TestRelay | undefined)?.close()); // unset when `before` failed

    it('bodies of one burst share a transaction; a failing one is retried alone and the others commit', async () => {
      const shared = groupIngest(relay.db, relay.engine, { parallel: 1 });
      const s = await relay.createSession();
      const trxs: Transaction<Database>[] = [];
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) =>
          shared(s.sessionId, async (trx) => {
            trxs.push(trx);
            await trx.updateTable('sessions').set({ updated_at: `t-${i}` }).where('id', '=', s.sessionId).execute();
            await trx.insertInto('exams').values({ tenant_id: relay.tenantId, id: `grp-${engine}-${i}`, name: null, settings: null, created_at: 'x', updated_at: 'x' }).execute();
            if (i === 5) throw httpError(409, 'flag_conflict', 'body 5 fails');
            return i;
          }),
        ),
      );
      assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
      assert.deepEqual(results.filter((r) => r.status === 'fulfilled').map((r) => r.value), [0, 1, 2, 3, 4, 6, 7]);
      assert.equal(((results[5] as PromiseRejectedResult).reason as { statusCode: number }).statusCode, 409);
      // First all 8 in one transaction (rolled back by body 5), then one transaction each.
      assert.equal(new Set(trxs.slice(0, 6)).size, 1, 'the burst shared one transaction');
      const exams = await relay.db.selectFrom('exams').select('id').where('id', 'like', `grp-${engine}-%`).execute();
      assert.deepEqual(exams.map((e) => e.id).sort(), [0, 1, 2, 3, 4, 6, 7].map((i) => `grp-${engine}-${i}`));
    });

    it('concurrent flags over HTTP: each stored once with its outbox event, a conflicting one answered 409 alone', async () => {
      const sessions = await Promise.all(Array.from({ length: 4 }, () => relay.createSession()));
      const first = flagOf(sessions[0]!, 'TAB_NOT_FOCUS', { details: { durationMs: 800 } });
      assert.equal((await postFlag(relay, sessions[0]!, first)).status, 201);
      const burst = Array.from({ length: 40 }, (_, i) => {
        const s = sessions[i % 4]!;
        return { s, flag: flagOf(s, i % 2 ? 'EXIT_FULLSCREEN' : 'TAB_NOT_FOCUS', { details: { durationMs: 500 + i } }) };
      });
      const conflict = postFlag(relay, sessions[0]!, { ...first, description: 'other content' });
      const answers = await Promise.all(burst.map(({ s, flag }) => postFlag(relay, s, flag)));
      assert.equal((await conflict).status, 409);
      assert.deepEqual(answers.map((a) => a.status), answers.map(() => 201));
      for (const { s, flag } of burst) {
        const row = await relay.db.selectFrom('flags').select('id').where('session_id', '=', s.sessionId).where('id', '=', flag.id as string).execute();
        assert.equal(row.length, 1);
      }
      const events = await relay.db
        .selectFrom('webhook_events')
        .select('id')
        .where('session_id', 'in', sessions.map((s) => s.sessionId))
        .where('event_type', 'like', 'proctoring_event.%')
        .execute();
      assert.equal(events.length, 41, 'one proctoring event per stored flag');
    });
  });
}
