import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import { ENGINES } from '../testing/engines.js';
import { startTestRelay, type TestRelay } from '../testing/harness.js';
import { flagOf, postFlag } from '../testing/client.js';
import { httpError } from '../errors.js';
import { FAST_WEBHOOKS, registerEndpoint } from '../testing/webhook-fixtures.js';
import { groupIngest } from './group-ingest.js';
import { parseFlagInput } from './flag-input.js';
import { ingestFlag } from './ingest.js';
import { lockSessionForFlag } from './service.js';

for (const engine of ENGINES) {
  describe(`group commit of plain flags [${engine}]`, () => {
    let relay: TestRelay;
    before(async () => {
      // Forced on: by default only SQLite shares ingest transactions (config.ts).
      // Deliveries stay pending (no worker), so the test sees every one the flags made.
      relay = await startTestRelay({ engine, config: { ingestGroupCommit: true }, webhooks: { ...FAST_WEBHOOKS, worker: false } });
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

    it('locks the sessions of a shared transaction ahead; a second flag of a session reads it again, another tenant is 404', async () => {
      const shared = groupIngest(relay.db, relay.engine, { parallel: 1 });
      const sorted = (await Promise.all(Array.from({ length: 3 }, () => relay.createSession()))).sort((x, y) => (x.sessionId < y.sessionId ? -1 : 1));
      const [a, b, c] = [sorted[0]!, sorted[1]!, sorted[2]!];
      const seen: Record<string, number>[] = [];
      let lockedByOthers: boolean | null = null;
      const other = await relay.createTenant('group-lock other');
      const bodies = [
        shared(a.sessionId, async (trx) => {
          const lock = await lockSessionForFlag(trx, relay.engine, a.sessionId, relay.tenantId);
          seen.push(lock.counts);
          await trx.updateTable('sessions').set({ flag_counts: JSON.stringify({ EXIT_FULLSCREEN: (lock.counts.EXIT_FULLSCREEN ?? 0) + 1 }) }).where('id', '=', a.sessionId).execute();
          if (relay.engine === 'postgres') {
            // c's flag runs later in this transaction, but its row is locked already.
            lockedByOthers = await relay.db
              .connection()
              .execute((conn) => sql`select id from sessions where id = ${c.sessionId} for update nowait`.execute(conn))
              .then(() => false, (err: unknown) => (err as { code?: string }).code === '55P03');
          }
        }),
        shared(a.sessionId, async (trx) => {
          const lock = await lockSessionForFlag(trx, relay.engine, a.sessionId, relay.tenantId);
          seen.push(lock.counts);
        }),
        shared(c.sessionId, async (trx) => {
          await lockSessionForFlag(trx, relay.engine, c.sessionId, relay.tenantId);
        }),
      ];
      await Promise.all(bodies);
      assert.deepEqual(seen, [{}, { EXIT_FULLSCREEN: 1 }], "the second flag sees the first one's change");
      if (relay.engine === 'postgres') assert.equal(lockedByOthers, true, 'the later session was locked with the first statement');

      const mixed = await Promise.allSettled([
        shared(b.sessionId, (trx) => lockSessionForFlag(trx, relay.engine, b.sessionId, other.tenantId)),
        shared(c.sessionId, (trx) => lockSessionForFlag(trx, relay.engine, c.sessionId, relay.tenantId)),
      ]);
      assert.equal(mixed[0].status, 'rejected');
      assert.equal((mixed[0].reason as { statusCode: number }).statusCode, 404, "another tenant's session is not found");
      assert.equal(mixed[1].status, 'fulfilled');
    });

    it("a flag's rule hit finds the incidents open before its transaction and those an earlier flag of it opened", async () => {
      // A stale list of open incidents would open a second one per rule: incidents_open_uq refuses
      // it, the shared transaction fails and its flags are stored one by one (logged).
      const warnings: unknown[] = [];
      const shared = groupIngest(relay.db, relay.engine, { parallel: 1, log: { warn: (obj) => warnings.push(obj) } });
      const [a, b] = await Promise.all([relay.createSession(), relay.createSession()]);
      for (const s of [a, b]) for (let i = 0; i < 2; i++) assert.equal((await postFlag(relay, s, flagOf(s, 'EXIT_FULLSCREEN'))).status, 201);
      // A's third exit opens FULLSCREEN_EXITS before the burst; B's opens it inside the burst.
      assert.equal((await postFlag(relay, a, flagOf(a, 'EXIT_FULLSCREEN'))).status, 201);
      const ingest = (s: typeof a) => {
        const claims = { sessionId: s.sessionId, tenantId: relay.tenantId, examId: s.examId, candidateId: s.candidateId, exp: Math.floor(Date.now() / 1000) + 600 };
        const input = parseFlagInput(flagOf(s, 'EXIT_FULLSCREEN'), claims, { nowMs: Date.now(), skewMs: relay.config.clockSkewMs });
        return ingestFlag({ db: relay.db, engine: relay.engine, config: relay.config }, relay.app.mediaStore, claims, input, null, shared);
      };
      const answers = await Promise.all([ingest(a), ingest(b), ingest(a), ingest(b), ingest(b)]);
      assert.deepEqual(answers.map((r) => r.duplicate), [false, false, false, false, false]);
      assert.deepEqual(warnings, [], 'the burst committed as one shared transaction');
      for (const [s, counts] of [[a, 5], [b, 5]] as const) {
        const incidents = await relay.db.selectFrom('incidents').select(['rule', 'status']).where('session_id', '=', s.sessionId).execute();
        assert.deepEqual(incidents, [{ rule: 'FULLSCREEN_EXITS', status: 'TRIGGERED' }], 'one open incident per rule');
        const row = await relay.db.selectFrom('sessions').select('flag_counts').where('id', '=', s.sessionId).executeTakeFirstOrThrow();
        assert.deepEqual(JSON.parse(row.flag_counts ?? '{}'), { EXIT_FULLSCREEN: counts });
      }
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

    it("a burst's flags get deliveries for the endpoints that want them (read with the sessions' locks)", async () => {
      const all = await registerEndpoint(relay, 'http://127.0.0.1:9/all');
      const tabOnly = await registerEndpoint(relay, 'http://127.0.0.1:9/tab', ['proctoring_event.tab_switch']);
      const sessions = await Promise.all(Array.from({ length: 6 }, () => relay.createSession()));
      const burst = Array.from({ length: 30 }, (_, i) => {
        const s = sessions[i % 6]!;
        return { s, flag: flagOf(s, i % 2 ? 'EXIT_FULLSCREEN' : 'TAB_NOT_FOCUS', { details: { durationMs: 700 + i } }) };
      });
      const answers = await Promise.all(burst.map(({ s, flag }) => postFlag(relay, s, flag)));
      assert.deepEqual(answers.map((a) => a.status), answers.map(() => 201));
      const deliveries = await relay.db
        .selectFrom('webhook_deliveries as d')
        .innerJoin('webhook_events as e', 'e.id', 'd.event_id')
        .select(['d.endpoint_id', 'e.event_type', 'e.data'])
        .where('e.session_id', 'in', sessions.map((s) => s.sessionId))
        .where('e.event_type', 'like', 'proctoring_event.%')
        .execute();
      const flagIdsTo = (endpoint: string) => deliveries.filter((d) => d.endpoint_id === endpoint).map((d) => (JSON.parse(d.data) as { flag_id: string }).flag_id).sort();
      const ids = (type: string) => burst.filter(({ flag }) => flag.type === type).map(({ flag }) => flag.id as string);
      assert.deepEqual(flagIdsTo(all.id), ids('TAB_NOT_FOCUS').concat(ids('EXIT_FULLSCREEN')).sort(), 'every flag to the endpoint without a filter');
      assert.deepEqual(flagIdsTo(tabOnly.id), ids('TAB_NOT_FOCUS').sort(), 'only tab switches to the filtered one');
    });

    it("a shared transaction's deliveries: one statement for its flags of different sessions on PostgreSQL (a round trip each before), one per flag on SQLite (in process)", async (t) => {
      const endpoint = await registerEndpoint(relay, 'http://127.0.0.1:9/burst', ['proctoring_event.*']);
      const sessions = await Promise.all(Array.from({ length: 8 }, () => relay.createSession()));
      const shared = groupIngest(relay.db, relay.engine, { parallel: 1 });
      const flags = sessions.map((s) => ({ s, flag: flagOf(s, 'EXIT_FULLSCREEN') }));
      const inserts: string[] = [];
      // Every statement text the relay sends by hand (db/hot-sql.ts) passes here, transactions
      // included; the original is called with the same `this`.
      // eslint-disable-next-line @typescript-eslint/unbound-method
      const executeQuery = Kysely.prototype.executeQuery;
      Kysely.prototype.executeQuery = function (this: Kysely<Database>, ...args: Parameters<typeof executeQuery>) {
        const [query] = args;
        if ('sql' in query && query.sql.startsWith('insert into webhook_deliveries')) inserts.push(query.sql);
        return executeQuery.apply(this, args);
      } as typeof executeQuery;
      t.after(() => {
        Kysely.prototype.executeQuery = executeQuery;
      });
      // All in one turn: one shared transaction, its flags written together (sessions/flag-batch.ts).
      const answers = await Promise.all(
        flags.map(({ s, flag }) => {
          const claims = { sessionId: s.sessionId, tenantId: relay.tenantId, examId: s.examId, candidateId: s.candidateId, exp: Math.floor(Date.now() / 1000) + 600 };
          const input = parseFlagInput(flag, claims, { nowMs: Date.now(), skewMs: relay.config.clockSkewMs });
          return ingestFlag({ db: relay.db, engine: relay.engine, config: relay.config }, relay.app.mediaStore, claims, input, null, shared);
        }),
      );
      Kysely.prototype.executeQuery = executeQuery;
      assert.deepEqual(answers.map((r) => r.duplicate), flags.map(() => false));
      const deliveries = await relay.db
        .selectFrom('webhook_deliveries as d')
        .innerJoin('webhook_events as e', 'e.id', 'd.event_id')
        .select(['e.data', 'd.status'])
        .where('e.session_id', 'in', sessions.map((s) => s.sessionId))
        .where('d.endpoint_id', '=', endpoint.id)
        .execute();
      const flagIds = deliveries.map((d) => (JSON.parse(d.data) as { flag_id: string }).flag_id).sort();
      assert.deepEqual(flagIds, flags.map(({ flag }) => flag.id as string).sort(), 'each flag one delivery to the endpoint');
      assert.ok(deliveries.every((d) => d.status === 'pending'));
      assert.equal(inserts.length, engine === 'postgres' ? 1 : flags.length, `${inserts.length} delivery statements for ${flags.length} flags`);
    });
  });
}
