import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { createRelayClient } from '../client/index.js';
import { PROJECT_ROOT } from '../config.js';
import { startTestRelay, type TestRelay } from '../testing/harness.js';
import { EVENT_TYPES } from '../webhooks/catalog.js';
import { CLIENT_TYPES_FILE, clientTypesSource, OPENAPI_FILE, RELAY_DIR, relayOpenApiDocument } from './generate.js';

type Operation = { operationId?: string; security?: unknown[]; responses?: Record<string, unknown> };
type Document = {
  openapi: string;
  servers?: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
  webhooks: Record<string, { post: Operation & { requestBody: unknown } }>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
};

describe('OpenAPI document for client generators', () => {
  let document: Document;
  before(async () => {
    document = (await relayOpenApiDocument()) as Document;
  });

  it('the committed openapi.json and client types are what the relay generates (npm run generate:client)', async () => {
    assert.deepEqual(JSON.parse(readFileSync(OPENAPI_FILE, 'utf8')), document, 'backend-stub/openapi.json is stale');
    assert.equal(readFileSync(CLIENT_TYPES_FILE, 'utf8'), await clientTypesSource(document as never), 'src/client/relay-api.ts is stale');
  });

  it('is OpenAPI 3.1 with servers, a unique operationId and a security on every operation', () => {
    assert.equal(document.openapi, '3.1.0');
    assert.equal(document.servers?.[0]?.url, 'http://localhost:8080');
    const operations = Object.entries(document.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ at: `${method} ${path}`, op })));
    assert.ok(operations.length > 30, `${operations.length} operations`);
    const ids = new Set<string>();
    for (const { at, op } of operations) {
      assert.match(op.operationId ?? '', /^[a-z]+[A-Za-z0-9]*$/, `${at} has no operationId`);
      assert.ok(!ids.has(op.operationId!), `${at}: duplicate operationId ${op.operationId}`);
      ids.add(op.operationId!);
      assert.ok(Array.isArray(op.security), `${at} declares no security`);
      for (const requirement of op.security as Record<string, unknown>[]) {
        for (const scheme of Object.keys(requirement)) assert.ok(document.components.securitySchemes[scheme], `${at}: unknown scheme ${scheme}`);
      }
    }
    // authentication as the routes enforce it
    assert.deepEqual(document.paths['/v1/sessions']!.post!.security, [{ apiKey: [] }, { apiKeyHeader: [] }]);
    assert.deepEqual(document.paths['/v1/sessions/{id}/flags']!.post!.security, [{ sessionToken: [] }]);
    assert.deepEqual(document.paths['/healthz']!.get!.security, []);
    assert.equal(document.paths['/v1/sessions/{id}/flags']!.post!.operationId, 'postSessionsByIdFlags');
  });

  it('shares the error body as a component schema and describes every webhook payload under webhooks', () => {
    assert.deepEqual(document.components.schemas.Error, { type: 'object', required: ['error', 'message'], properties: { error: { type: 'string' }, message: { type: 'string' } } });
    assert.deepEqual(document.paths['/v1/sessions']!.post!.responses!['401'], { description: 'Default Response', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });
    assert.deepEqual(Object.keys(document.webhooks).sort(), [...EVENT_TYPES].sort());
    for (const [eventType, { post }] of Object.entries(document.webhooks)) {
      const ref = (post.requestBody as { content: { 'application/json': { schema: { $ref: string } } } }).content['application/json'].schema.$ref;
      const schema = document.components.schemas[ref.replace('#/components/schemas/', '')] as { properties: { event_type: { const: string } } };
      assert.equal(schema.properties.event_type.const, eventType);
    }
  });

  it('passes redocly lint (recommended rules, offline)', async () => {
    const redocly = join(PROJECT_ROOT, 'node_modules/.bin/redocly');
    try {
      await promisify(execFile)(redocly, ['lint', 'openapi.json', '--format=stylish'], {
        cwd: RELAY_DIR,
        timeout: 180_000,
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string };
      assert.fail(`redocly lint failed:\n${e.stdout}${e.stderr}`);
    }
  });
});

describe('typed relay client (eye-relay/client)', () => {
  let relay: TestRelay;
  before(async () => {
    relay = await startTestRelay({ engine: 'sqlite' });
  });
  after(() => (relay as TestRelay | undefined)?.close()); // unset when `before` failed

  it('creates a session, reads it back and gets the error body of a refused request', async () => {
    const client = createRelayClient({ baseUrl: relay.url, token: relay.apiKey });
    const created = await client.POST('/v1/sessions', { body: { examId: 'exam-client', candidateId: 'cand-client' } });
    assert.equal(created.response.status, 201);
    const sessionId = created.data!.sessionId;
    const read = await client.GET('/v1/sessions/{id}', { params: { path: { id: sessionId } } });
    assert.equal(read.response.status, 200);
    assert.equal(read.data!.exam_id, 'exam-client');

    const anonymous = createRelayClient({ baseUrl: relay.url });
    const refused = await anonymous.GET('/v1/sessions/{id}', { params: { path: { id: sessionId } } });
    assert.equal(refused.response.status, 401);
    assert.equal(typeof refused.error?.error, 'string');
  });
});
