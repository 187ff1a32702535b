import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestRelay, type TestRelay } from './testing/harness.js';
import { flagOf, postFlag, request } from './testing/client.js';

describe('per-request log lines at info level', () => {
  let relay: TestRelay;
  const lines: string[] = [];
  before(async () => {
    relay = await startTestRelay({ engine: 'sqlite', logStream: { write: (line) => void lines.push(line) } });
  });
  after(() => (relay as TestRelay | undefined)?.close()); // unset when `before` failed

  it('none for an accepted flag post; still one for other routes and for a refused flag', async () => {
    const s = await relay.createSession();
    lines.length = 0;
    assert.equal((await postFlag(relay, s, flagOf(s, 'TAB_NOT_FOCUS'))).status, 201);
    assert.equal((await request(relay, 'GET', `/v1/sessions/${s.sessionId}`, { apiKey: relay.apiKey })).status, 200);
    const bad = await request(relay, 'POST', `/v1/sessions/${s.sessionId}/flags`, { token: s.token, json: { type: 'NOT_A_TYPE' } });
    assert.equal(bad.status, 400);
    const text = lines.join('');
    assert.ok(!/"url":"\/v1\/sessions\/[^"]+\/flags"/.test(text), 'no request line for flag posts');
    assert.ok(text.includes(`"url":"/v1/sessions/${s.sessionId}"`), 'request line for the session view');
    assert.ok(lines.some((l) => l.includes('"status":400')), 'the refused flag is logged with its reason');
  });
});
