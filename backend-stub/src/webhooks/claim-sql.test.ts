/**
 * A claim must cost the same with 3,000 due deliveries as with 30: its statements walk the claim
 * index in order and stop at the window, and name claimed rows by primary key. Checked on the
 * plans each engine picks for a fresh table that holds a backlog it has no statistics for (the
 * state after a receiver outage): on these plans, each claim had walked every due delivery.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CompiledQuery, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { ENGINES } from '../testing/engines.js';
import { manualWorker, registerEndpoint, relayWithPendingDeliveries } from '../testing/webhook-fixtures.js';
import { candidatesQuery, claimUpdate, mayFindBesides, planInClaimOrder } from './claim-sql.js';
import { isPostgres } from './outbox.js';

const BACKLOG = 3000;

/** The plan's lines (PostgreSQL EXPLAIN, SQLite EXPLAIN QUERY PLAN). */
async function planOf(db: Kysely<Database>, q: { compile(): CompiledQuery }): Promise<string> {
  const c = q.compile();
  const explain = isPostgres(db) ? 'explain' : 'explain query plan';
  const { rows } = await db.executeQuery<Record<string, string>>(CompiledQuery.raw(`${explain} ${c.sql}`, [...c.parameters]));
  return rows.map((r) => r['QUERY PLAN'] ?? r.detail).join('\n');
}

