/**
 * Replay API and retention on SQLite and PostgreSQL: every event of a session in a window, as
 * envelopes with fresh media URLs, for 72 h after the session ended; then 410, and the retention
 * job purges the events and the media files.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINES } from '../testing/engines.js';
import { startTestRelay, type TestRelay } from '../testing/harness.js';
import type { ApiError } from '../testing/client.js';
import { api, FAST_WEBHOOKS, ofType, postFlag, postMediaFlag, sampleJpeg, startedSession, type ReplayAnswer } from '../testing/webhook-fixtures.js';

for (const engine of ENGINES) {
  describe(`replay and retention (${engine})`, () => {
    let relay: TestRelay;
    before(async () => {
      // No endpoint at all: events are kept for replay whether or not anyone subscribed.
      relay = await startTestRelay({ engine, webhooks: { ...FAST_WEBHOOKS } });
    });
    after(() => (relay as TestRelay | undefined)?.close()); // unset when `before` failed

    test('replay returns the window, authenticates, validates, and expires 72 h after the end', async () => {
      const s = await startedSession(relay);
      const t0 = Date.now() - 10 * 60_000;
      const at = (min: number) => new Date(t0 + min * 60_000).toISOString();
      await postFlag(relay, s, { type: 'TAB_NOT_FOCUS', createdAt: at(1), details: { durationMs: 10 } });
      await postMediaFlag(relay, s, { type: 'FACE_ABSENCE', createdAt: at(2), details: { durationMs: 5000 } }, { bytes: sampleJpeg(), type: 'image/jpeg', name: 'x.jpg' });
      await postFlag(relay, s, { type: 'EXIT_FULLSCREEN', createdAt: at(3) });

      const all = await api<ReplayAnswer>(relay, 'GET', `/v1/events/replay?session_id=${s.sessionId}`);
      assert.equal(all.status, 200);
      assert.equal(all.body.replayable_until, null, 'session not ended yet');
      const types = all.body.events.map((e) => e.event_type);
      // The flags happened (createdAt) before the session's start was stored; incidents happen now.
      assert.deepEqual(types.slice(0, 3), ['proctoring_event.tab_switch', 'proctoring_event.face_absent', 'proctoring_event.fullscreen_exit']);
      assert.deepEqual(new Set(types.slice(3)), new Set(['session.started', 'incident.instance.create']));
      for (const e of all.body.events) {
        assert.deepEqual(Object.keys(e), ['id', 'event_type', 'meta', 'data']);
        assert.equal(e.data.session_id, s.sessionId);
      }
      const occurred = all.body.events.map((e) => e.data.occurred_at);
      assert.deepEqual(occurred, [...occurred].sort(), 'ordered by occurred_at');

      const win = await api<ReplayAnswer>(relay, 'GET', `/v1/events/replay?session_id=${s.sessionId}&from=${encodeURIComponent(at(1.5))}&to=${encodeURIComponent(at(2.5))}`);
      assert.equal(win.status, 200);
      assert.deepEqual(win.body.events.map((e) => e.event_type), ['proctoring_event.face_absent']);
      const face = ofType(win.body.events, 'proctoring_event.face_absent')[0]!;
      const bytes = Buffer.from(await (await fetch(face.data.media_url!)).arrayBuffer());
      assert.ok(bytes.equals(sampleJpeg()), 'replayed media_url returns the exact bytes');
      const sameId = all.body.events.find((e) => e.event_type === 'proctoring_event.face_absent')!.id;
      assert.equal(face.id, sameId, 'replay keeps the envelope id (= webhook-id)');

      // Bearer with an API key is required; other tenants see nothing.
      assert.equal((await api(relay, 'GET', `/v1/events/replay?session_id=${s.sessionId}`, undefined, '')).status, 401);
      assert.equal((await api(relay, 'GET', `/v1/events/replay?session_id=${s.sessionId}`, undefined, 'eye_live_wrong')).status, 401);
      const other = await relay.createTenant();
      assert.equal((await api(relay, 'GET', `/v1/events/replay?session_id=${s.sessionId}`, undefined, other.apiKey)).status, 404);
      const nf = await api<ApiError>(relay, 'GET', `/v1/events/replay?session_id=00000000-0000-4000-8000-000000000000`);
      assert.deepEqual([nf.status, nf.body.error], [404, 'session_not_found']);
      assert.equal((await api(relay, 'GET', `/v1/events/replay`)).status, 400);
      assert.equal((await api<ApiError>(relay, 'GET', `/v1/events/replay?session_id=${s.sessionId}&from=yesterday`)).body.error, 'invalid_time');
      assert.equal((await api<ApiError>(relay, 'GET', `/v1/events/replay?session_id=${s.sessionId}&from=${at(3)}&to=${at(1)}`)).body.error, 'invalid_window');

      await postFlag(relay, s, { type: 'END_PROCTORING' });
      const ended = await api<ReplayAnswer>(relay, 'GET', `/v1/events/replay?session_id=${s.sessionId}`);
      assert.equal(ended.status, 200);
      assert.ok(ended.body.events.some((e) => e.event_type === 'session.ended'));
      const row = await relay.db.selectFrom('sessions').select('ended_at').where('id', '=', s.sessionId).executeTakeFirstOrThrow();
      assert.equal(Date.parse(ended.body.replayable_until!) - Date.parse(row.ended_at!), 72 * 3_600_000);

      // 71 h after the end: still there. 73 h after: 410.
      const shift = async (hours: number) =>
        relay.db.updateTable('sessions').set({ ended_at: new Date(Date.now() - hours * 3_600_000).toISOString() }).where('id', '=', s.sessionId).execute();
      await shift(71);
      assert.equal((await api(relay, 'GET', `/v1/events/replay?session_id=${s.sessionId}`)).status, 200);
      await shift(73);
      const gone = await api<ApiError>(relay, 'GET', `/v1/events/replay?session_id=${s.sessionId}`);
      assert.equal(gone.status, 410);
      assert.equal(gone.body.error, 'replay_window_expired');
      assert.match(gone.body.message, /72 h after it ended/);
    });

    test('retention purges events and media files of sessions ended more than 72 h ago, and nothing else', async () => {
      const old = await startedSession(relay);
      const fresh = await startedSession(relay);
      for (const s of [old, fresh]) {
        await postMediaFlag(relay, s, { type: 'MULTIPLE_FACE', details: { faceCount: 2 } }, { bytes: sampleJpeg(), type: 'image/jpeg', name: 'x.jpg' });
        await postFlag(relay, s, { type: 'END_PROCTORING' });
      }
      await relay.db.updateTable('sessions').set({ ended_at: new Date(Date.now() - 73 * 3_600_000).toISOString() }).where('id', '=', old.sessionId).execute();
      const mediaOf = (sid: string) => relay.db.selectFrom('media').select(['id', 'storage_name']).where('session_id', '=', sid).execute();
      const oldMedia = await mediaOf(old.sessionId);
      assert.equal(oldMedia.length, 1);
      const oldName = oldMedia[0]!.storage_name;
      assert.ok(await relay.app.mediaStore.bytes(oldName));
      const eventsOf = async (sid: string) => (await relay.db.selectFrom('webhook_events').select('id').where('session_id', '=', sid).execute()).length;
      assert.ok((await eventsOf(old.sessionId)) > 0);

      const result = await relay.app.webhooks.purge();
      assert.ok(result.sessions >= 1 && result.media >= 1 && result.events >= 3, JSON.stringify(result));
      assert.equal(await eventsOf(old.sessionId), 0);
      assert.equal((await mediaOf(old.sessionId)).length, 0);
      assert.equal(await relay.app.mediaStore.bytes(oldName), null, 'media bytes removed from the store');
      const flag = await relay.db.selectFrom('flags').select('media_id').where('session_id', '=', old.sessionId).where('type', '=', 'MULTIPLE_FACE').executeTakeFirstOrThrow();
      assert.equal(flag.media_id, null);

      assert.ok((await eventsOf(fresh.sessionId)) > 0, 'a session inside the window is untouched');
      const freshMedia = await mediaOf(fresh.sessionId);
      assert.equal(freshMedia.length, 1);
      assert.ok(await relay.app.mediaStore.bytes(freshMedia[0]!.storage_name));
      // Idempotent.
      assert.deepEqual(await relay.app.webhooks.purge(), { sessions: 0, events: 0, media: 0, heldExpired: 0 });
    });
  });
}
