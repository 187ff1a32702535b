/**
 * Tab-switch durations over real HTTP with a real webhook receiver, on both engines: the widget
 * posts TAB_NOT_FOCUS on leaving and TAB_FOCUS_CHANGE {focused, awayMs, flagId} on return; the
 * proctoring_event.tab_switch webhook carries the measured duration_ms, and so does the timeline.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CompiledQuery } from 'kysely';
import { ENGINES } from '../testing/engines.js';
import { startTestRelay, type TestRelay } from '../testing/harness.js';
import { tabSwitchQueries } from './tab-switch.js';
import { verifyStandard } from '../testing/verify.js';
import type { SessionAnswer } from '../testing/client.js';
import { api, bodies, ofType, postFlag, registerEndpoint, relayAndReceiver, startedSession, type WebhookBody, type WebhookOf } from '../testing/webhook-fixtures.js';

/** proctoring_event.tab_switch also carries the id of the TAB_NOT_FOCUS flag it reports (not in the documented schema). */
type TabSwitch = WebhookOf<'proctoring_event.tab_switch'> & { data: { flag_id: string } };

for (const engine of ENGINES) {
  describe(`tab-switch duration (${engine})`, () => {
    const env = relayAndReceiver(engine);

    test('return message, out-of-order return, and session end each give the tab_switch its duration', async () => {
      const ep = await registerEndpoint(env.relay, `${env.rx.url}/tabs`, ['proctoring_event.tab_switch', 'session.ended']);
      const s = await startedSession(env.relay);
      const t0 = Date.now() - 60_000;
      const iso = (ms: number) => new Date(t0 + ms).toISOString();
      const ok = (r: { status: number; body: unknown }) => {
        assert.ok(r.status < 300, `${r.status} ${JSON.stringify(r.body)}`);
      };

      // 1: left, came back 4200 ms later (the normal order).
      ok(await postFlag(env.relay, s, { id: 'away-1', type: 'TAB_NOT_FOCUS', createdAt: iso(0) }));
      ok(await postFlag(env.relay, s, { id: 'back-1', type: 'TAB_FOCUS_CHANGE', createdAt: iso(4200), payload: { focused: true, awayMs: 4200, flagId: 'away-1' } }));
      // A retried return changes nothing.
      ok(await postFlag(env.relay, s, { id: 'back-1', type: 'TAB_FOCUS_CHANGE', createdAt: iso(4200), payload: { focused: true, awayMs: 4200, flagId: 'away-1' } }));
      // 2: the return reached the relay before the flag it closes.
      ok(await postFlag(env.relay, s, { id: 'back-2', type: 'TAB_FOCUS_CHANGE', createdAt: iso(9000), payload: { focused: true, awayMs: 1000, flagId: 'away-2' } }));
      ok(await postFlag(env.relay, s, { id: 'away-2', type: 'TAB_NOT_FOCUS', createdAt: iso(8000) }));
      // 3: left and never came back before the session ended.
      ok(await postFlag(env.relay, s, { id: 'away-3', type: 'TAB_NOT_FOCUS', createdAt: new Date(Date.now() - 30_000).toISOString() }));

      // Nothing for away-3 yet: its duration is not known.
      const early = await env.rx.waitFor((rs) => rs.filter((r) => r.path === '/tabs').length >= 2);
      assert.equal(bodies<TabSwitch>(early.filter((r) => r.path === '/tabs')).filter((e) => e.data.flag_id === 'away-3').length, 0);

      ok(await postFlag(env.relay, s, { type: 'END_PROCTORING' }));
      // Deliveries run in parallel, so arrival order is not creation order: wait for all four.
      const got = await env.rx.waitFor((rs) => rs.filter((r) => r.path === '/tabs' && bodies<WebhookBody>([r])[0]!.data.session_id === s.sessionId).length >= 4);
      const mine = got.filter((r) => r.path === '/tabs' && bodies<WebhookBody>([r])[0]!.data.session_id === s.sessionId);
      for (const r of mine) assert.ok(verifyStandard(ep.secret, r.headers, r.body));
      const events = bodies<WebhookBody>(mine);
      const tabs = ofType(events, 'proctoring_event.tab_switch') as TabSwitch[];
      assert.equal(tabs.length, 3, 'one webhook per tab switch, none twice');
      const byFlag = Object.fromEntries(tabs.map((e) => [e.data.flag_id, e.data]));
      assert.deepEqual([byFlag['away-1']!.duration_ms, byFlag['away-1']!.count_this_session], [4200, 1]);
      assert.deepEqual([byFlag['away-2']!.duration_ms, byFlag['away-2']!.count_this_session], [1000, 2]);
      assert.equal(byFlag['away-3']!.count_this_session, 3);
      const away3 = byFlag['away-3']!.duration_ms!;
      assert.ok(away3 >= 29_000 && away3 < 120_000, `until the end: ${away3}`);
      assert.equal(ofType(events, 'session.ended')[0]!.data.events_summary.tab_switches, 3);

      // The timeline shows the same durations.
      const view = await api<SessionAnswer>(env.relay, 'GET', `/v1/sessions/${s.sessionId}`);
      assert.equal(view.status, 200);
      const durations = Object.fromEntries(view.body.flags.filter((f) => f.type === 'TAB_NOT_FOCUS').map((f) => [f.id, f.details!.durationMs]));
      assert.equal(durations['away-1'], 4200);
      assert.equal(durations['away-2'], 1000);
      assert.equal(durations['away-3'], byFlag['away-3']!.duration_ms);
    });
  });
}

