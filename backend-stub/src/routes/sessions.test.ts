import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { ENGINES } from '../testing/engines.js';
import { startTestRelay, type TestRelay } from '../testing/harness.js';
import { flagOf, getSession, postFlag, postFlagWithMedia, request, type ApiBody, type ApiError, type JsonResponse, type OrError } from '../testing/client.js';
import { sampleJpeg, wavAudio } from '../testing/media-fixtures.js';
import { hashApiKey } from '../tenants.js';

type SessionList = ApiBody<'/v1/sessions', 'get'>;

for (const engine of ENGINES) {
  describe(`sessions API [${engine}]`, () => {
    let relay: TestRelay;
    before(async () => {
      relay = await startTestRelay({ engine, config: { tokenTtlSeconds: 600 } });
    });
    after(() => (relay as TestRelay | undefined)?.close()); // unset when `before` failed

    it('POST /v1/sessions issues a scoped, short-lived token (Bearer or X-Api-Key)', async () => {
      const before = Date.now();
      const res = await request<ApiBody<'/v1/sessions', 'post', 201>>(relay, 'POST', '/v1/sessions', {
        headers: { authorization: `Bearer ${relay.apiKey}` },
        json: { examId: 'math-101', candidateId: 'cand-42', metadata: { browser_ua: 'UA', timezone: 'Europe/Berlin' } },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const { sessionId, token, expiresAt } = res.body;
      assert.match(sessionId, /^[0-9a-f-]{36}$/);
      const claims = decodeJwt(token);
      assert.equal(claims.sub, sessionId);
      assert.equal(claims.tid, relay.tenantId);
      assert.equal(claims.exam, 'math-101');
      assert.equal(claims.cand, 'cand-42');
      const exp = Date.parse(expiresAt);
      assert.ok(exp >= before + 599_000 && exp <= Date.now() + 601_000, 'ttl from config');
      assert.equal(claims.exp, exp / 1000);
      const row = await relay.db.selectFrom('sessions').selectAll().where('id', '=', sessionId).executeTakeFirstOrThrow();
      assert.equal(row.status, 'CREATED');
      assert.equal(row.tenant_id, relay.tenantId);
      assert.deepEqual(JSON.parse(row.metadata), { browser_ua: 'UA', timezone: 'Europe/Berlin' });
      const exam = await relay.db.selectFrom('exams').selectAll().where('tenant_id', '=', relay.tenantId).where('id', '=', 'math-101').executeTakeFirstOrThrow();
      assert.equal(exam.escalation_threshold, 0.7);
      assert.equal(exam.critical_threshold, 0.9);
      assert.equal(exam.auto_pause, 0);

      const viaHeader = await request(relay, 'POST', '/v1/sessions', { apiKey: relay.apiKey, json: { examId: 'math-101', candidateId: 'cand-43' } });
      assert.equal(viaHeader.status, 201);
    });

    it('stores API keys only as hashes', async () => {
      const keys = await relay.db.selectFrom('api_keys').selectAll().where('tenant_id', '=', relay.tenantId).execute();
      assert.equal(keys.length, 1);
      assert.equal(keys[0]!.key_hash, hashApiKey(relay.apiKey));
      assert.ok(!JSON.stringify(keys).includes(relay.apiKey));
    });

    it('rejects bad API keys and bad bodies with 4xx JSON', async () => {
      const cases: [string, Parameters<typeof request>[3], number, string][] = [
        ['no key', { json: { examId: 'e', candidateId: 'c' } }, 401, 'unauthorized'],
        ['wrong key', { apiKey: 'eye_live_nope', json: { examId: 'e', candidateId: 'c' } }, 401, 'unauthorized'],
        ['session token as key', { apiKey: (await relay.createSession()).token, json: { examId: 'e', candidateId: 'c' } }, 401, 'unauthorized'],
        ['missing candidate', { apiKey: relay.apiKey, json: { examId: 'e' } }, 400, 'validation_error'],
        ['empty exam id', { apiKey: relay.apiKey, json: { examId: '', candidateId: 'c' } }, 400, 'validation_error'],
        ['unknown property (not silently dropped)', { apiKey: relay.apiKey, json: { examId: 'e', candidateId: 'c', exam_id: 'typo' } }, 400, 'validation_error'],
        ['numeric candidate id (no type coercion)', { apiKey: relay.apiKey, json: { examId: 'e', candidateId: 42 } }, 400, 'validation_error'],
        ['control chars', { apiKey: relay.apiKey, json: { examId: 'e\u0000x', candidateId: 'c' } }, 400, 'validation_error'],
        ['malformed JSON', { apiKey: relay.apiKey, body: '{"examId":', headers: { 'content-type': 'application/json' } }, 400, 'invalid_json'],
      ];
      for (const [name, opts, status, code] of cases) {
        const res = await request<ApiError>(relay, 'POST', '/v1/sessions', opts);
        assert.equal(res.status, status, `${name}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.error, code, name);
        assert.equal(typeof res.body.message, 'string');
      }
    });

    it('refuses unknown fields: a body cannot choose the tenant', async () => {
      const other = await relay.createTenant('Elsewhere');
      const res = await request<ApiError>(relay, 'POST', '/v1/sessions', { apiKey: relay.apiKey, json: { examId: 'e-tenant-probe', candidateId: 'c', tenantId: other.tenantId } });
      assert.equal(res.status, 400);
      assert.equal(res.body.error, 'validation_error');
      const rows = await relay.db.selectFrom('sessions').select('tenant_id').where('exam_id', '=', 'e-tenant-probe').execute();
      assert.deepEqual(rows, []);
    });

    it('GET /v1/sessions/{id}: timeline with signed media URLs, events_summary, risk, incidents', async () => {
      const s = await relay.createSession({ examId: 'physics' });
      const t0 = Date.now();
      const at = (i: number) => new Date(t0 + i * 1000).toISOString();
      assert.equal((await postFlag(relay, s, { id: 'a-start', type: 'STARTED', createdAt: at(0) })).status, 201);
      await postFlag(relay, s, flagOf(s, 'TAB_NOT_FOCUS', { id: 'b', createdAt: at(1), details: { durationMs: 3000 } }));
      await postFlag(relay, s, flagOf(s, 'TAB_NOT_FOCUS', { id: 'c', createdAt: at(2) }));
      await postFlag(relay, s, flagOf(s, 'EXIT_FULLSCREEN', { id: 'd', createdAt: at(3) }));
      const jpeg = sampleJpeg(1);
      await postFlagWithMedia(relay, s, flagOf(s, 'FACE_ABSENCE', { id: 'e', createdAt: at(4) }), { bytes: jpeg });
      await postFlagWithMedia(relay, s, flagOf(s, 'SOUND_DETECTED', { id: 'f', createdAt: at(5), details: { peakDb: -20 } }), { bytes: wavAudio() });
      await postFlag(relay, s, flagOf(s, 'DEVTOOLS_OPEN', { id: 'g', createdAt: at(6) }));
      await postFlag(relay, s, flagOf(s, 'MULTIPLE_FACE', { id: 'h', createdAt: at(7), details: { faceCount: 2 } }));

      const res = await getSession(relay, s.sessionId);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const v = res.body;
      assert.equal(v.id, s.sessionId);
      assert.equal(v.exam_id, 'physics');
      assert.equal(v.candidate_id, s.candidateId);
      assert.equal(v.status, 'IN_PROGRESS');
      assert.deepEqual(v.events_summary, { tab_switches: 2, face_absences: 1, face_mismatches: 0, multiple_faces: 1, audio_anomalies: 1, fullscreen_exits: 1, devtools_opens: 1 });
      assert.deepEqual(v.flags.map((f) => f.id), ['a-start', 'b', 'c', 'd', 'e', 'f', 'g', 'h']);
      assert.deepEqual(v.flags[1]!.details, { durationMs: 3000 });
      assert.equal(typeof v.risk_score, 'number');
      assert.ok(v.risk_score >= 0 && v.risk_score <= 1);
      const stored = await relay.db.selectFrom('incidents').select(['id', 'status', 'severity']).where('session_id', '=', s.sessionId).orderBy('created_at').execute();
      assert.ok(stored.length > 0, 'this many flags open incidents');
      assert.deepEqual(v.incidents.map((i) => ({ id: i.id, status: i.status, severity: i.severity })), stored);
      const face = v.flags.find((f) => f.id === 'e')!;
      assert.equal(face.media!.content_type, 'image/jpeg');
      assert.equal(face.media!.size, jpeg.length);
      assert.ok(face.media_url!.startsWith(`${relay.url}/v1/media/${face.media!.id}?expires=`));
      const bytes = Buffer.from(await (await fetch(face.media_url!)).arrayBuffer());
      assert.ok(bytes.equals(jpeg));
      assert.equal(v.flags.find((f) => f.id === 'b')!.media_url, null);
    });

    it('GET /v1/sessions lists only this tenant\'s sessions, filtered and paged', async () => {
      const tenant = await relay.createTenant('Lister');
      const made: string[] = [];
      for (let i = 0; i < 7; i++) made.push((await relay.createSession({ apiKey: tenant.apiKey, examId: i % 2 ? 'odd' : 'even', candidateId: `c${i}` })).sessionId);
      await relay.createSession({ examId: 'odd' }); // another tenant's
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res: JsonResponse<SessionList> = await request<SessionList>(relay, 'GET', `/v1/sessions?limit=3${cursor ? `&cursor=${cursor}` : ''}`, { apiKey: tenant.apiKey });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.ok(res.body.sessions.length <= 3);
        seen.push(...res.body.sessions.map((x) => x.id));
        cursor = res.body.next_cursor;
        pages++;
      } while (cursor && pages < 10);
      assert.equal(pages, 3);
      assert.deepEqual([...seen].sort(), [...made].sort(), 'every session once, none of other tenants');
      const odd = await request<SessionList>(relay, 'GET', '/v1/sessions?exam_id=odd', { apiKey: tenant.apiKey });
      assert.equal(odd.body.sessions.length, 3);
      assert.ok(odd.body.sessions.every((x) => x.exam_id === 'odd' && x.status === 'CREATED'));
      const one = await request<SessionList>(relay, 'GET', '/v1/sessions?candidate_id=c4&status=CREATED', { apiKey: tenant.apiKey });
      assert.deepEqual(one.body.sessions.map((x) => x.id), [made[4]]);
      for (const q of ['limit=0', 'limit=1000', 'status=RUNNING', 'cursor=%%%', 'cursor=bm9wZQ']) {
        const bad = await request(relay, 'GET', `/v1/sessions?${q}`, { apiKey: tenant.apiKey });
        assert.equal(bad.status, 400, q);
      }
      assert.equal((await request(relay, 'GET', '/v1/sessions')).status, 401);
    });

    it("hides another tenant's sessions (404) and needs an API key", async () => {
      const s = await relay.createSession();
      const other = await relay.createTenant('Other University');
      let res = await getSession<ApiError>(relay, s.sessionId, other.apiKey);
      assert.equal(res.status, 404);
      assert.equal(res.body.error, 'session_not_found');
      res = await request(relay, 'POST', `/v1/sessions/${s.sessionId}/status`, { apiKey: other.apiKey, json: { status: 'STOPPED' } });
      assert.equal(res.status, 404);
      res = await request(relay, 'GET', `/v1/sessions/${s.sessionId}`, { token: s.token });
      assert.equal(res.status, 401, 'a session token is not an API key');
      res = await request(relay, 'GET', `/v1/sessions/../../etc/passwd`, { apiKey: relay.apiKey });
      assert.ok([400, 404].includes(res.status));
      res = await request(relay, 'GET', `/v1/sessions/not-a-uuid`, { apiKey: relay.apiKey });
      assert.equal(res.status, 400);
      const row = await relay.db.selectFrom('sessions').select('status').where('id', '=', s.sessionId).executeTakeFirstOrThrow();
      assert.equal(row.status, 'CREATED');
    });

    it('DELETE /v1/sessions/{id} erases the session, its rows and its media files', async () => {
      const s = await relay.createSession();
      await postFlag(relay, s, { id: 'go', type: 'STARTED' });
      const up = await postFlagWithMedia(relay, s, flagOf(s, 'MULTIPLE_FACE', { details: { faceCount: 3 } }), { bytes: sampleJpeg(2) });
      for (let i = 0; i < 3; i++) await postFlag(relay, s, flagOf(s, 'TAB_NOT_FOCUS'));
      const media = await relay.db.selectFrom('media').selectAll().where('id', '=', up.body.mediaId!).executeTakeFirstOrThrow();
      assert.ok((await relay.app.mediaStore.names()).includes(media.storage_name));
      const mediaUrl = (await getSession(relay, s.sessionId)).body.flags.find((f) => f.media_url)!.media_url!;
      const other = await relay.createTenant('Not yours');
      assert.equal((await request(relay, 'DELETE', `/v1/sessions/${s.sessionId}`, { apiKey: other.apiKey })).status, 404);

      for (const table of ['flags', 'media', 'webhook_events'] as const) {
        const rows = await relay.db.selectFrom(table).select('session_id').where('session_id', '=', s.sessionId).execute();
        assert.ok(rows.length > 0, `${table} has rows before`);
      }
      const res = await request(relay, 'DELETE', `/v1/sessions/${s.sessionId}`, { apiKey: relay.apiKey });
      assert.equal(res.status, 204);
      for (const table of ['flags', 'media', 'incidents', 'webhook_events'] as const) {
        const rows = await relay.db.selectFrom(table).select('session_id').where('session_id', '=', s.sessionId).execute();
        assert.equal(rows.length, 0, table);
      }
      assert.equal((await relay.db.selectFrom('sessions').select('id').where('id', '=', s.sessionId).execute()).length, 0);
      assert.ok(!(await relay.app.mediaStore.names()).includes(media.storage_name), 'media bytes removed');
      assert.equal((await getSession(relay, s.sessionId)).status, 404);
      assert.equal((await fetch(mediaUrl)).status, 404);
      const late = await postFlag<ApiError>(relay, s, flagOf(s, 'TAB_NOT_FOCUS'));
      assert.equal(late.status, 404);
      assert.equal(late.body.error, 'session_not_found');
      assert.equal((await request(relay, 'DELETE', `/v1/sessions/${s.sessionId}`, { apiKey: relay.apiKey })).status, 404);
    });

    it('changes status through valid transitions only; the widget gets directives', async () => {
      const s = await relay.createSession();
      const setStatus = (status: string, method = 'POST') =>
        method === 'POST'
          ? request<OrError<ApiBody<'/v1/sessions/{id}/status', 'post'>>>(relay, 'POST', `/v1/sessions/${s.sessionId}/status`, { apiKey: relay.apiKey, json: { status } })
          : request<OrError<ApiBody<'/v1/sessions/{id}', 'patch'>>>(relay, 'PATCH', `/v1/sessions/${s.sessionId}`, { apiKey: relay.apiKey, json: { status } });
      let res = await setStatus('PAUSED');
      assert.equal(res.status, 409, 'CREATED cannot pause');
      assert.equal(res.body.error, 'invalid_transition');
      await postFlag(relay, s, { id: 'go', type: 'STARTED' });
      res = await setStatus('PAUSED');
      assert.equal(res.status, 200);
      assert.equal(res.body.status, 'PAUSED');
      let flag = await postFlag(relay, s, flagOf(s, 'TAB_NOT_FOCUS'));
      assert.equal(flag.body.directive, 'pause');
      flag = await postFlag(relay, s, { id: 'paused-ack', type: 'PAUSED', payload: { reason: 'relay' } });
      assert.equal(flag.body.directive, null);
      res = await setStatus('IN_PROGRESS', 'PATCH');
      assert.equal(res.body.status, 'IN_PROGRESS');
      flag = await postFlag(relay, s, { id: 'paused-late', type: 'PAUSED', payload: { reason: 'relay' } });
      assert.equal(flag.body.directive, 'resume');
      res = await setStatus('COMPLETED');
      assert.equal(res.status, 400, 'COMPLETED is reached by END_PROCTORING, not the API');
      res = await setStatus('STOPPED');
      assert.equal(res.body.status, 'STOPPED');
      const row = await relay.db.selectFrom('sessions').selectAll().where('id', '=', s.sessionId).executeTakeFirstOrThrow();
      assert.equal(row.status, 'STOPPED');
      assert.equal(row.exit_reason, 'stopped');
      assert.ok(row.ended_at);
      res = await setStatus('IN_PROGRESS');
      assert.equal(res.status, 409, 'STOPPED is final');
      flag = await postFlag(relay, s, flagOf(s, 'TAB_NOT_FOCUS', { createdAt: new Date(Date.parse(row.ended_at) - 1000).toISOString() }));
      assert.equal(flag.status, 201, 'created before the stop: stored');
      assert.equal(flag.body.directive, 'end');
      res = await setStatus('RUNNING');
      assert.equal(res.status, 400);
    });

    it('refreshes a still-valid token, not an ended session or an expired token', async () => {
      const s = await relay.createSession();
      const res = await request<ApiBody<'/v1/sessions/{id}/token', 'post'>>(relay, 'POST', `/v1/sessions/${s.sessionId}/token`, { token: s.token });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.sessionId, s.sessionId);
      const claims = decodeJwt(res.body.token);
      assert.equal(claims.sub, s.sessionId);
      assert.equal(claims.cand, s.candidateId);
      // The fresh token works for flags.
      assert.equal((await postFlag(relay, { ...s, token: res.body.token }, flagOf(s, 'TAB_NOT_FOCUS'))).status, 201);
      const other = await relay.createSession();
      const cross = await request(relay, 'POST', `/v1/sessions/${other.sessionId}/token`, { token: s.token });
      assert.equal(cross.status, 403);
      const { signSessionToken } = await import('../tokens.js');
      const expired = await signSessionToken(relay.config.secret, { sessionId: s.sessionId, tenantId: relay.tenantId, examId: s.examId, candidateId: s.candidateId }, 10, Date.now() - 60_000);
      const late = await request<ApiError>(relay, 'POST', `/v1/sessions/${s.sessionId}/token`, { token: expired.token });
      assert.equal(late.status, 401);
      assert.equal(late.body.error, 'token_expired');
      await postFlag(relay, s, { id: 'end', type: 'END_PROCTORING' });
      const ended = await request<ApiError>(relay, 'POST', `/v1/sessions/${s.sessionId}/token`, { token: s.token });
      assert.equal(ended.status, 409);
      assert.equal(ended.body.error, 'session_ended');
    });
  });
}
