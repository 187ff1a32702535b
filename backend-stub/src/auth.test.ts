/**
 * Authentication comes before validation: every route /openapi.json lists with a security
 * requirement answers 401 JSON to a request without credentials even when its params, query and
 * body are all invalid (a schema 400 would tell an anonymous caller about the route's schema).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from './testing/engines.js';
import { startTestRelay, type TestRelay } from './testing/harness.js';
import { request, type ApiError } from './testing/client.js';

interface Operation {
  security?: unknown[];
}

for (const engine of ENGINES) {
  describe(`authentication before validation [${engine}]`, () => {
    let relay: TestRelay;
    before(async () => {
      relay = await startTestRelay({ engine });
    });
    after(() => (relay as TestRelay | undefined)?.close()); // unset when `before` failed

    it('every secured route answers 401 to an anonymous request with invalid params, query and body', async () => {
      const doc = (await request(relay, 'GET', '/openapi.json')).body as { paths: Record<string, Record<string, Operation>> };
      const secured: [string, string][] = [];
      for (const [path, ops] of Object.entries(doc.paths)) {
        for (const [method, op] of Object.entries(ops)) if (op.security && op.security.length > 0) secured.push([method.toUpperCase(), path]);
      }
      assert.ok(secured.length >= 15, `only ${secured.length} secured routes found`);
      const wrong: string[] = [];
      for (const [method, path] of secured) {
        // Path params that fail their pattern, a query with unknown and mistyped fields, a body of the wrong shape.
        const url = path.replace(/\{[^}]+\}/g, 'not-a-valid-id') + '?limit=-5&bogus=1&from=yesterday';
        const withBody = method !== 'GET' && method !== 'DELETE' && method !== 'HEAD';
        for (const auth of [{}, { authorization: 'Bearer not-a-key' }] as Record<string, string>[]) {
          const res = await request<Partial<ApiError> | null>(relay, method, url, { headers: { ...auth, ...(withBody ? { 'content-type': 'application/json' } : {}) }, ...(withBody ? { body: '{"unexpected":[1,2,3],"status":42}' } : {}) });
          if (res.status !== 401 || typeof res.body?.error !== 'string' || typeof res.body.message !== 'string') {
            wrong.push(`${method} ${path} ${Object.keys(auth).length ? 'bad key' : 'no key'}: ${res.status} ${JSON.stringify(res.body).slice(0, 100)}`);
          }
        }
      }
      assert.deepEqual(wrong, []);
    });
  });
}