/**
 * The tab-switch queries use their partial indexes (migration 0014) instead of walking every flag
 * of the session through another index. PostgreSQL's generic plan (what a prepared statement
 * settles on) can use one only when the type is a literal in the SQL: with a bound parameter the
 * PostgreSQL case fails. SQLite plans with the bound values, so there the check is the planner's
 * choice among the indexes (it took flags_session_created_idx for `waiting` ordered by created_at
 * alone).
 */
for (const engine of ENGINES) {
  test(`tab-switch queries use their partial indexes (${engine})`, async () => {
    const relay = await startTestRelay({ engine });
    try {
      const flag = { session_id: 's', created_at: new Date().toISOString(), id: 'f' };
      const cases = [
        ['upTo', tabSwitchQueries.upTo(relay.db, flag).compile(), 'flags_tab_switch_idx'],
        ['waiting', tabSwitchQueries.waiting(relay.db, 's').compile(), 'flags_tab_switch_idx'],
        ['returnsNaming', tabSwitchQueries.returnsNaming(relay.db, 's', 'f').compile(), 'flags_tab_return_idx'],
      ] as const;
      for (const [name, q, index] of cases) {
        const plan = engine === 'sqlite' ? await sqlitePlan(relay, q) : await genericPgPlan(relay, q);
        assert.ok(plan.includes(index), `${name}: ${plan}`);
      }
    } finally {
      await relay.close();
    }
  });
}

async function sqlitePlan(relay: TestRelay, q: CompiledQuery): Promise<string> {
  const { rows } = await relay.db.executeQuery<{ detail: string }>(CompiledQuery.raw(`explain query plan ${q.sql}`, [...q.parameters]));
  return rows.map((r) => r.detail).join('; ');
}

/** The plan PostgreSQL uses for the statement once prepared (generic), with sequential scans off so that any usable index shows. */
async function genericPgPlan(relay: TestRelay, q: CompiledQuery): Promise<string> {
  return relay.db.connection().execute(async (c) => {
    await c.executeQuery(CompiledQuery.raw(`set search_path to ${relay.pgSchema}`));
    await c.executeQuery(CompiledQuery.raw('set enable_seqscan = off'));
    await c.executeQuery(CompiledQuery.raw('set plan_cache_mode = force_generic_plan'));
    await c.executeQuery(CompiledQuery.raw(`prepare eye_plan_probe as ${q.sql}`));
    try {
      const args = q.parameters.map((p) => `'${String(p).replace(/'/g, "''")}'`).join(', ');
      const { rows } = await c.executeQuery<{ 'QUERY PLAN': string }>(CompiledQuery.raw(`explain execute eye_plan_probe(${args})`));
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    } finally {
      await c.executeQuery(CompiledQuery.raw('deallocate eye_plan_probe'));
      await c.executeQuery(CompiledQuery.raw('reset enable_seqscan'));
      await c.executeQuery(CompiledQuery.raw('reset plan_cache_mode'));
    }
  });
}
