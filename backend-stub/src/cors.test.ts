import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CORS_ALLOWED_HEADERS, CORS_EXPOSED_HEADERS, CORS_METHODS, corsOriginAllowed } from './cors.js';
import { flagOf, type ApiError } from './testing/client.js';
import { startTestRelay, type TestRelay } from './testing/harness.js';

const LMS = 'https://lms.example.edu';

describe('CORS rule', () => {
  it('unset: any origin on widget routes, none on API-key routes; set: the listed ones everywhere', () => {
    assert.equal(corsOriginAllowed(LMS, '/v1/sessions/s1/flags', null), true);
    assert.equal(corsOriginAllowed(LMS, '/v1/sessions/s1/flags?x=1', null), true);
    assert.equal(corsOriginAllowed(LMS, '/assets/widget/eye-proctor.bundle.js', null), true);
    assert.equal(corsOriginAllowed(LMS, '/v1/sessions', null), false);
    assert.equal(corsOriginAllowed(LMS, '/v1/sessions/s1', null), false);
    assert.equal(corsOriginAllowed(LMS, '/v1/sessions/s1/flagsx', null), false);
    assert.equal(corsOriginAllowed(undefined, '/v1/sessions/s1/flags', null), false);
    assert.equal(corsOriginAllowed(LMS, '/v1/sessions', [LMS]), true);
    assert.equal(corsOriginAllowed('https://other.example', '/v1/sessions/s1/flags', [LMS]), false);
    assert.equal(corsOriginAllowed('https://other.example', '/v1/sessions', ['*']), true);
  });
});

describe('CORS over HTTP', () => {
  let relay: TestRelay;
  before(async () => {
    relay = await startTestRelay({ engine: 'sqlite' });
  });
  after(() => (relay as TestRelay | undefined)?.close()); // unset when `before` failed

  it('a flag from a page of any origin: the origin reflected, rate-limit headers readable, Vary: Origin', async () => {
    const s = await relay.createSession();
    const res = await fetch(`${relay.url}/v1/sessions/${s.sessionId}/flags`, {
      method: 'POST',
      headers: { origin: LMS, authorization: `Bearer ${s.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(flagOf(s, 'TAB_NOT_FOCUS')),
    });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('access-control-allow-origin'), LMS);
    assert.equal(res.headers.get('access-control-expose-headers'), CORS_EXPOSED_HEADERS);
    assert.equal(res.headers.get('access-control-allow-credentials'), null);
    assert.match(res.headers.get('vary') ?? '', /Origin/);
  });

  it('a request without Origin gets no CORS headers but still Vary: Origin', async () => {
    const res = await fetch(`${relay.url}/healthz`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), null);
    assert.match(res.headers.get('vary') ?? '', /Origin/);
  });

  it('a preflight on a widget route answers 204 with methods, headers, max-age and an empty body', async () => {
    const s = await relay.createSession();
    const res = await fetch(`${relay.url}/v1/sessions/${s.sessionId}/flags`, {
      method: 'OPTIONS',
      headers: { origin: LMS, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('access-control-allow-origin'), LMS);
    assert.equal(res.headers.get('access-control-allow-methods'), CORS_METHODS);
    assert.equal(res.headers.get('access-control-allow-headers'), CORS_ALLOWED_HEADERS);
    assert.equal(res.headers.get('access-control-max-age'), '600');
    assert.equal(res.headers.get('content-length'), '0');
    assert.equal(await res.text(), '');
  });

  it('a preflight without Access-Control-Request-Method is a 400 JSON error', async () => {
    const s = await relay.createSession();
    const res = await fetch(`${relay.url}/v1/sessions/${s.sessionId}/flags`, { method: 'OPTIONS', headers: { origin: LMS } });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as ApiError).error, 'invalid_preflight');
  });

  it('a preflight on an API-key route (ALLOWED_ORIGINS unset) is refused: 404 JSON, no CORS headers', async () => {
    const res = await fetch(`${relay.url}/v1/sessions`, { method: 'OPTIONS', headers: { origin: LMS, 'access-control-request-method': 'POST' } });
    assert.equal(res.status, 404);
    assert.equal(res.headers.get('access-control-allow-origin'), null);
    assert.equal(((await res.json()) as ApiError).error, 'not_found');
  });
});
