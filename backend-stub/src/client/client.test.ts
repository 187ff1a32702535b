/**
 * The typed client (`eye-relay/client`) against a real relay over HTTP, on SQLite and PostgreSQL:
 * what an LMS backend and a proctor do, every path, parameter and body checked by the compiler
 * against the OpenAPI document: sessions, the widget's flags (session token), incidents, a
 * directive, the webhook replay and the delivery log.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { nowIso } from '../clock.js';
import { ENGINES } from '../testing/engines.js';
import { relayAndReceiver, relayClient, waitUntil } from '../testing/webhook-fixtures.js';

for (const engine of ENGINES) {
  describe(`typed relay client (${engine})`, () => {
    const env = relayAndReceiver(engine);

    test('sessions, flags, an incident resolved, a pause, the replay and the delivery log, through the typed client', async () => {
      const lms = relayClient(env.relay);
      const endpoint = await lms.POST('/v1/webhooks/endpoints', { body: { url: `${env.rx.url}/typed`, eventTypes: ['incident.*', 'session.*'] } });
      assert.equal(endpoint.response.status, 201, JSON.stringify(endpoint.error));

      const created = await lms.POST('/v1/sessions', { body: { examId: 'exam-typed', candidateId: 'cand-typed', metadata: { sdk_version: 'test' } } });
      assert.equal(created.response.status, 201, JSON.stringify(created.error));
      const { sessionId, token } = created.data!;
      const id = { path: { id: sessionId } };

      // The widget's side: flags with the session token.
      const widget = relayClient(env.relay, token);
      for (const [flagId, type] of [['typed-start', 'STARTED'], ['typed-absent', 'FACE_ABSENCE']] as const) {
        const posted = await widget.POST('/v1/sessions/{id}/flags', { params: id, body: { id: flagId, type, createdAt: nowIso(), description: type } });
        assert.equal(posted.response.status, 201, JSON.stringify(posted.error));
      }
      // A session token is not an API key: no tenant-wide listing with it.
      assert.equal((await widget.GET('/v1/sessions', { params: { query: {} } })).response.status, 401);

      const listed = await lms.GET('/v1/sessions', { params: { query: { exam_id: 'exam-typed' } } });
      assert.deepEqual(listed.data?.sessions?.map((s) => [s.id, s.status]), [[sessionId, 'IN_PROGRESS']]);
      const read = await lms.GET('/v1/sessions/{id}', { params: id });
      assert.deepEqual(read.data?.flags?.map((f) => f.id).sort(), ['typed-absent', 'typed-start']);

      const incidents = await lms.GET('/v1/incidents', { params: { query: { session_id: sessionId } } });
      const [incident] = incidents.data?.incidents ?? [];
      assert.equal(incident?.rule, 'FACE_ABSENCE');
      assert.equal(incident.status, 'TRIGGERED');
      const resolved = await lms.PATCH('/v1/incidents/{id}', { params: { path: { id: incident.id! } }, body: { status: 'RESOLVED', resolution_notes: 'looked down at the desk' } });
      assert.equal(resolved.data?.status, 'RESOLVED');
      // A transition the incident workflow forbids: the error body, typed, not a 500.
      const refused = await lms.PATCH('/v1/incidents/{id}', { params: { path: { id: incident.id! } }, body: { status: 'DISMISSED' } });
      assert.ok(refused.response.status >= 400 && refused.response.status < 500, String(refused.response.status));
      assert.equal(typeof refused.error?.error, 'string');

      const paused = await lms.POST('/v1/sessions/{id}/status', { params: id, body: { status: 'PAUSED', reason: 'proctor check' } });
      assert.equal(paused.response.status, 200, JSON.stringify(paused.error));
      assert.equal((await lms.GET('/v1/sessions/{id}', { params: id })).data?.status, 'PAUSED');

      // The replay holds the events the webhooks carried, the incident's creation and resolution included.
      const replayed = await waitUntil('the incident events in the replay', async () => {
        const replay = await lms.GET('/v1/events/replay', { params: { query: { session_id: sessionId } } });
        const types = (replay.data?.events ?? []).map((e) => String(e.event_type));
        return types.includes('incident.instance.create') && types.includes('incident.instance.updated') ? types : null;
      });
      assert.ok(replayed.includes('session.started'), replayed.join(', '));

      // And the delivery log shows them delivered to the receiver.
      const endpointId = { path: { id: endpoint.data!.id! } };
      const delivered = await waitUntil('delivered incident webhooks', async () => {
        const log = await lms.GET('/v1/webhooks/endpoints/{id}/deliveries', { params: { ...endpointId, query: { limit: 50 } } });
        const done = (log.data?.deliveries ?? []).filter((d) => d.status === 'delivered').map((d) => d.eventType);
        return done.includes('incident.instance.create') && done.includes('incident.instance.updated') ? done : null;
      });
      assert.ok(delivered.length >= 2);
    });
  });
}
