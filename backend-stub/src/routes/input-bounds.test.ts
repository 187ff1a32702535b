/**
 * Input bounds over real HTTP on SQLite and PostgreSQL: JSON nesting on every route (bodies and
 * multipart JSON parts), one prototype-poisoning guard for JSON and multipart flags, RFC 3339
 * createdAt with a bounded clock skew, and the ranges of numeric flag details. Every refusal is a
 * 4xx `{ error, message }` and stores nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../testing/engines.js';
import { startTestRelay, type TestRelay, type TestSession } from '../testing/harness.js';
import { flagOf, postFlag, request, type ApiError } from '../testing/client.js';

const nestedArrays = (n: number) => '['.repeat(n) + ']'.repeat(n);

/** POST a flag as multipart fields: text, or `{ json }` for a field part with `Content-Type: application/json`. */
function postMultipart(relay: TestRelay, s: TestSession, fields: Record<string, string | { json: string }>) {
  const boundary = 'eye-bounds-' + crypto.randomUUID();
  const parts = Object.entries(fields).map(([k, v]) => {
    const type = typeof v === 'string' ? '' : 'Content-Type: application/json\r\n';
    return `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n${type}\r\n${typeof v === 'string' ? v : v.json}\r\n`;
  });
  const body = parts.join('') + `--${boundary}--\r\n`;
  return request(relay, 'POST', `/v1/sessions/${s.sessionId}/flags`, { token: s.token, body, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } });
}

/** Number bounds of one `details` field in /openapi.json. */
interface NumberSchema {
  type: string;
  minimum?: number;
  maximum?: number;
}
interface DetailSchemas {
  confidence: NumberSchema;
  faceCount: NumberSchema;
  peakDb: NumberSchema;
}
/** The parts of /openapi.json the test reads. */
interface OpenApiDoc {
  info: { description: string };
  paths: Record<
    string,
    | {
        post: {
          requestBody: {
            content: Record<string, { schema: { properties: Record<string, { properties: DetailSchemas } | undefined> } } | undefined>;
          };
        };
      }
    | undefined
  >;
}