for (const engine of ENGINES) {
  describe(`claim statements on a large backlog (${engine})`, () => {
    test('walk the claim index in order, update by primary key', async (t) => {
      const { relay, endpoint: ep } = await relayWithPendingDeliveries(t, engine, 'http://127.0.0.1:9/hook', 1);
      const [first] = await relay.db.selectFrom('webhook_deliveries').selectAll().where('endpoint_id', '=', ep.id).execute();
      assert.ok(first, 'the flag made a delivery');
      // The backlog, written at once: no statistics describe it.
      const rows = Array.from({ length: BACKLOG }, (_, i) => ({ ...first, id: `dlv_backlog_${String(i).padStart(5, '0')}` }));
      for (let i = 0; i < rows.length; i += 500) await relay.db.insertInto('webhook_deliveries').values(rows.slice(i, i + 500)).execute();

      const nowIso = new Date(Date.now() + 60_000).toISOString();
      const filter = { nowIso, excludedEndpoints: ['we_other'], heldDeliveries: ['dlv_held'], window: 64 };
      const picked = rows.slice(0, 16).map((r) => r.id);
      const update = claimUpdate(relay.db, picked, { me: 'worker', leaseUntil: nowIso, nowIso });
      // One text whatever the lists' lengths (prepared once; PostgreSQL names only 300 texts per connection).
      const textOf = (held: string[]) => candidatesQuery(relay.db, { ...filter, excludedEndpoints: [...held], heldDeliveries: held }).compile().sql;
      assert.equal(textOf(['a']), textOf(['a', 'b', 'c']));
      assert.equal(claimUpdate(relay.db, ['a'], { me: 'w', leaseUntil: nowIso, nowIso }).compile().sql, update.compile().sql);
      if (engine === 'sqlite') {
        const select = await planOf(relay.db, candidatesQuery(relay.db, filter));
        assert.match(select, /SEARCH d USING INDEX webhook_deliveries_claim_idx \(status=\? AND next_attempt_at<\?\)/, select);
        assert.doesNotMatch(select, /TEMP B-TREE/, `no sort: ${select}`);
        const upd = await planOf(relay.db, update);
        assert.match(upd, /sqlite_autoindex_webhook_deliveries_1 \(id=\?\)/, upd);
        assert.doesNotMatch(upd, /claim_idx/, upd);
      } else {
        await relay.db.transaction().execute(async (trx) => {
          await planInClaimOrder(trx);
          const select = await planOf(trx, candidatesQuery(trx, filter));
          assert.match(select, /Index Scan using webhook_deliveries_claim_idx/, select);
          assert.doesNotMatch(select, /Sort/, `no sort: ${select}`);
        });
        const upd = await planOf(relay.db, update);
        assert.match(upd, /webhook_deliveries_pkey/, upd);
        assert.doesNotMatch(upd, /claim_idx/, upd);
      }
      // The statements do what they say: the first rows in claim order, leased by primary key.
      const claimed = await relay.db.transaction().execute(async (trx) => {
        await planInClaimOrder(trx);
        const candidates = await candidatesQuery(trx, filter).execute();
        // Same due time for all: creation (id) order.
        assert.deepEqual(candidates.map((c) => c.id), [first.id, ...rows.map((r) => r.id)].sort().slice(0, filter.window));
        return claimUpdate(trx, picked, { me: 'worker', leaseUntil: nowIso, nowIso }).execute();
      });
      assert.deepEqual(claimed.map((c) => c.id).sort(), [...picked].sort());
      assert.ok(claimed.every((c) => c.attempts === first.attempts + 1));
    });

    test('a claim that leaves out every enabled endpoint reads none of their due deliveries', async (t) => {
      const { relay, endpoint: ep } = await relayWithPendingDeliveries(t, engine, 'http://127.0.0.1:9/hook', 3);
      const filter = { nowIso: new Date(Date.now() + 60_000).toISOString(), excludedEndpoints: [ep.id], heldDeliveries: [], window: 64 };
      /** Whether the claim's candidate read walks the due deliveries (SQLite: whether the worker runs it at all). */
      const readsDeliveries = () =>
        relay.db.transaction().execute(async (trx) => {
          await planInClaimOrder(trx);
          if (!(await mayFindBesides(trx, filter.excludedEndpoints))) return false;
          if (!isPostgres(trx)) return true;
          const c = candidatesQuery(trx, filter).compile();
          const { rows } = await trx.executeQuery<Record<string, string>>(CompiledQuery.raw(`explain (analyze, costs off, timing off) ${c.sql}`, [...c.parameters]));
          const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
          assert.match(plan, /claim_idx/, plan);
          return !/claim_idx[^\n]*never executed/.test(plan);
        });
      assert.equal(await readsDeliveries(), false, 'the only endpoint is left out');
      const other = await registerEndpoint(relay, 'http://127.0.0.1:9/other', ['proctoring_event.*']);
      assert.equal(await readsDeliveries(), true, 'another enabled endpoint may have due deliveries');
      await relay.db.updateTable('webhook_endpoints').set({ enabled: 0 }).where('id', '=', other.id).execute();
      assert.equal(await readsDeliveries(), false, 'the other one is disabled');
      assert.equal(await relay.db.transaction().execute((trx) => mayFindBesides(trx, [])), true, 'nothing left out');
    });

    test('a claim hands its deliveries out in claim order, whatever order the UPDATE returns them in', async (t) => {
      const { relay, endpoint: ep } = await relayWithPendingDeliveries(t, engine, 'http://127.0.0.1:9/hook', 8);
      const rows = await relay.db.selectFrom('webhook_deliveries').select(['id', 'next_attempt_at']).where('endpoint_id', '=', ep.id).execute();
      const inClaimOrder = rows.sort((a, b) => a.next_attempt_at.localeCompare(b.next_attempt_at) || a.id.localeCompare(b.id)).map((r) => r.id);
      // Rewritten newest first: PostgreSQL stores the new row versions in that order, and an UPDATE
      // over a bitmap scan returns rows as stored (what released held deliveries looked like).
      for (const id of [...inClaimOrder].reverse()) {
        await relay.db.updateTable('webhook_deliveries').set({ updated_at: new Date().toISOString() }).where('id', '=', id).execute();
      }
      const worker = manualWorker(relay, { perEndpointConcurrency: 8 });
      const claimed = await worker.claim(8);
      assert.deepEqual(claimed.map((c) => c.id), inClaimOrder);
    });
  });
}
