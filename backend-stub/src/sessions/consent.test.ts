import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../testing/engines.js';
import { startTestRelay, type TestRelay } from '../testing/harness.js';
import { getSession, postFlag, type ApiError } from '../testing/client.js';

for (const engine of ENGINES) {
  describe(`consent on the session [${engine}]`, () => {
    let relay: TestRelay;
    before(async () => {
      relay = await startTestRelay({ engine });
    });
    after(() => (relay as TestRelay | undefined)?.close()); // unset when `before` failed

    const startedEvent = async (sessionId: string) => {
      const row = await relay.db
        .selectFrom('webhook_events')
        .select('data')
        .where('session_id', '=', sessionId)
        .where('event_type', '=', 'session.started')
        .executeTakeFirstOrThrow();
      return JSON.parse(row.data) as Record<string, unknown>;
    };

    it('CONSENT_GIVEN is recorded on the session, shown by GET session and carried by session.started', async () => {
      const s = await relay.createSession();
      const payload = { version: 'sha256:' + 'a'.repeat(64), locale: 'fr', external: false };
      let res = await postFlag(relay, s, { id: 'consent-1', type: 'CONSENT_GIVEN', createdAt: '2026-01-02T03:04:05.000Z', payload });
      assert.equal(res.status, 201);
      res = await postFlag(relay, s, { id: 'start-1', type: 'STARTED' });
      assert.equal(res.body.session.status, 'IN_PROGRESS');
      const expected = { given: true, at: '2026-01-02T03:04:05.000Z', locale: 'fr', version: payload.version, external: false };
      const view = await getSession(relay, s.sessionId);
      assert.equal(view.status, 200);
      assert.deepEqual(view.body.consent, expected);
      assert.deepEqual((await startedEvent(s.sessionId)).consent, expected);
    });

    it('external consent (the LMS collected it) and a decline are recorded too; the latest answer counts', async () => {
      const s = await relay.createSession();
      await postFlag(relay, s, { id: 'c-no', type: 'CONSENT_DECLINED', payload: { version: 'v1', locale: 'ar', external: false } });
      let view = await getSession(relay, s.sessionId);
      assert.equal(view.body.consent!.given, false);
      assert.equal(view.body.status, 'CREATED');
      await postFlag(relay, s, { id: 'c-ext', type: 'CONSENT_GIVEN', payload: { version: 'lms-2026', locale: 'de-DE', external: true } });
      await postFlag(relay, s, { id: 'start', type: 'STARTED' });
      view = await getSession(relay, s.sessionId);
      assert.deepEqual({ ...view.body.consent, at: 'x' }, { given: true, at: 'x', locale: 'de-DE', version: 'lms-2026', external: true });
      assert.equal(((await startedEvent(s.sessionId)).consent as { external: boolean }).external, true);
    });

    it('a session started without a consent record says so (consent: null)', async () => {
      const s = await relay.createSession();
      await postFlag(relay, s, { id: 'start', type: 'STARTED' });
      assert.equal((await getSession(relay, s.sessionId)).body.consent, null);
      assert.equal((await startedEvent(s.sessionId)).consent, null);
    });

    it('rejects malformed consent payloads with 400 {error, message} and stores nothing', async () => {
      const s = await relay.createSession();
      const bad = [
        undefined,
        { locale: 'en', external: false },
        { version: '', locale: 'en', external: false },
        { version: 'v', locale: 'not a locale!', external: false },
        { version: 'v', locale: 'en', external: 'yes' },
        { version: 'x'.repeat(201), locale: 'en', external: false },
      ];
      for (const [i, payload] of bad.entries()) {
        const res = await postFlag<ApiError>(relay, s, { id: `bad-${i}`, type: 'CONSENT_GIVEN', ...(payload ? { payload } : {}) });
        assert.equal(res.status, 400, JSON.stringify(payload));
        assert.equal(res.body.error, 'invalid_consent');
        assert.equal(typeof res.body.message, 'string');
      }
      assert.equal((await getSession(relay, s.sessionId)).body.consent, null);
    });
  });
}
