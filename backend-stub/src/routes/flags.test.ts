import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { sql } from 'kysely';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../testing/engines.js';
import { startTestRelay, type TestRelay, type TestSession } from '../testing/harness.js';
import { flagOf, getSession, postFlag, postFlagWithMedia, request, type ApiError, type JsonResponse } from '../testing/client.js';
import { oggAudio, pngImage, sampleJpeg, wavAudio, webmAudio, webpImage } from '../testing/media-fixtures.js';

async function flagRows(relay: TestRelay, sessionId: string) {
  return relay.db.selectFrom('flags').selectAll().where('session_id', '=', sessionId).orderBy('received_at').execute();
}

/** Committed media in the relay's store (files on SQLite, media_blobs rows on PostgreSQL). */
async function storedFiles(relay: TestRelay): Promise<string[]> {
  return relay.app.mediaStore.names();
}

async function tempFiles(relay: TestRelay): Promise<string[]> {
  return readdir(join(relay.mediaDir, '.tmp'));
}

for (const engine of ENGINES) {
  describe(`POST /v1/sessions/{id}/flags [${engine}]`, () => {
    let relay: TestRelay;
    let s: TestSession;
    before(async () => {
      relay = await startTestRelay({ engine, config: { limits: { jsonBodyBytes: 16 * 1024, imageBytes: 2 * 1024 * 1024, audioBytes: 64 * 1024 } } });
    });
    after(() => (relay as TestRelay | undefined)?.close()); // unset when `before` failed

    it('stores a JSON flag with its details and answers the contract shape', async () => {
      s = await relay.createSession();
      const flag = flagOf(s, 'TAB_NOT_FOCUS', { details: { durationMs: 4200, countThisSession: 1 } });
      const res = await postFlag(relay, s, flag);
      assert.equal(res.status, 201);
      assert.deepEqual(res.body, { id: flag.id, duplicate: false, session: { status: 'CREATED' }, directive: null, mediaId: null });
      const rows = await flagRows(relay, s.sessionId);
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!.type, 'TAB_NOT_FOCUS');
      assert.equal(rows[0]!.created_at, flag.createdAt);
      assert.deepEqual(JSON.parse(rows[0]!.details!), { durationMs: 4200, countThisSession: 1 });
    });

    it('drives the status machine: STARTED -> IN_PROGRESS, END_PROCTORING -> COMPLETED', async () => {
      const s2 = await relay.createSession();
      let res = await postFlag(relay, s2, { id: 'start-1', type: 'STARTED' });
      assert.equal(res.status, 201);
      assert.equal(res.body.session.status, 'IN_PROGRESS');
      let row = await relay.db.selectFrom('sessions').selectAll().where('id', '=', s2.sessionId).executeTakeFirstOrThrow();
      assert.equal(row.status, 'IN_PROGRESS');
      assert.ok(row.started_at);
      res = await postFlag(relay, s2, { id: 'end-1', type: 'END_PROCTORING' });
      assert.equal(res.body.session.status, 'COMPLETED');
      assert.equal(res.body.directive, null);
      row = await relay.db.selectFrom('sessions').selectAll().where('id', '=', s2.sessionId).executeTakeFirstOrThrow();
      assert.equal(row.status, 'COMPLETED');
      assert.equal(row.exit_reason, 'completed');
      assert.ok(row.ended_at);
      // A flag created before the end that arrives late is still stored, and the widget is told the session is over.
      res = await postFlag(relay, s2, flagOf(s2, 'TAB_NOT_FOCUS', { createdAt: new Date(Date.parse(row.ended_at) - 1000).toISOString() }));
      assert.equal(res.status, 201);
      assert.equal(res.body.directive, 'end');
      // One created after the end is refused.
      const ended = await postFlag<ApiError>(relay, s2, flagOf(s2, 'TAB_NOT_FOCUS'));
      assert.equal(ended.status, 409);
      assert.equal(ended.body.error, 'session_ended');
    });

    it('stores CALIBRATION_COMPLETED as the session calibration', async () => {
      const s3 = await relay.createSession();
      const calibration = { noiseFloorDb: -62.5, soundThresholdDb: -40, faceConfidence: 0.93, lightingOk: true, measuredAt: new Date().toISOString() };
      const res = await postFlag(relay, s3, { id: 'cal-1', type: 'CALIBRATION_COMPLETED', payload: calibration });
      assert.equal(res.status, 201);
      const view = await getSession(relay, s3.sessionId);
      assert.deepEqual(view.body.calibration, calibration);
      assert.deepEqual(view.body.flags[0]!.payload, calibration);
    });

    it('is idempotent on the flag id: same content -> 200 duplicate, one row, no second event or score change', async () => {
      const flag = flagOf(s, 'EXIT_FULLSCREEN');
      const first = await postFlag(relay, s, flag);
      assert.equal(first.status, 201);
      const sessionAfter = () =>
        relay.db.selectFrom('sessions').select(['risk_score', 'risk_evidence', 'risk_evaluated_at', 'flag_counts']).where('id', '=', s.sessionId).executeTakeFirstOrThrow();
      const flagEvents = () =>
        relay.db.selectFrom('webhook_events').select('data').where('session_id', '=', s.sessionId).where('event_type', '=', 'proctoring_event.fullscreen_exit').execute();
      const [scored, events] = [await sessionAfter(), await flagEvents()];
      assert.equal(events.filter((e) => (JSON.parse(e.data) as { flag_id?: string }).flag_id === flag.id).length, 1, 'the new flag has its event');
      assert.ok(scored.risk_score > 0, 'the new flag raised the score');
      assert.equal((JSON.parse(scored.flag_counts ?? '{}') as Record<string, number>).EXIT_FULLSCREEN, 1);

      const again = await postFlag(relay, s, flag);
      assert.equal(again.status, 200);
      assert.equal(again.body.duplicate, true);
      assert.equal(again.body.id, flag.id);
      const rows = (await flagRows(relay, s.sessionId)).filter((r) => r.id === flag.id);
      assert.equal(rows.length, 1);
      assert.deepEqual(await sessionAfter(), scored, 'a duplicate changes neither score nor counts');
      assert.equal((await flagEvents()).length, events.length, 'a duplicate enqueues no event');
    });

    it('rejects the same id with different content (409) and keeps the original', async () => {
      const flag = flagOf(s, 'DEVTOOLS_OPEN');
      assert.equal((await postFlag(relay, s, flag)).status, 201);
      const res = await postFlag<ApiError>(relay, s, { ...flag, description: 'something else' });
      assert.equal(res.status, 409);
      assert.equal(res.body.error, 'flag_conflict');
      const rows = (await flagRows(relay, s.sessionId)).filter((r) => r.id === flag.id);
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!.description, flag.description);
    });

    it('stores a JPEG snapshot: exact bytes on disk, media row in the same commit', async () => {
      const jpeg = sampleJpeg(2);
      const flag = flagOf(s, 'FACE_ABSENCE', { details: { durationMs: 5000, confidence: 0.9 } });
      const res = await postFlagWithMedia(relay, s, flag, { bytes: jpeg, type: 'image/jpeg', name: '../../etc/passwd' });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const mediaId = res.body.mediaId!;
      const media = await relay.db.selectFrom('media').selectAll().where('id', '=', mediaId).executeTakeFirstOrThrow();
      assert.equal(media.content_type, 'image/jpeg');
      assert.equal(media.size, jpeg.length);
      assert.match(media.storage_name, /^[0-9a-f-]{36}$/);
      const stored = await relay.app.mediaStore.bytes(media.storage_name);
      assert.ok(stored?.equals(jpeg), 'stored bytes equal the upload');
      const row = (await flagRows(relay, s.sessionId)).find((r) => r.id === flag.id);
      assert.equal(row?.media_id, mediaId);
      assert.deepEqual(await tempFiles(relay), []);
    });

    it('accepts every supported type where it fits: PNG/WebP snapshots, WAV/WebM/Ogg sound clips', async () => {
      const cases: [string, Buffer, string][] = [
        ['PERIODIC_SNAPSHOT', pngImage(), 'image/png'],
        ['MULTIPLE_FACE', webpImage(), 'image/webp'],
        ['SOUND_DETECTED', wavAudio(), 'audio/wav'],
        ['SOUND_DETECTED', webmAudio(), 'audio/webm'],
        ['SOUND_DETECTED', oggAudio(), 'audio/ogg'],
      ];
      for (const [type, bytes, contentType] of cases) {
        // The client's claimed type is ignored: the bytes decide.
        const res = await postFlagWithMedia(relay, s, flagOf(s, type), { bytes, type: 'text/plain' });
        assert.equal(res.status, 201, `${type} ${contentType}: ${JSON.stringify(res.body)}`);
        const media = await relay.db.selectFrom('media').selectAll().where('id', '=', res.body.mediaId!).executeTakeFirstOrThrow();
        assert.equal(media.content_type, contentType);
        assert.ok((await relay.app.mediaStore.bytes(media.storage_name))?.equals(bytes));
      }
    });

    it('duplicate multipart upload stores neither a second row nor a second file', async () => {
      const flag = flagOf(s, 'MULTIPLE_FACE', { details: { faceCount: 3 } });
      const jpeg = sampleJpeg(3);
      const first = await postFlagWithMedia(relay, s, flag, { bytes: jpeg });
      assert.equal(first.status, 201);
      const filesBefore = await storedFiles(relay);
      const mediaBefore = await relay.db.selectFrom('media').select('id').where('session_id', '=', s.sessionId).execute();
      const again = await postFlagWithMedia(relay, s, flag, { bytes: jpeg });
      assert.equal(again.status, 200);
      assert.equal(again.body.duplicate, true);
      assert.equal(again.body.mediaId, first.body.mediaId);
      assert.deepEqual((await storedFiles(relay)).sort(), filesBefore.sort());
      const mediaAfter = await relay.db.selectFrom('media').select('id').where('session_id', '=', s.sessionId).execute();
      assert.equal(mediaAfter.length, mediaBefore.length);
      assert.deepEqual(await tempFiles(relay), []);
      // Same id, different bytes: conflict.
      const other = await postFlagWithMedia(relay, s, flag, { bytes: sampleJpeg(4) });
      assert.equal(other.status, 409);
      assert.deepEqual((await storedFiles(relay)).sort(), filesBefore.sort());
    });

    it('rejects media whose bytes do not match the flag or any supported type, storing nothing', async () => {
      const filesBefore = (await storedFiles(relay)).length;
      const rowsBefore = (await flagRows(relay, s.sessionId)).length;
      const cases: [string, Buffer, number, string][] = [
        ['FACE_ABSENCE', wavAudio(), 415, 'media_type_mismatch'],
        ['SOUND_DETECTED', sampleJpeg(1), 415, 'media_type_mismatch'],
        ['PERIODIC_SNAPSHOT', Buffer.from('<?php echo "hi"; ?>'), 415, 'unsupported_media'],
        ['PERIODIC_SNAPSHOT', Buffer.from('%PDF-1.4 fake'), 415, 'unsupported_media'],
        ['TAB_NOT_FOCUS', sampleJpeg(1), 400, 'media_not_allowed'],
      ];
      for (const [type, bytes, status, code] of cases) {
        const res = await postFlagWithMedia<ApiError>(relay, s, flagOf(s, type), { bytes, type: 'image/jpeg', name: 'x.jpg' });
        assert.equal(res.status, status, `${type}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.error, code);
        assert.equal(typeof res.body.message, 'string');
      }
      assert.equal((await storedFiles(relay)).length, filesBefore);
      assert.equal((await flagRows(relay, s.sessionId)).length, rowsBefore);
      assert.deepEqual(await tempFiles(relay), []);
    });

    it('rejects oversized media with 413 per kind, leaving no file behind', async () => {
      const rowsBefore = (await flagRows(relay, s.sessionId)).length;
      const bigAudio = Buffer.concat([wavAudio(), Buffer.alloc(70 * 1024)]); // audio limit is 64 KiB here
      let res = await postFlagWithMedia<ApiError>(relay, s, flagOf(s, 'SOUND_DETECTED'), { bytes: bigAudio });
      assert.equal(res.status, 413);
      assert.equal(res.body.error, 'payload_too_large');
      const bigImage = Buffer.concat([sampleJpeg(1), Buffer.alloc(2 * 1024 * 1024)]); // image limit 2 MiB
      res = await postFlagWithMedia(relay, s, flagOf(s, 'PERIODIC_SNAPSHOT'), { bytes: bigImage });
      assert.equal(res.status, 413);
      assert.equal((await flagRows(relay, s.sessionId)).length, rowsBefore);
      assert.deepEqual(await tempFiles(relay), []);
    });

    it('a transaction that fails after the file was moved into place leaves neither rows nor files', async () => {
      // Fault injection in the real database: inserting flag id "boom" fails inside the transaction,
      // after the media row was written and the upload renamed into the store.
      if (engine === 'sqlite') {
        await sql`create trigger eye_test_boom before insert on flags when new.id = 'boom' begin select raise(abort, 'injected failure'); end`.execute(relay.db);
      } else {
        await sql`create function eye_test_boom() returns trigger as $$ begin if new.id = 'boom' then raise exception 'injected failure'; end if; return new; end $$ language plpgsql`.execute(relay.db);
        await sql`create trigger eye_test_boom before insert on flags for each row execute function eye_test_boom()`.execute(relay.db);
      }
      const filesBefore = (await storedFiles(relay)).sort();
      const mediaBefore = await relay.db.selectFrom('media').select('id').execute();
      const res = await postFlagWithMedia(relay, s, flagOf(s, 'FACE_ABSENCE', { id: 'boom' }), { bytes: sampleJpeg(6) });
      assert.equal(res.status, 500);
      assert.deepEqual(res.body, { error: 'internal_error', message: 'internal server error' });
      assert.deepEqual((await storedFiles(relay)).sort(), filesBefore);
      assert.deepEqual(await tempFiles(relay), []);
      assert.equal((await relay.db.selectFrom('media').select('id').execute()).length, mediaBefore.length);
      assert.equal((await flagRows(relay, s.sessionId)).filter((r) => r.id === 'boom').length, 0);
      // The relay carries on.
      assert.equal((await postFlagWithMedia(relay, s, flagOf(s, 'FACE_ABSENCE'), { bytes: sampleJpeg(6) })).status, 201);
    });

    it('a client that disconnects mid-upload leaves no temp file and no row', async () => {
      const rowsBefore = (await flagRows(relay, s.sessionId)).length;
      const u = new URL(relay.url);
      const sock = connect(Number(u.port), u.hostname);
      await new Promise<void>((resolve) => {
        sock.once('connect', () => {
          resolve();
        });
      });
      const head = [
        `POST /v1/sessions/${s.sessionId}/flags HTTP/1.1`,
        `Host: ${u.host}`,
        `Authorization: Bearer ${s.token}`,
        'Content-Type: multipart/form-data; boundary=XX',
        'Content-Length: 1000000',
        '',
        '',
      ].join('\r\n');
      const parts = `--XX\r\nContent-Disposition: form-data; name="flag"\r\n\r\n${JSON.stringify(flagOf(s, 'FACE_ABSENCE', { id: 'cut' }))}\r\n--XX\r\nContent-Disposition: form-data; name="mediaFile"; filename="a.jpg"\r\n\r\n`;
      sock.write(Buffer.concat([Buffer.from(head + parts), sampleJpeg(1).subarray(0, 20_000)]));
      // Wait until the relay has started the temp file, then hang up.
      for (let i = 0; i < 50 && (await tempFiles(relay)).length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      sock.destroy();
      for (let i = 0; i < 100 && (await tempFiles(relay)).length > 0; i++) await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(await tempFiles(relay), []);
      assert.equal((await flagRows(relay, s.sessionId)).length, rowsBefore);
      assert.equal((await postFlag(relay, s, flagOf(s, 'TAB_NOT_FOCUS'))).status, 201);
    });

    it('accepts multipart with one field per property', async () => {
      const form = new FormData();
      form.set('id', 'fields-1');
      form.set('type', 'FACE_ABSENCE');
      form.set('createdAt', new Date().toISOString());
      form.set('details', JSON.stringify({ durationMs: 6000 }));
      form.set('mediaFile', new Blob([sampleJpeg(1)]), 'snap.jpg');
      const res = await request(relay, 'POST', `/v1/sessions/${s.sessionId}/flags`, { token: s.token, body: form });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const row = (await flagRows(relay, s.sessionId)).find((r) => r.id === 'fields-1');
      assert.deepEqual(JSON.parse(row!.details!), { durationMs: 6000 });
      assert.ok(row!.media_id);
    });

    it('answers bad input with 4xx {error, message} and stores nothing', async () => {
      const rowsBefore = (await flagRows(relay, s.sessionId)).length;
      const path = `/v1/sessions/${s.sessionId}/flags`;
      const cases: [string, () => Promise<JsonResponse<ApiError>>, number, string][] = [
        ['unknown event type', () => postFlag<ApiError>(relay, s, flagOf(s, 'HACKED')), 400, 'unknown_event_type'],
        ['missing type', () => postFlag<ApiError>(relay, s, { id: 'x1' }), 400, 'validation_error'],
        ['invalid body without a token: 401 before validation', () => request<ApiError>(relay, 'POST', path, { json: { id: 'x1' } }), 401, 'unauthorized'],
        ['malformed JSON', () => request<ApiError>(relay, 'POST', path, { token: s.token, body: '{"type": "STARTED",', headers: { 'content-type': 'application/json' } }), 400, 'invalid_json'],
        ['empty JSON body', () => request<ApiError>(relay, 'POST', path, { token: s.token, body: '', headers: { 'content-type': 'application/json' } }), 400, 'invalid_json'],
        ['oversized JSON', () => postFlag<ApiError>(relay, s, flagOf(s, 'TAB_NOT_FOCUS', { description: 'x'.repeat(1000), pad: 'y'.repeat(20 * 1024) })), 413, 'payload_too_large'],
        ['path-like flag id', () => postFlag<ApiError>(relay, s, flagOf(s, 'TAB_NOT_FOCUS', { id: '../../etc/passwd' })), 400, 'validation_error'],
        ['dot flag id', () => postFlag<ApiError>(relay, s, flagOf(s, 'TAB_NOT_FOCUS', { id: '..' })), 400, 'validation_error'],
        ['numeric flag id (no type coercion)', () => postFlag<ApiError>(relay, s, flagOf(s, 'TAB_NOT_FOCUS', { id: 12345 })), 400, 'validation_error'],
        ['boolean description (no type coercion)', () => postFlag<ApiError>(relay, s, flagOf(s, 'TAB_NOT_FOCUS', { description: true })), 400, 'validation_error'],
        ['NUL in description', () => postFlag<ApiError>(relay, s, flagOf(s, 'TAB_NOT_FOCUS', { description: 'a\u0000b' })), 400, 'invalid_flag'],
        ['deeply nested payload', () => request<ApiError>(relay, 'POST', path, { token: s.token, body: '{"id":"deep","type":"SET_CONFIG","payload":' + '{"a":'.repeat(1500) + '1' + '}'.repeat(1501), headers: { 'content-type': 'application/json' } }), 400, 'json_too_deep'],
        ['bad createdAt', () => postFlag<ApiError>(relay, s, flagOf(s, 'TAB_NOT_FOCUS', { createdAt: 'yesterday' })), 400, 'invalid_created_at'],
        ['non-numeric details', () => postFlag<ApiError>(relay, s, flagOf(s, 'TAB_NOT_FOCUS', { details: { durationMs: { $gt: 1 } } })), 400, 'validation_error'],
        ['other exam', () => postFlag<ApiError>(relay, s, flagOf(s, 'TAB_NOT_FOCUS', { examId: 'another-exam' })), 403, 'scope_mismatch'],
        ['other candidate', () => postFlag<ApiError>(relay, s, flagOf(s, 'TAB_NOT_FOCUS', { candidateId: 'someone-else' })), 403, 'scope_mismatch'],
        ['text/plain body', () => request<ApiError>(relay, 'POST', path, { token: s.token, body: 'TAB_NOT_FOCUS', headers: { 'content-type': 'text/plain' } }), 415, 'unsupported_content_type'],
        ['JSON array', () => request<ApiError>(relay, 'POST', path, { token: s.token, json: [1, 2] }), 400, 'validation_error'],
        ['multipart flag field not JSON', () => { const f = new FormData(); f.set('flag', '{nope'); return request<ApiError>(relay, 'POST', path, { token: s.token, body: f }); }, 400, 'invalid_json'],
        ['multipart extra file field', () => { const f = new FormData(); f.set('flag', JSON.stringify(flagOf(s, 'FACE_ABSENCE'))); f.set('other', new Blob([sampleJpeg(1)]), 'a.jpg'); return request<ApiError>(relay, 'POST', path, { token: s.token, body: f }); }, 400, 'unexpected_file'],
      ];
      for (const [name, send, status, code] of cases) {
        const res = await send();
        assert.equal(res.status, status, `${name}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.error, code, name);
        assert.equal(typeof res.body.message, 'string', name);
      }
      assert.equal((await flagRows(relay, s.sessionId)).length, rowsBefore);
      assert.deepEqual(await tempFiles(relay), []);
    });

    it('rejects missing, forged, expired and other-session tokens', async () => {
      const other = await relay.createSession();
      const flag = flagOf(s, 'TAB_NOT_FOCUS');
      const [h, p] = s.token.split('.');
      const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
      const forgedPayload = Buffer.from(JSON.stringify({ ...claims, sub: other.sessionId })).toString('base64url');
      const noneHeader = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
      const { signSessionToken } = await import('../tokens.js');
      const expired = await signSessionToken(relay.config.secret, { sessionId: s.sessionId, tenantId: relay.tenantId, examId: s.examId, candidateId: s.candidateId }, 60, Date.now() - 3600_000);
      const wrongKey = await signSessionToken('x'.repeat(40), { sessionId: s.sessionId, tenantId: relay.tenantId, examId: s.examId, candidateId: s.candidateId }, 600);
      const cases: [string, string | undefined, number, string][] = [
        ['no token', undefined, 401, 'unauthorized'],
        ['garbage', 'not-a-jwt', 401, 'invalid_token'],
        ['payload swapped', `${h}.${forgedPayload}.${s.token.split('.')[2]}`, 401, 'invalid_token'],
        ['alg none', `${noneHeader}.${p}.`, 401, 'invalid_token'],
        ['other secret', wrongKey.token, 401, 'invalid_token'],
        ['expired', expired.token, 401, 'token_expired'],
        ['API key instead of token', relay.apiKey, 401, 'invalid_token'],
        ['token of another session', other.token, 403, 'forbidden'],
      ];
      for (const [name, token, status, code] of cases) {
        const res = await request<ApiError>(relay, 'POST', `/v1/sessions/${s.sessionId}/flags`, { token, json: flag });
        assert.equal(res.status, status, `${name}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.error, code, name);
      }
      assert.equal((await flagRows(relay, s.sessionId)).filter((r) => r.id === flag.id).length, 0);
    });

    it('rejects path-like session ids in the URL', async () => {
      for (const bad of ['..%2F..%2Fetc', 'not-a-uuid', '%00', '..']) {
        const res = await request<ApiError>(relay, 'POST', `/v1/sessions/${bad}/flags`, { token: s.token, json: flagOf(s, 'TAB_NOT_FOCUS') });
        // The token names another session (403); a validator or router may also refuse first.
        assert.ok([400, 403, 404].includes(res.status), `${bad}: ${res.status}`);
        assert.equal(typeof res.body.error, 'string');
      }
    });
  });
}