for (const engine of ENGINES) {
  describe(`input bounds [${engine}]`, () => {
    let relay: TestRelay;
    let s: TestSession;
    const count = async (table: 'sessions' | 'flags') => Number((await relay.db.selectFrom(table).select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow()).n);
    before(async () => {
      relay = await startTestRelay({ engine });
      s = await relay.createSession();
    });
    after(() => (relay as TestRelay | undefined)?.close()); // unset when `before` failed

    function refused(res: { status: number; body: unknown }, status: number, code: string, name: string) {
      assert.equal(res.status, status, `${name}: ${JSON.stringify(res.body).slice(0, 200)}`);
      const body = res.body as ApiError;
      assert.equal(body.error, code, name);
      assert.equal(typeof body.message, 'string', name);
    }

    it('POST /v1/sessions with ~5,000 nested arrays in metadata: 400 json_too_deep, nothing stored', async () => {
      const before = await count('sessions');
      const body = `{"examId":"e","candidateId":"c","metadata":{"deep":${nestedArrays(5000)}}}`;
      const res = await request(relay, 'POST', '/v1/sessions', { apiKey: relay.apiKey, body, headers: { 'content-type': 'application/json' } });
      refused(res, 400, 'json_too_deep', 'metadata 5000 deep');
      assert.equal(await count('sessions'), before);
      // Within the bound (body 1 + metadata 1 + 29 arrays = 31 levels) it is stored.
      const ok = await request(relay, 'POST', '/v1/sessions', { apiKey: relay.apiKey, body: `{"examId":"e","candidateId":"c","metadata":{"deep":${nestedArrays(29)}}}`, headers: { 'content-type': 'application/json' } });
      assert.equal(ok.status, 201, JSON.stringify(ok.body));
    });

    it('every JSON route is bounded before its schema: webhooks, incidents, status', async () => {
      const deep = `{"x":${nestedArrays(40)}}`;
      for (const [method, path] of [
        ['POST', '/v1/webhooks/endpoints'],
        ['POST', `/v1/sessions/${s.sessionId}/status`],
        ['PATCH', `/v1/sessions/${s.sessionId}`],
        ['PATCH', '/v1/incidents/00000000-0000-4000-8000-000000000000'],
      ] as const) {
        const res = await request(relay, method, path, { apiKey: relay.apiKey, body: deep, headers: { 'content-type': 'application/json' } });
        refused(res, 400, 'json_too_deep', `${method} ${path}`);
      }
    });

    it('JSON and multipart flags share one parser and guard: nesting and prototype keys refused alike', async () => {
      const before = await count('flags');
      const deepFlag = `{"type":"SET_CONFIG","payload":{"a":${nestedArrays(40)}}}`;
      const proto = '{"type":"TAB_NOT_FOCUS","__proto__":{"admin":true}}';
      const nestedProto = '{"type":"SET_CONFIG","payload":{"x":[{"__proto__":{"admin":true}}]}}';
      const ctorProto = '{"type":"SET_CONFIG","payload":{"constructor":{"prototype":{"admin":true}}}}';
      const detailsProto = '{"__proto__":{"durationMs":1}}';
      const cases: [string, () => Promise<{ status: number; body: unknown }>, string][] = [
        ['JSON: too deep', () => request(relay, 'POST', `/v1/sessions/${s.sessionId}/flags`, { token: s.token, body: deepFlag, headers: { 'content-type': 'application/json' } }), 'json_too_deep'],
        ['multipart flag field: too deep', () => postMultipart(relay, s, { flag: deepFlag }), 'json_too_deep'],
        ['multipart payload field: too deep', () => postMultipart(relay, s, { type: 'SET_CONFIG', payload: `{"a":${nestedArrays(40)}}` }), 'json_too_deep'],
        ['JSON: __proto__', () => request(relay, 'POST', `/v1/sessions/${s.sessionId}/flags`, { token: s.token, body: proto, headers: { 'content-type': 'application/json' } }), 'forbidden_json_key'],
        ['multipart flag field: __proto__', () => postMultipart(relay, s, { flag: proto }), 'forbidden_json_key'],
        ['JSON: nested __proto__', () => request(relay, 'POST', `/v1/sessions/${s.sessionId}/flags`, { token: s.token, body: nestedProto, headers: { 'content-type': 'application/json' } }), 'forbidden_json_key'],
        ['multipart flag field: nested __proto__', () => postMultipart(relay, s, { flag: nestedProto }), 'forbidden_json_key'],
        ['JSON: constructor.prototype', () => request(relay, 'POST', `/v1/sessions/${s.sessionId}/flags`, { token: s.token, body: ctorProto, headers: { 'content-type': 'application/json' } }), 'forbidden_json_key'],
        ['multipart flag field: constructor.prototype', () => postMultipart(relay, s, { flag: ctorProto }), 'forbidden_json_key'],
        ['multipart details field: __proto__', () => postMultipart(relay, s, { type: 'TAB_NOT_FOCUS', details: detailsProto }), 'forbidden_json_key'],
        ['multipart application/json part: too deep', () => postMultipart(relay, s, { flag: { json: deepFlag } }), 'json_too_deep'],
        ['multipart application/json part: __proto__', () => postMultipart(relay, s, { flag: { json: proto } }), 'invalid_json'],
        ['session: __proto__ in metadata', () => request(relay, 'POST', '/v1/sessions', { apiKey: relay.apiKey, body: '{"examId":"e","candidateId":"c","metadata":{"__proto__":{"a":1}}}', headers: { 'content-type': 'application/json' } }), 'forbidden_json_key'],
      ];
      for (const [name, send, code] of cases) refused(await send(), 400, code, name);
      assert.equal(await count('flags'), before);
      // A multipart flag with an application/json part that is fine is stored like a text one.
      const ok = await postMultipart(relay, s, { flag: { json: JSON.stringify(flagOf(s, 'TAB_NOT_FOCUS')) } });
      assert.equal(ok.status, 201, JSON.stringify(ok.body));
    });

    it('createdAt: only RFC 3339 date-times with a timezone and a real date, not too far ahead', async () => {
      const before = await count('flags');
      const bad = ['12', 'Tue Mar 03 2026', '2026-02-30T10:00:00Z', '2026-02-28T10:00:00', '2026-02-28', '2026-13-01T00:00:00Z', '2026-02-28T24:00:00Z', '2026-02-28T10:00:60Z', '2025-02-29T00:00:00Z', '2026-02-28T10:00:00+25:00', ' 2026-02-28T10:00:00Z', '+002026-02-28T10:00:00Z'];
      for (const createdAt of bad) {
        refused(await postFlag(relay, s, flagOf(s, 'TAB_NOT_FOCUS', { createdAt })), 400, 'invalid_created_at', `JSON ${createdAt}`);
        refused(await postMultipart(relay, s, { flag: JSON.stringify(flagOf(s, 'TAB_NOT_FOCUS', { createdAt })) }), 400, 'invalid_created_at', `multipart ${createdAt}`);
      }
      refused(await postMultipart(relay, s, { type: 'TAB_NOT_FOCUS', createdAt: 'Tue Mar 03 2026' }), 400, 'invalid_created_at', 'multipart field per property');
      const tooFar = new Date(Date.now() + relay.config.clockSkewMs + 60_000).toISOString();
      refused(await postFlag(relay, s, flagOf(s, 'TAB_NOT_FOCUS', { createdAt: tooFar })), 400, 'created_at_in_future', 'beyond the skew');
      assert.equal(await count('flags'), before);

      const good: [string, string][] = [
        ['2026-02-28T10:00:00+01:00', '2026-02-28T09:00:00.000Z'],
        ['2024-02-29T23:59:59.123456Z', '2024-02-29T23:59:59.123Z'],
        ['2026-03-03t10:00:00z', '2026-03-03T10:00:00.000Z'],
        ['2026-03-03T10:00:00.5-05:30', '2026-03-03T15:30:00.500Z'],
      ];
      const within = new Date(Date.now() + 60_000).toISOString();
      for (const [createdAt, stored] of [...good, [within, within] as [string, string]]) {
        const flag = flagOf(s, 'TAB_NOT_FOCUS', { createdAt });
        const res = await postFlag(relay, s, flag);
        assert.equal(res.status, 201, `${createdAt}: ${JSON.stringify(res.body)}`);
        const row = await relay.db.selectFrom('flags').select('created_at').where('session_id', '=', s.sessionId).where('id', '=', flag.id as string).executeTakeFirstOrThrow();
        assert.equal(row.created_at, stored, createdAt);
      }
    });

    it('numeric details: ranges and integers enforced on JSON and multipart flags', async () => {
      const before = await count('flags');
      const bad: Record<string, unknown>[] = [
        { durationMs: -5000 },
        { durationMs: 1.5 },
        { durationMs: 8 * 24 * 3600 * 1000 },
        { durationMs: '5000' },
        { faceCount: -3 },
        { faceCount: 2.5 },
        { confidence: 7 },
        { confidence: -0.1 },
        { peakDb: 20 },
        { peakDb: -200 },
        { countThisSession: -1 },
        { awayMs: -1 },
      ];
      for (const details of bad) {
        const res = await postFlag<ApiError>(relay, s, flagOf(s, 'MULTIPLE_FACE', { details }));
        assert.equal(res.status, 400, `JSON ${JSON.stringify(details)}: ${JSON.stringify(res.body)}`);
        assert.equal(typeof res.body.error, 'string');
        refused(await postMultipart(relay, s, { flag: JSON.stringify(flagOf(s, 'MULTIPLE_FACE', { details })) }), 400, 'invalid_detail', `multipart ${JSON.stringify(details)}`);
        refused(await postMultipart(relay, s, { type: 'MULTIPLE_FACE', details: JSON.stringify(details) }), 400, 'invalid_detail', `multipart field ${JSON.stringify(details)}`);
      }
      assert.equal(await count('flags'), before);
      for (const details of [{ confidence: 0, faceCount: 0, peakDb: -160 }, { confidence: 1, peakDb: 6, durationMs: 0, countThisSession: 0 }, { peakDb: -42.5, durationMs: 7 * 24 * 3600 * 1000, note: 'free-form' }]) {
        const res = await postFlag(relay, s, flagOf(s, 'SOUND_DETECTED', { details }));
        assert.equal(res.status, 201, `${JSON.stringify(details)}: ${JSON.stringify(res.body)}`);
      }
    });

    it('documents the bounds in /openapi.json', async () => {
      const doc = await request<OpenApiDoc>(relay, 'GET', '/openapi.json');
      const text = JSON.stringify(doc.body);
      assert.match(doc.body.info.description, /32 levels/);
      assert.match(text, /RFC 3339/);
      const details = doc.body.paths['/v1/sessions/{id}/flags']!.post.requestBody.content['application/json']!.schema.properties.details!.properties;
      assert.deepEqual([details.confidence.minimum, details.confidence.maximum], [0, 1]);
      assert.equal(details.faceCount.type, 'integer');
      assert.deepEqual([details.peakDb.minimum, details.peakDb.maximum], [-160, 6]);
    });
  });
}
