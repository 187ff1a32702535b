/**
 * Identity at the relay, on SQLite and PostgreSQL: FACE_MISMATCH becomes a signed
 * proctoring_event.face_mismatch webhook (confidence, re_enrolled, media_url returning the exact
 * JPEG) and opens a HIGH incident at once; face_mismatches in events_summary (GET session and
 * session.ended); IDENTITY_ENROLLED / IDENTITY_UNAVAILABLE recorded on the session; the re-enroll
 * directive from a proctor's request until the widget enrolls again.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINES } from '../testing/engines.js';
import { verifyClassic, verifyStandard } from '../testing/verify.js';
import type { ApiBody, ApiError, SessionAnswer } from '../testing/client.js';
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
  type WebhookOf,
} from '../testing/webhook-fixtures.js';
import { identityOf } from './identity.js';

test('identityOf: the latest word wins; not_checked without identity flags', () => {
  assert.equal(identityOf([]).status, 'not_checked');
  const enrolled = { type: 'IDENTITY_ENROLLED', created_at: '2026-01-01T00:00:00.000Z', details: { confidence: 0.81, referenceMatch: true } };
  const failed = { type: 'IDENTITY_UNAVAILABLE', created_at: '2026-01-01T00:01:00.000Z', details: { reason: 'HTTP 404' } };
  assert.deepEqual(identityOf([enrolled]), { status: 'enrolled', enrolled_at: enrolled.created_at, reference_match: true, reference_similarity: 0.81, unavailable_reason: null });
  assert.equal(identityOf([enrolled, failed]).status, 'unavailable');
  assert.equal(identityOf([failed, enrolled]).status, 'enrolled');
});

for (const engine of ENGINES) {
  describe(`identity at the relay (${engine})`, () => {
    const env = relayAndReceiver(engine);
    const jpeg = { bytes: sampleJpeg(), type: 'image/jpeg', name: 'face_mismatch.jpg' };

    test('FACE_MISMATCH: verified face_mismatch webhook with media_url, HIGH incident at once, summary counts', async () => {
      const ep = await registerEndpoint(env.relay, `${env.rx.url}/identity-${engine}`, ['proctoring_event.*', 'incident.*', 'session.ended']);
      const s = await startedSession(env.relay, { examId: 'exam-identity' });
      const posted = await postMediaFlag(env.relay, s, { type: 'FACE_MISMATCH', details: { confidence: 0.31, reEnrolled: false, countThisSession: 1 } }, jpeg);
      assert.equal(posted.status, 201, JSON.stringify(posted.body));

      const incidents = (await api<ApiBody<'/v1/incidents', 'get'>>(env.relay, 'GET', `/v1/incidents?session_id=${s.sessionId}`)).body.incidents;
      assert.deepEqual(incidents.map((i) => [i.rule, i.severity, i.status]), [['FACE_MISMATCH', 'HIGH', 'TRIGGERED']]);

      const mine = () => env.rx.requests.filter((r) => bodies<WebhookBody>([r])[0]!.data.session_id === s.sessionId);
      await waitUntil('face_mismatch + incident webhooks', () => Promise.resolve(mine().length >= 2));
      const hook = mine().find((r) => bodies([r])[0]!.event_type === 'proctoring_event.face_mismatch')!;
      assert.ok(hook, 'face_mismatch webhook');
      assert.deepEqual(verifyClassic(ep.secret, hook.headers, hook.body), { ok: true });
      const event = verifyStandard(ep.secret, hook.headers, hook.body) as WebhookOf<'proctoring_event.face_mismatch'>;
      assert.equal(event.data.confidence, 0.31);
      assert.equal(event.data.re_enrolled, false);
      assert.equal(event.data.candidate_id, s.candidateId);
      const media = await fetch(event.data.media_url!);
      assert.equal(media.status, 200);
      assert.ok(Buffer.from(await media.arrayBuffer()).equals(jpeg.bytes), 'media_url returns the exact bytes');
      const created = ofType(bodies<WebhookBody>(mine()), 'incident.instance.create')[0]!;
      assert.equal(created.data.incident.severity, 'HIGH');

      // A later mismatch after a re-enrollment says so.
      await postMediaFlag(env.relay, s, { type: 'FACE_MISMATCH', details: { confidence: 0.2, reEnrolled: true } }, jpeg);
      await waitUntil('second face_mismatch', () => Promise.resolve(bodies(mine()).filter((b) => b.event_type === 'proctoring_event.face_mismatch').length === 2));
      assert.equal(ofType(bodies<WebhookBody>(mine()), 'proctoring_event.face_mismatch')[1]!.data.re_enrolled, true);

      const view = await api<SessionAnswer>(env.relay, 'GET', `/v1/sessions/${s.sessionId}`);
      assert.equal(view.body.events_summary.face_mismatches, 2);
      assert.equal(view.body.identity.face_mismatches, 2);
      assert.ok(view.body.risk_score >= 0.8, `two mismatches weigh: ${view.body.risk_score}`);

      assert.equal((await postFlag(env.relay, s, { type: 'END_PROCTORING' })).status, 201);
      await waitUntil('session.ended', () => Promise.resolve(bodies(mine()).find((b) => b.event_type === 'session.ended')));
      const ended = ofType(bodies<WebhookBody>(mine()), 'session.ended')[0]!;
      assert.equal(ended.data.events_summary.face_mismatches, 2);
    });

    test('IDENTITY_ENROLLED (with JPEG) and IDENTITY_UNAVAILABLE are recorded on the session; no incident, no risk', async () => {
      const s = await startedSession(env.relay, { examId: 'exam-identity-enroll' });
      let view = await api<SessionAnswer>(env.relay, 'GET', `/v1/sessions/${s.sessionId}`);
      assert.equal(view.body.identity.status, 'not_checked');
      const enrolled = await postMediaFlag(env.relay, s, { type: 'IDENTITY_ENROLLED', details: { confidence: 0.82, referenceMatch: true, samples: 5 } }, { ...jpeg, name: 'enrolled.jpg' });
      assert.equal(enrolled.status, 201, JSON.stringify(enrolled.body));
      view = await api(env.relay, 'GET', `/v1/sessions/${s.sessionId}`);
      assert.equal(view.body.identity.status, 'enrolled');
      assert.equal(view.body.identity.reference_match, true);
      assert.equal(view.body.identity.reference_similarity, 0.82);
      const flag = view.body.flags.find((f) => f.type === 'IDENTITY_ENROLLED')!;
      assert.equal(flag.media!.content_type, 'image/jpeg');

      assert.equal((await postFlag(env.relay, s, { type: 'IDENTITY_UNAVAILABLE', details: { reason: 'identity model: HTTP 404' } })).status, 201);
      view = await api(env.relay, 'GET', `/v1/sessions/${s.sessionId}`);
      assert.equal(view.body.identity.status, 'unavailable');
      assert.equal(view.body.identity.unavailable_reason, 'identity model: HTTP 404');
      assert.equal(view.body.incidents.length, 0);
      assert.equal(view.body.risk_score, 0);
      // Evidence flags must carry images, like snapshots.
      const audio = await postMediaFlag(env.relay, s, { type: 'IDENTITY_ENROLLED' }, { bytes: Buffer.from('RIFF0000WAVEfmt '), type: 'audio/wav', name: 'x.wav' });
      assert.ok(audio.status === 415 || audio.status === 400, `status ${audio.status}`);
    });

    test('re-enroll: a proctor request gives the re-enroll directive until IDENTITY_ENROLLED arrives', async () => {
      const s = await startedSession(env.relay, { examId: 'exam-identity-reenroll' });
      assert.equal((await postFlag(env.relay, s, { type: 'TAB_NOT_FOCUS' })).body.directive, null);
      const requested = await api<ApiBody<'/v1/sessions/{id}/re-enroll', 'post', 202>>(env.relay, 'POST', `/v1/sessions/${s.sessionId}/re-enroll`);
      assert.equal(requested.status, 202);
      assert.ok(requested.body.reenroll_requested_at);
      assert.equal((await postFlag(env.relay, s, { type: 'RESUMED' })).body.directive, 're-enroll');
      assert.equal((await api<SessionAnswer>(env.relay, 'GET', `/v1/sessions/${s.sessionId}`)).body.identity.reenroll_requested_at, requested.body.reenroll_requested_at);
      const enrolled = await postMediaFlag(env.relay, s, { type: 'IDENTITY_ENROLLED', details: { samples: 5 } }, jpeg);
      assert.equal(enrolled.body.directive, null);
      assert.equal((await postFlag(env.relay, s, { type: 'TAB_NOT_FOCUS' })).body.directive, null);

      assert.equal((await api(env.relay, 'POST', `/v1/sessions/${crypto.randomUUID()}/re-enroll`)).status, 404);
      const other = await env.relay.createTenant();
      assert.equal((await api(env.relay, 'POST', `/v1/sessions/${s.sessionId}/re-enroll`, undefined, other.apiKey)).status, 404);
      await postFlag(env.relay, s, { type: 'END_PROCTORING' });
      const late = await api<ApiError>(env.relay, 'POST', `/v1/sessions/${s.sessionId}/re-enroll`);
      assert.equal(late.status, 409);
      assert.equal(late.body.error, 'session_ended');
    });
  });
}
