import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { ENGINES } from '../testing/engines.js';
import { startTestRelay, type TestRelay, type TestSession } from '../testing/harness.js';
import { flagOf, postFlag, postFlagWithMedia } from '../testing/client.js';
import { pngImage } from '../testing/media-fixtures.js';

const SESSIONS = 50;
const FLAGS = 20;

/** Sends again a second later while the answer is 503 (at most 20 tries). */
async function retryWhile503<T extends { status: number }>(send: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const r = await send();
    if (r.status !== 503 || attempt >= 20) return r;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** Runs `tasks` with at most `limit` in flight. */
async function pool<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const out = new Array<T>(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < tasks.length) {
        const i = next++;
        out[i] = await tasks[i]!();
      }
    }),
  );
  return out;
}

for (const engine of ENGINES) {
  describe(`concurrent ingest [${engine}]`, () => {
    let relay: TestRelay;
    before(async () => {
      relay = await startTestRelay({ engine, config: { rateLimit: { max: 0, windowMs: 60_000 } } });
    });
    after(() => (relay as TestRelay | undefined)?.close()); // unset when `before` failed

    it(`${SESSIONS} sessions x ${FLAGS} flags posted concurrently (each also retried): every flag stored exactly once`, async () => {
      const sessions: TestSession[] = await pool(
        Array.from({ length: SESSIONS }, (_, i) => () => relay.createSession({ examId: `exam-${i % 5}` })),
        16,
      );
      const image = pngImage(8, 8);
      const plan = sessions.flatMap((s) =>
        Array.from({ length: FLAGS }, (_, j) => ({ s, flag: flagOf(s, j % 4 === 0 ? 'PERIODIC_SNAPSHOT' : 'TAB_NOT_FOCUS', { id: `f-${j}` }), media: j % 4 === 0 })),
      );
      // Every flag is sent twice, the copies racing each other (an outbox retry after a lost response).
      const sends = [...plan, ...plan].map(({ s, flag, media }) => () =>
        media ? postFlagWithMedia(relay, s, flag, { bytes: image }) : postFlag(relay, s, flag),
      );
      for (let i = sends.length - 1; i > 0; i--) {
        const k = Math.floor(Math.random() * (i + 1));
        [sends[i], sends[k]] = [sends[k]!, sends[i]!];
      }
      // A pool connection not had within the acquire timeout answers 503 + Retry-After (load shed, nothing
      // stored); the widget's outbox sends it again later, and so does this test.
      const results = await pool(sends.map((send) => () => retryWhile503(send)), 64);
      const statuses = new Map<number, number>();
      for (const r of results) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      assert.deepEqual(Object.fromEntries(statuses), { 201: plan.length, 200: plan.length }, 'one create and one duplicate per flag');
      assert.equal(results.filter((r) => r.status === 200 && r.body.duplicate).length, plan.length);

      const ids = sessions.map((s) => s.sessionId);
      const total = await relay.db.selectFrom('flags').select(sql<number | string>`count(*)`.as('n')).where('session_id', 'in', ids).executeTakeFirstOrThrow();
      assert.equal(Number(total.n), SESSIONS * FLAGS);
      const perSession = await relay.db
        .selectFrom('flags')
        .select(['session_id', sql<number | string>`count(distinct id)`.as('n')])
        .where('session_id', 'in', ids)
        .groupBy('session_id')
        .execute();
      assert.equal(perSession.length, SESSIONS);
      for (const row of perSession) assert.equal(Number(row.n), FLAGS);
      const mediaRows = await relay.db.selectFrom('media').select(['id', 'storage_name']).where('session_id', 'in', ids).execute();
      const mediaFlags = plan.filter((p) => p.media).length;
      assert.equal(mediaRows.length, mediaFlags, 'one media row per media flag');
      const files = await relay.app.mediaStore.names();
      assert.equal(files.length, mediaFlags, 'one file per media row, no orphans');
      assert.deepEqual(new Set(files), new Set(mediaRows.map((m) => m.storage_name)));
      assert.deepEqual(await readdir(`${relay.mediaDir}/.tmp`), []);
    });
  });
}
