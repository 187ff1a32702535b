/**
 * Secrets never reach the relay's logs: the relay's own pino output (info level) is captured while
 * a client fetches a signed media URL, sends credentials misplaced in query strings, and uses API
 * key and session token headers; none of those values may appear in any log line. Logging does not
 * depend on the storage engine, so this runs on SQLite only.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { REDACTED, redactText, redactValue } from './log-redaction.js';
import { signMediaUrl } from './media/signed-url.js';
import { flagOf, postFlagWithMedia } from './testing/client.js';
import { startTestRelay, type TestRelay } from './testing/harness.js';
import { sampleJpeg } from './testing/media-fixtures.js';

describe('log redaction rules', () => {
  it('redacts sensitive query values and credential shapes, keeps the rest', () => {
    assert.equal(
      redactText('/v1/media/abc?expires=1767225600&sig=Zm9vYmFy_-x'),
      `/v1/media/abc?expires=1767225600&sig=${REDACTED}`,
    );
    assert.equal(
      redactText('/x?a=1&api_key=k1&token=t1&key=k2&signature=s1&X-Amz-Signature=s2&access_token=t2&b=2'),
      `/x?a=1&api_key=${REDACTED}&token=${REDACTED}&key=${REDACTED}&signature=${REDACTED}&X-Amz-Signature=${REDACTED}&access_token=${REDACTED}&b=2`,
    );
    assert.equal(redactText('Authorization: Bearer abc.def-ghi'), `Authorization: Bearer ${REDACTED}`);
    assert.equal(redactText('secret whsec_QUJD+/== here'), `secret whsec_${REDACTED} here`);
    assert.equal(redactText('key eye_live_0123abcd'), `key eye_live_${REDACTED}`);
    assert.equal(redactText('tok eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln end'), `tok ${REDACTED} end`);
    assert.equal(redactText('/v1/sessions/s-1?session_id=abc&from=2026'), '/v1/sessions/s-1?session_id=abc&from=2026');
  });

  it('redacts sensitive keys in logged objects, deep, and leaves other objects to serializers', () => {
    const err = new Error('x');
    const out = redactValue({ headers: { authorization: 'Bearer zzz', 'x-api-key': 'k' }, apiKey: 'k', list: ['?token=t'], err, n: 1 }) as Record<string, unknown>;
    assert.deepEqual(out.headers, { authorization: REDACTED, 'x-api-key': REDACTED });
    assert.equal(out.apiKey, REDACTED);
    assert.deepEqual(out.list, [`?token=${REDACTED}`]);
    assert.equal(out.err, err);
    assert.equal(out.n, 1);
    assert.deepEqual(redactValue({ signal: 'SIGTERM', signature: 's', sig: 's' }), { signal: 'SIGTERM', signature: REDACTED, sig: REDACTED });
  });
});

describe('relay logs at info level', () => {
  let relay: TestRelay;
  const lines: string[] = [];
  before(async () => {
    relay = await startTestRelay({ engine: 'sqlite', logStream: { write: (line) => void lines.push(line) } });
  });
  after(() => (relay as TestRelay | undefined)?.close()); // unset when `before` failed

  it('carry no signature, token or key of signed media URLs, misplaced credentials or auth headers', async () => {
    const s = await relay.createSession();
    const up = await postFlagWithMedia(relay, s, flagOf(s, 'PERIODIC_SNAPSHOT'), { bytes: sampleJpeg(5) });
    assert.equal(up.status, 201);
    const media = new URL(signMediaUrl(relay.config, up.body.mediaId!, 3600));
    assert.equal((await fetch(media)).status, 200);
    const view = await fetch(`${relay.url}/v1/sessions/${s.sessionId}`, { headers: { authorization: `Bearer ${relay.apiKey}` } });
    const viewed = (await view.json()) as { flags: { media_url: string | null }[] };
    const viewedMediaSig = new URL(viewed.flags.find((f) => f.media_url)!.media_url!).searchParams.get('sig')!;

    // Credentials a client put where they do not belong: query strings, and the routes' own headers.
    const misplaced = {
      api_key: 'eye_live_MISPLACEDapikey0001',
      token: 'tok-MISPLACED-0002',
      key: 'key-MISPLACED-0003',
      sig: 'sig-MISPLACED-0004',
      signature: 'signature-MISPLACED-0005',
      access_token: 'access-MISPLACED-0006',
    };
    const query = new URLSearchParams(misplaced).toString();
    await fetch(`${relay.url}/v1/sessions/${s.sessionId}?${query}`, { headers: { 'x-api-key': relay.apiKey } });
    await fetch(`${relay.url}/v1/no-such-route?${query}`);
    await fetch(`${relay.url}/v1/sessions?${query}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' });

    await new Promise((r) => setTimeout(r, 200)); // pino writes synchronously; let the last responses log
    const log = lines.join('');
    // The requests were logged (so the assertions below are about real lines)...
    assert.ok(log.includes(`/v1/media/${up.body.mediaId}?expires=${media.searchParams.get('expires')}&sig=${REDACTED}`), 'media request logged, sig redacted');
    assert.ok(log.includes('/v1/no-such-route?'), 'misplaced credentials request logged');
    assert.ok(log.includes(`api_key=${REDACTED}`));
    // ...and no secret appears anywhere.
    const secrets = {
      'media sig': media.searchParams.get('sig')!,
      'media sig from the session view': viewedMediaSig,
      'API key': relay.apiKey,
      'session token': s.token,
      ...misplaced,
    };
    for (const [what, value] of Object.entries(secrets)) assert.ok(!log.includes(value), `${what} appears in the logs`);
  });
});
