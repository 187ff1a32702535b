/**
 * Flags and the end of a session, over real HTTP on SQLite and PostgreSQL: a flag created after the
 * session ended (COMPLETED or STOPPED) is refused with 409 and changes nothing (no row, no media, no
 * incident, no score, no webhook); a flag created before the end that arrives late (offline outbox)
 * is stored, counts for incidents and the risk score, and is delivered as a webhook.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ENGINES } from '../testing/engines.js';
import type { ApiBody, ApiError } from '../testing/client.js';
import {
  api,
  bodies,
  ofType,
  postFlag,
  postMediaFlag,
  registerEndpoint,
  relayAndReceiver,
  sampleJpeg,
  startedSession,
  waitUntil,
  type WebhookBody,
} from '../testing/webhook-fixtures.js';

type IncidentList = ApiBody<'/v1/incidents', 'get'>;

for (const engine of ENGINES) {
  describe(`flags after the end of a session (${engine})`, () => {
    const env = relayAndReceiver(engine);
    const sessionRow = (id: string) => env.relay.db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    const flagIds = async (id: string) => (await env.relay.db.selectFrom('flags').select('id').where('session_id', '=', id).execute()).map((r) => r.id);
    const hooksOf = <T extends WebhookBody['event_type']>(sessionId: string, type: T) => ofType(bodies<WebhookBody>(env.rx.requests), type).filter((b) => b.data.session_id === sessionId);

    test('COMPLETED: a flag created after the end gets 409 and changes nothing; one created before is stored, scored and delivered', async () => {
      await registerEndpoint(env.relay, `${env.rx.url}/late`);
      const s = await startedSession(env.relay);
      const end = await postFlag(env.relay, s, { type: 'END_PROCTORING' });
      assert.equal(end.body.session.status, 'COMPLETED');
      await env.rx.waitFor(() => hooksOf(s.sessionId, 'session.ended').length === 1);
      const ended = await sessionRow(s.sessionId);
      const flagsBefore = await flagIds(s.sessionId);
      const mediaBefore = await env.relay.db.selectFrom('media').select('id').where('session_id', '=', s.sessionId).execute();

      // After the end, as JSON and as multipart with a snapshot: 409, nothing stored.
      const after = await postFlag<ApiError>(env.relay, s, { id: 'after-end', type: 'MULTIPLE_FACE', createdAt: new Date(Date.parse(ended.ended_at!) + 1000).toISOString(), details: { faceCount: 2, confidence: 0.9 } });
      assert.equal(after.status, 409, JSON.stringify(after.body));
      assert.equal(after.body.error, 'session_ended');
      assert.equal(typeof after.body.message, 'string');
      const noCreatedAt = await api(env.relay, 'POST', `/v1/sessions/${s.sessionId}/flags`, { id: 'after-end-2', type: 'TAB_NOT_FOCUS' }, s.token);
      assert.equal(noCreatedAt.status, 409, 'without createdAt the flag is dated on receipt: after the end');
      const media = await postMediaFlag(env.relay, s, { id: 'after-end-3', type: 'MULTIPLE_FACE' }, { bytes: sampleJpeg(), type: 'image/jpeg', name: 'x.jpg' });
      assert.equal(media.status, 409);
      assert.deepEqual(await flagIds(s.sessionId), flagsBefore);
      assert.equal((await env.relay.db.selectFrom('media').select('id').where('session_id', '=', s.sessionId).execute()).length, mediaBefore.length);
      const unchanged = await sessionRow(s.sessionId);
      assert.equal(unchanged.risk_score, ended.risk_score);
      assert.equal((await api<IncidentList>(env.relay, 'GET', `/v1/incidents?session_id=${s.sessionId}`)).body.incidents.length, 0);

      // Created a second before the end, arriving now: stored, opens its incident, delivered.
      const createdAt = new Date(Date.parse(ended.ended_at!) - 1000).toISOString();
      const late = await postFlag(env.relay, s, { id: 'late-before-end', type: 'MULTIPLE_FACE', createdAt, details: { faceCount: 2, confidence: 0.9 } });
      assert.equal(late.status, 201, JSON.stringify(late.body));
      assert.equal(late.body.directive, 'end');
      assert.ok((await flagIds(s.sessionId)).includes('late-before-end'));
      const [hook] = await env.rx.waitFor(() => hooksOf(s.sessionId, 'proctoring_event.multiple_faces').length === 1).then(() => hooksOf(s.sessionId, 'proctoring_event.multiple_faces'));
      assert.equal(hook!.data.occurred_at, createdAt);
      assert.equal(hook!.data.face_count, 2);
      const incidents = await waitUntil('incident of the late flag', async () => {
        const r = await api<IncidentList>(env.relay, 'GET', `/v1/incidents?session_id=${s.sessionId}`);
        return r.body.incidents.length > 0 ? r.body.incidents : null;
      });
      assert.equal(incidents[0]!.severity, 'HIGH');
      assert.ok((await sessionRow(s.sessionId)).risk_score > ended.risk_score, 'the late flag counts for the risk score');
      assert.equal((await sessionRow(s.sessionId)).status, 'COMPLETED');
      // The refused ones were never delivered.
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(hooksOf(s.sessionId, 'proctoring_event.multiple_faces').length, 1);
      assert.equal(hooksOf(s.sessionId, 'proctoring_event.tab_switch').length, 0);
    });

    test('STOPPED by the API: after the stop 409, before the stop stored; lifecycle events still accepted', async () => {
      const s = await startedSession(env.relay);
      const stop = await api(env.relay, 'POST', `/v1/sessions/${s.sessionId}/status`, { status: 'STOPPED', reason: 'proctor' });
      assert.equal(stop.status, 200);
      const ended = await sessionRow(s.sessionId);
      const after = await postFlag<ApiError>(env.relay, s, { type: 'FACE_ABSENCE', createdAt: new Date(Date.parse(ended.ended_at!) + 50).toISOString(), details: { durationMs: 6000, confidence: 0.8 } });
      assert.equal(after.status, 409);
      assert.equal(after.body.error, 'session_ended');
      // Just before the stop (start and stop can be less than 10 ms apart).
      const before = await postFlag(env.relay, s, { type: 'FACE_ABSENCE', createdAt: new Date(Date.parse(ended.ended_at!) - 1).toISOString(), details: { durationMs: 6000, confidence: 0.8 } });
      assert.equal(before.status, 201);
      // The widget, told to end, reports END_PROCTORING after the stop: stored, no flag semantics.
      const endAck = await postFlag(env.relay, s, { type: 'END_PROCTORING' });
      assert.equal(endAck.status, 201);
      assert.equal((await sessionRow(s.sessionId)).status, 'STOPPED');
    });
  });
}
