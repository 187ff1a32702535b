/**
 * The event catalog end to end: flags posted by a widget's session token become the documented
 * webhook events, with media_url returning the exact bytes, snapshot opt-in, and session.ended's
 * summary and risk score. SQLite and PostgreSQL.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINES } from '../testing/engines.js';
import { verifyStandard } from '../testing/verify.js';
import type { ApiBody } from '../testing/client.js';
import {
  api,
  relayAndReceiver,
  bodies,
  ofType,
  postFlag,
  postMediaFlag,
  registerEndpoint,
  sampleJpeg,
  startedSession,
  toneWav,
  type DeliveryList,
  type WebhookBody,
} from '../testing/webhook-fixtures.js';
import { unknownEventTypes, endpointWants } from './catalog.js';

test('subscription filters: exact, prefix.*, null = all but opt-in', () => {
  assert.equal(endpointWants(null, 'session.started'), true);
  assert.equal(endpointWants(null, 'proctoring_event.snapshot'), false);
  assert.equal(endpointWants(['proctoring_event.*'], 'proctoring_event.face_absent'), true);
  assert.equal(endpointWants(['proctoring_event.*'], 'proctoring_event.snapshot'), false);
  assert.equal(endpointWants(['proctoring_event.snapshot'], 'proctoring_event.snapshot'), true);
  assert.equal(endpointWants(['session.started'], 'session.ended'), false);
  assert.deepEqual(unknownEventTypes(['session.*', 'incident.instance.create', 'bogus', 'nothing.*']), ['bogus', 'nothing.*']);
});

for (const engine of ENGINES) {
  describe(`event catalog (${engine})`, () => {
    const env = relayAndReceiver(engine);

    test('a full session produces every catalog event with the documented fields', async () => {
      const all = await registerEndpoint(env.relay, `${env.rx.url}/all`);
      await registerEndpoint(env.relay, `${env.rx.url}/snaps`, ['proctoring_event.snapshot']);
      const s = await startedSession(env.relay, { metadata: { browserUa: 'Mozilla/5.0 test', screenResolution: '1280x720', timezone: 'UTC', sdkVersion: '0.1.0' } });
      const jpeg = sampleJpeg();
      const wav = toneWav();
      const expect201 = (r: { status: number; body: unknown }) => {
        assert.equal(r.status, 201, JSON.stringify(r.body));
      };
      expect201(await postFlag(env.relay, s, { type: 'TAB_NOT_FOCUS', details: { durationMs: 1500 } }));
      expect201(await postFlag(env.relay, s, { type: 'TAB_NOT_FOCUS', details: { durationMs: 2500 } }));
      expect201(await postMediaFlag(env.relay, s, { type: 'FACE_ABSENCE', details: { durationMs: 6000, confidence: 0.93 } }, { bytes: jpeg, type: 'image/jpeg', name: 'a.jpg' }));
      expect201(await postMediaFlag(env.relay, s, { type: 'MULTIPLE_FACE', details: { faceCount: 3, confidence: 0.88 } }, { bytes: jpeg, type: 'image/jpeg', name: 'b.jpg' }));
      expect201(await postMediaFlag(env.relay, s, { type: 'SOUND_DETECTED', details: { peakDb: -12.5, durationMs: 800 } }, { bytes: wav, type: 'audio/wav', name: 'c.wav' }));
      expect201(await postFlag(env.relay, s, { type: 'EXIT_FULLSCREEN' }));
      expect201(await postFlag(env.relay, s, { type: 'DEVTOOLS_OPEN' }));
      expect201(await postMediaFlag(env.relay, s, { type: 'PERIODIC_SNAPSHOT' }, { bytes: jpeg, type: 'image/jpeg', name: 'd.jpg' }));
      expect201(await postFlag(env.relay, s, { type: 'END_PROCTORING' }));

      const got = await env.rx.waitFor((rs) => rs.some((r) => r.path === '/all' && bodies([r])[0]!.event_type === 'session.ended'));
      await env.rx.waitFor((rs) => rs.some((r) => r.path === '/snaps'));
      const mine = got.filter((r) => r.path === '/all' && bodies([r])[0]!.data.session_id === s.sessionId);
      for (const r of mine) assert.ok(verifyStandard(all.secret, r.headers, r.body));
      const events = bodies<WebhookBody>(mine);
      const byType = <T extends WebhookBody['event_type']>(t: T) => ofType(events, t);
      for (const e of events) {
        assert.equal(e.data.exam_id, s.examId);
        assert.equal(e.data.session_id, s.sessionId);
        assert.equal(e.data.candidate_id, s.candidateId);
        assert.ok(!Number.isNaN(Date.parse(e.data.occurred_at)));
      }
      assert.deepEqual(byType('session.started')[0]!.data.metadata, { browser_ua: 'Mozilla/5.0 test', screen_resolution: '1280x720', timezone: 'UTC', sdk_version: '0.1.0' });
      const tabs = byType('proctoring_event.tab_switch').sort((a, b) => a.data.count_this_session - b.data.count_this_session);
      assert.deepEqual(tabs.map((t) => [t.data.duration_ms, t.data.count_this_session]), [[1500, 1], [2500, 2]]);

      const face = byType('proctoring_event.face_absent')[0]!;
      assert.equal(face.data.duration_ms, 6000);
      assert.equal(face.data.confidence, 0.93);
      const multi = byType('proctoring_event.multiple_faces')[0]!;
      assert.equal(multi.data.face_count, 3);
      assert.equal(multi.data.confidence, 0.88);
      const audio = byType('proctoring_event.audio_anomaly')[0]!;
      assert.equal(audio.data.peak_db, -12.5);
      assert.equal(audio.data.duration_ms, 800);
      assert.equal(audio.data.count_this_session, 1);
      assert.equal(byType('proctoring_event.fullscreen_exit')[0]!.data.count_this_session, 1);
      assert.equal(byType('proctoring_event.devtools_open').length, 1);
      assert.equal(byType('proctoring_event.snapshot').length, 0, 'snapshot is opt-in: not sent to an endpoint without an explicit subscription');

      // media_url: signed env.relay URL returning the exact bytes the widget sent.
      for (const [e, bytes, type] of [[face, jpeg, 'image/jpeg'], [multi, jpeg, 'image/jpeg'], [audio, wav, 'audio/wav']] as const) {
        assert.match(e.data.media_url!, new RegExp(`^${env.relay.url}/v1/media/[^?]+\\?expires=\\d+&sig=`));
        const res = await fetch(e.data.media_url!);
        assert.equal(res.status, 200);
        assert.equal(res.headers.get('content-type'), type);
        assert.ok(Buffer.from(await res.arrayBuffer()).equals(bytes));
        // Change the signature's first character to a different one (never a no-op).
        const tampered = await fetch(e.data.media_url!.replace(/sig=(.)/, (_m: string, c: string) => `sig=${c === 'A' ? 'B' : 'A'}`));
        assert.notEqual(tampered.status, 200);
      }
      const snap = bodies<WebhookBody>(env.rx.requests.filter((r) => r.path === '/snaps'));
      assert.equal(snap.length, 1);
      assert.equal(snap[0]!.event_type, 'proctoring_event.snapshot');
      assert.ok(Buffer.from(await (await fetch(ofType(snap, 'proctoring_event.snapshot')[0]!.data.media_url!)).arrayBuffer()).equals(jpeg));

      const ended = byType('session.ended')[0]!;
      assert.equal(ended.data.exit_reason, 'completed');
      assert.equal(typeof ended.data.total_duration_seconds, 'number');
      assert.ok(ended.data.total_duration_seconds! >= 0 && ended.data.total_duration_seconds! < 120);
      assert.deepEqual(ended.data.events_summary, { tab_switches: 2, face_absences: 1, face_mismatches: 0, multiple_faces: 1, audio_anomalies: 1, fullscreen_exits: 1, devtools_opens: 1 });
      const view = await api<ApiBody<'/v1/sessions/{id}', 'get'>>(env.relay, 'GET', `/v1/sessions/${s.sessionId}`);
      assert.equal(ended.data.risk_score, view.body.risk_score);
      assert.ok(ended.data.risk_score > 0.9 && ended.data.risk_score < 1, String(ended.data.risk_score));

      // Incidents opened by the rules, each announced.
      const created = byType('incident.instance.create');
      const rules = new Set(created.map((e) => e.data.incident.description));
      assert.ok(created.length >= 3, `incidents: ${[...rules].join(' | ')}`);
      const inc = await api<ApiBody<'/v1/incidents', 'get'>>(env.relay, 'GET', `/v1/incidents?session_id=${s.sessionId}`);
      assert.deepEqual(new Set(inc.body.incidents.map((i) => i.rule)), new Set(['FACE_ABSENCE', 'MULTIPLE_FACES', 'DEVTOOLS', 'RISK_ESCALATION']));
      assert.equal(inc.body.incidents.find((i) => i.rule === 'MULTIPLE_FACES')!.severity, 'HIGH');
      assert.equal(view.body.incidents.length, 4);
      for (const e of created) {
        assert.deepEqual(Object.keys(e.data.incident).sort(), ['created_at', 'description', 'end_time', 'id', 'resolution_notes', 'severity', 'start_time', 'status', 'tenant_id', 'updated_at']);
        assert.equal(e.data.incident.status, 'TRIGGERED');
        assert.equal(e.data.incident.tenant_id, env.relay.tenantId);
        assert.deepEqual(Object.keys(e.data.session).sort(), ['created_at', 'id', 'score', 'status', 'updated_at', 'uuid']);
        assert.equal(typeof e.data.urgent, 'boolean');
      }
      // The delivery log lists them all as delivered.
      const dl = await api<DeliveryList>(env.relay, 'GET', `/v1/webhooks/endpoints/${all.id}/deliveries?limit=500`);
      assert.ok(dl.body.deliveries.length >= events.length);
    });
  });
}
