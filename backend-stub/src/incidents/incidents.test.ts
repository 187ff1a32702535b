/**
 * Incidents and risk over HTTP on SQLite and PostgreSQL: rules open de-duplicated incidents,
 * PATCH transitions each send incident.instance.updated, and a critical risk score marks incident
 * webhooks urgent and (auto_pause) pauses the session with directive 'pause'.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINES } from '../testing/engines.js';
import type { ApiBody, ApiError, SessionAnswer } from '../testing/client.js';
import { api, bodies, relayAndReceiver, postFlag, registerEndpoint, startedSession, type WebhookBody, type WebhookOf } from '../testing/webhook-fixtures.js';

type IncidentHook = WebhookOf<'incident.instance.create' | 'incident.instance.updated'>;
type IncidentList = ApiBody<'/v1/incidents', 'get'>;
type IncidentAnswer = ApiBody<'/v1/incidents/{id}', 'patch'>;
import { evaluateRules } from './rules.js';
import { canChangeIncident } from './service.js';

test('rules: severities, repeat thresholds, risk escalation', () => {
  const base = { countThisSession: 1, riskScore: 0, escalationThreshold: 0.7, criticalThreshold: 0.9 };
  assert.deepEqual(evaluateRules({ ...base, flagType: 'MULTIPLE_FACE' }).map((h) => [h.rule, h.severity]), [['MULTIPLE_FACES', 'HIGH']]);
  assert.deepEqual(evaluateRules({ ...base, flagType: 'FACE_ABSENCE' }).map((h) => [h.rule, h.severity]), [['FACE_ABSENCE', 'MEDIUM']]);
  assert.deepEqual(evaluateRules({ ...base, flagType: 'TAB_NOT_FOCUS', countThisSession: 2 }), []);
  assert.deepEqual(evaluateRules({ ...base, flagType: 'TAB_NOT_FOCUS', countThisSession: 3 }).map((h) => h.severity), ['LOW']);
  assert.deepEqual(evaluateRules({ ...base, flagType: 'TAB_NOT_FOCUS', countThisSession: 6 }).map((h) => h.severity), ['MEDIUM']);
  assert.deepEqual(evaluateRules({ ...base, flagType: 'PERIODIC_SNAPSHOT', riskScore: 0.75 }).map((h) => h.rule), ['RISK_ESCALATION']);
  assert.ok(canChangeIncident('TRIGGERED', 'RESOLVED'));
  assert.ok(canChangeIncident('DISMISSED', 'REOPENED'));
  assert.ok(!canChangeIncident('TRIGGERED', 'REOPENED'));
  assert.ok(!canChangeIncident('RESOLVED', 'DISMISSED'));
});

for (const engine of ENGINES) {
  describe(`incidents and risk (${engine})`, () => {
    const env = relayAndReceiver(engine);

    const incidentHooks = (sessionId: string) =>
      bodies<WebhookBody>(env.rx.requests).filter((b): b is IncidentHook => b.event_type.startsWith('incident.') && b.data.session_id === sessionId);

    test('repeated tab switches open one incident, raised from LOW to MEDIUM, never duplicated while open', async () => {
      await registerEndpoint(env.relay, `${env.rx.url}/inc`, ['incident.*']);
      const s = await startedSession(env.relay, { examId: 'exam-tabs' });
      for (let i = 0; i < 6; i++) assert.equal((await postFlag(env.relay, s, { type: 'TAB_NOT_FOCUS', details: { durationMs: 100 } })).status, 201);
      const list = await api<IncidentList>(env.relay, 'GET', `/v1/incidents?session_id=${s.sessionId}`);
      const tabs = list.body.incidents.filter((i) => i.rule === 'TAB_SWITCHING');
      assert.equal(tabs.length, 1);
      assert.equal(tabs[0]!.severity, 'MEDIUM');
      await env.rx.waitFor(() => incidentHooks(s.sessionId).length >= 2);
      // Two events of one endpoint may be in flight at once and arrive in either order; event ids
      // sort in creation order (outbox.newId), so order by id.
      const hooks = incidentHooks(s.sessionId).sort((a, b) => (a.id < b.id ? -1 : 1));
      assert.deepEqual(hooks.map((h) => [h.event_type, h.data.incident.severity]), [
        ['incident.instance.create', 'LOW'],
        ['incident.instance.updated', 'MEDIUM'],
      ]);
    });

    test('PATCH changes status through valid transitions only, each change an incident.instance.updated webhook', async () => {
      const s = await startedSession(env.relay, { examId: 'exam-patch' });
      await postFlag(env.relay, s, { type: 'FACE_ABSENCE', details: { durationMs: 5000 } });
      const inc = (await api<IncidentList>(env.relay, 'GET', `/v1/incidents?session_id=${s.sessionId}`)).body.incidents[0]!;
      assert.equal(inc.status, 'TRIGGERED');
      assert.equal(inc.severity, 'MEDIUM');

      const resolved = await api<IncidentAnswer>(env.relay, 'PATCH', `/v1/incidents/${inc.id}`, { status: 'RESOLVED', resolution_notes: 'candidate bent down to pick up a pen' });
      assert.equal(resolved.status, 200);
      assert.equal(resolved.body.status, 'RESOLVED');
      assert.ok(resolved.body.end_time);
      assert.equal(resolved.body.resolution_notes, 'candidate bent down to pick up a pen');

      const bad = await api<ApiError>(env.relay, 'PATCH', `/v1/incidents/${inc.id}`, { status: 'DISMISSED' });
      assert.equal(bad.status, 409);
      assert.equal(bad.body.error, 'invalid_transition');
      assert.equal((await api(env.relay, 'PATCH', `/v1/incidents/${inc.id}`, { status: 'NOPE' })).status, 400);
      assert.equal((await api(env.relay, 'PATCH', `/v1/incidents/${inc.id}`, {})).status, 400);
      assert.equal((await api(env.relay, 'PATCH', `/v1/incidents/inc_missing`, { status: 'RESOLVED' })).status, 404);
      const other = await env.relay.createTenant();
      assert.equal((await api(env.relay, 'PATCH', `/v1/incidents/${inc.id}`, { status: 'REOPENED' }, other.apiKey)).status, 404);

      const reopened = await api<IncidentAnswer>(env.relay, 'PATCH', `/v1/incidents/${inc.id}`, { status: 'REOPENED', severity: 'HIGH' });
      assert.equal(reopened.body.status, 'REOPENED');
      assert.equal(reopened.body.severity, 'HIGH');
      assert.equal(reopened.body.end_time, null);
      // While reopened, another face absence does not open a second incident.
      await postFlag(env.relay, s, { type: 'FACE_ABSENCE', details: { durationMs: 5000 } });
      assert.equal((await api<IncidentList>(env.relay, 'GET', `/v1/incidents?session_id=${s.sessionId}`)).body.incidents.filter((i) => i.rule === 'FACE_ABSENCE').length, 1);
      const dismissed = await api<IncidentAnswer>(env.relay, 'PATCH', `/v1/incidents/${inc.id}`, { status: 'DISMISSED', resolution_notes: null });
      assert.equal(dismissed.body.status, 'DISMISSED');

      await env.rx.waitFor(() => incidentHooks(s.sessionId).filter((h) => h.event_type === 'incident.instance.updated').length >= 3);
      const updates = incidentHooks(s.sessionId).filter((h) => h.event_type === 'incident.instance.updated');
      assert.deepEqual(updates.map((u) => [u.data.incident.status, u.data.incident.severity]), [
        ['RESOLVED', 'MEDIUM'],
        ['REOPENED', 'HIGH'],
        ['DISMISSED', 'HIGH'],
      ]);
      assert.equal(updates[0]!.data.incident.resolution_notes, 'candidate bent down to pick up a pen');
      assert.equal(updates[0]!.data.incident.id, inc.id);
      assert.equal(updates[0]!.data.session.id, s.sessionId);
      assert.equal(updates[0]!.data.urgent, false);
    });

    test('critical risk: incident webhooks carry urgent true and auto_pause pauses the session (directive pause)', async () => {
      const put = await api<ApiBody<'/v1/exams/{examId}/risk-settings', 'put'>>(env.relay, 'PUT', '/v1/exams/exam-critical/risk-settings', { auto_pause: true });
      assert.equal(put.status, 200);
      assert.deepEqual(put.body, { exam_id: 'exam-critical', escalation_threshold: 0.7, critical_threshold: 0.9, auto_pause: true });
      assert.equal((await api(env.relay, 'PUT', '/v1/exams/exam-critical/risk-settings', { escalation_threshold: 0.95 })).status, 400);
      const s = await startedSession(env.relay, { examId: 'exam-critical' });
      const r1 = await postFlag(env.relay, s, { type: 'MULTIPLE_FACE', details: { faceCount: 2 } });
      assert.deepEqual([r1.body.session.status, r1.body.directive], ['IN_PROGRESS', null]);
      const r2 = await postFlag(env.relay, s, { type: 'MULTIPLE_FACE', details: { faceCount: 2 } });
      assert.deepEqual([r2.body.session.status, r2.body.directive], ['IN_PROGRESS', null]);
      const mid = await api<SessionAnswer>(env.relay, 'GET', `/v1/sessions/${s.sessionId}`);
      assert.ok(mid.body.risk_score >= 0.7 && mid.body.risk_score < 0.9, String(mid.body.risk_score));
      const r3 = await postFlag(env.relay, s, { type: 'MULTIPLE_FACE', details: { faceCount: 3 } });
      assert.equal(r3.status, 201);
      assert.deepEqual([r3.body.session.status, r3.body.directive], ['PAUSED', 'pause']);
      const view = await api<SessionAnswer>(env.relay, 'GET', `/v1/sessions/${s.sessionId}`);
      assert.equal(view.body.status, 'PAUSED');
      assert.ok(view.body.risk_score >= 0.9, String(view.body.risk_score));

      await env.rx.waitFor(() => incidentHooks(s.sessionId).length >= 3);
      const hooks = incidentHooks(s.sessionId);
      const risk = hooks.filter((h) => h.data.incident.description.startsWith('Risk score'));
      assert.deepEqual(risk.map((h) => [h.event_type, h.data.urgent]), [
        ['incident.instance.create', false],
        ['incident.instance.updated', true],
      ]);
      assert.equal(risk[1]!.data.session.status, 'PAUSED');
      assert.ok(risk[1]!.data.session.score >= 0.9);
      assert.match(risk[1]!.data.incident.description, /critical threshold 0\.90/);
      // The multiple-faces incident was created before critical: not urgent.
      assert.equal(hooks.find((h) => h.event_type === 'incident.instance.create' && /face/i.test(h.data.incident.description))?.data.urgent, false);
    });
  });
}
