import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from './testing/engines.js';
import { startTestRelay, type TestRelay } from './testing/harness.js';
import { flagOf, postFlag, request, type ApiError } from './testing/client.js';
import { PROJECT_ROOT } from './config.js';

/** The parts of /openapi.json the test reads. */
interface OpenApiOperation {
  requestBody: { content: Record<string, { schema: { required?: string[] } } | undefined> };
  responses: Record<string, unknown>;
}
interface OpenApiDoc {
  openapi: string;
  paths: Record<string, Record<string, OpenApiOperation | undefined> | undefined>;
  components: { securitySchemes: Record<string, unknown> };
}

for (const engine of ENGINES) {
  describe(`relay server [${engine}]`, () => {
    let relay: TestRelay;
    before(async () => {
      relay = await startTestRelay({ engine, config: { rateLimit: { max: 5, windowMs: 60_000 } } });
    });
    after(() => (relay as TestRelay | undefined)?.close()); // unset when `before` failed

    it('GET /healthz checks the database', async () => {
      const res = await request(relay, 'GET', '/healthz');
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, { status: 'ok', db: engine });
    });

    it('/openapi.json describes the public routes with their schemas', async () => {
      const res = await request<OpenApiDoc>(relay, 'GET', '/openapi.json');
      assert.equal(res.status, 200);
      const doc = res.body;
      assert.match(doc.openapi, /^3\./);
      for (const p of ['/v1/sessions', '/v1/sessions/{id}', '/v1/sessions/{id}/flags', '/v1/sessions/{id}/token', '/v1/sessions/{id}/status', '/v1/media/{id}', '/healthz']) {
        assert.ok(doc.paths[p], `${p} documented`);
      }
      const create = doc.paths['/v1/sessions']!.post!;
      assert.deepEqual(create.requestBody.content['application/json']!.schema.required, ['examId', 'candidateId']);
      assert.ok(create.responses['201']);
      const flags = doc.paths['/v1/sessions/{id}/flags']!.post!;
      assert.ok(flags.requestBody.content['application/json']);
      assert.ok(flags.requestBody.content['multipart/form-data']);
      assert.ok(flags.responses['409']);
      assert.ok(doc.components.securitySchemes.sessionToken);
    });

    it('unknown routes answer 404 JSON', async () => {
      const res = await request<ApiError>(relay, 'GET', '/nope/../../etc/passwd');
      assert.equal(res.status, 404);
      assert.equal(res.body.error, 'not_found');
    });

    it('CORS (ALLOWED_ORIGINS unset): widget routes answer any origin, API-key routes none', async () => {
      const s = await relay.createSession();
      const pre = await fetch(`${relay.url}/v1/sessions/${s.sessionId}/flags`, {
        method: 'OPTIONS',
        headers: { origin: 'https://exam.example.edu', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
      });
      assert.equal(pre.status, 204);
      assert.equal(pre.headers.get('access-control-allow-origin'), 'https://exam.example.edu');
      assert.match(pre.headers.get('access-control-allow-headers') ?? '', /Authorization/i);
      assert.equal(pre.headers.get('access-control-allow-credentials'), null);
      const api = await fetch(`${relay.url}/v1/sessions`, {
        method: 'OPTIONS',
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
      });
      assert.equal(api.headers.get('access-control-allow-origin'), null);
    });

    it('rate-limits per session token with 429 JSON, other tokens unaffected', async () => {
      const a = await relay.createSession();
      const b = await relay.createSession();
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++) statuses.push((await postFlag(relay, a, flagOf(a, 'TAB_NOT_FOCUS'))).status);
      assert.deepEqual(statuses, [201, 201, 201, 201, 201, 429, 429]);
      const limited = await postFlag<ApiError>(relay, a, flagOf(a, 'TAB_NOT_FOCUS'));
      assert.equal(limited.body.error, 'rate_limited');
      assert.ok(Number(limited.headers.get('retry-after')) > 0);
      assert.equal((await postFlag(relay, b, flagOf(b, 'TAB_NOT_FOCUS'))).status, 201);
      const rows = await relay.db.selectFrom('flags').select('id').where('session_id', '=', a.sessionId).execute();
      assert.equal(rows.length, 5);
    });

    it('counts a renewed token against its session budget, not a fresh one', async () => {
      const a = await relay.createSession();
      await new Promise((r) => setTimeout(r, 1100)); // tokens carry whole seconds: a later second, a different token
      const renewed = await fetch(`${relay.url}/v1/sessions/${a.sessionId}/token`, { method: 'POST', headers: { authorization: `Bearer ${a.token}` } });
      assert.equal(renewed.status, 200);
      const fresh = { ...a, token: ((await renewed.json()) as { token: string }).token };
      assert.notEqual(fresh.token, a.token);
      const statuses: number[] = [];
      // Each route counts on its own (the renewal is not a flag); the flags route's 5 are the session's, whichever token.
      for (let i = 0; i < 6; i++) statuses.push((await postFlag(relay, i % 2 ? a : fresh, flagOf(a, 'TAB_NOT_FOCUS'))).status);
      statuses.push((await postFlag(relay, fresh, flagOf(a, 'TAB_NOT_FOCUS'))).status);
      assert.deepEqual(statuses, [201, 201, 201, 201, 201, 429, 429]);
    });
  });
}

describe('relay server: CORS with ALLOWED_ORIGINS', () => {
  let relay: TestRelay;
  before(async () => {
    relay = await startTestRelay({ engine: 'sqlite', config: { allowedOrigins: ['https://lms.example.edu'] } });
  });
  after(() => (relay as TestRelay | undefined)?.close()); // unset when `before` failed

  it('answers only the listed origins, on every route', async () => {
    const s = await relay.createSession();
    const preflight = (path: string, origin: string) =>
      fetch(relay.url + path, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });
    let res = await preflight('/v1/sessions', 'https://lms.example.edu');
    assert.equal(res.headers.get('access-control-allow-origin'), 'https://lms.example.edu');
    res = await preflight(`/v1/sessions/${s.sessionId}/flags`, 'https://other.example');
    assert.equal(res.headers.get('access-control-allow-origin'), null);
  });
});

describe('relay assets', () => {
  let relay: TestRelay;
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'eye-assets-'));
    await mkdir(join(root, 'node_modules/@mediapipe/tasks-vision/wasm'), { recursive: true });
    await writeFile(join(root, 'node_modules/@mediapipe/tasks-vision/wasm/vision_wasm_internal.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
    await mkdir(join(root, 'dist/bundles'), { recursive: true });
    await writeFile(join(root, 'dist/bundles/eye-proctor.bundle.js'), 'export const x = 1;\n');
    await writeFile(join(root, 'dist/bundles/eye-proctor.3f2a9c1b.js'), 'export const y = 2;\n');
    await writeFile(join(root, 'secret.txt'), 'do not serve');
    relay = await startTestRelay({ engine: 'sqlite', config: { projectRoot: root } });
  });
  after(async () => {
    await (relay as TestRelay | undefined)?.close(); // unset when `before` failed
    await rm(root, { recursive: true, force: true });
  });

  it('serves MediaPipe wasm as application/wasm with caching and ETag revalidation', async () => {
    const res = await fetch(`${relay.url}/assets/mediapipe/wasm/vision_wasm_internal.wasm`, { headers: { origin: 'https://exam.example.edu' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/wasm');
    assert.equal(res.headers.get('cache-control'), 'public, max-age=86400');
    assert.equal(res.headers.get('access-control-allow-origin'), 'https://exam.example.edu');
    assert.deepEqual([...new Uint8Array(await res.arrayBuffer())], [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
    const etag = res.headers.get('etag')!;
    const again = await fetch(`${relay.url}/assets/mediapipe/wasm/vision_wasm_internal.wasm`, { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
  });

  it('serves widget bundles; content-hashed names are immutable', async () => {
    let res = await fetch(`${relay.url}/assets/widget/eye-proctor.bundle.js`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(res.headers.get('cache-control'), 'public, max-age=300');
    assert.equal(await res.text(), 'export const x = 1;\n');
    res = await fetch(`${relay.url}/assets/widget/eye-proctor.3f2a9c1b.js`);
    assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  });

  it('says clearly when the face model is not built, and never leaves the asset folders', async () => {
    let res = await request<ApiError>(relay, 'GET', '/assets/mediapipe/face_detector.tflite');
    assert.equal(res.status, 404);
    assert.equal(res.body.error, 'asset_not_built');
    assert.match(res.body.message, /build:model/);
    for (const p of ['/assets/widget/..%2F..%2Fsecret.txt', '/assets/widget/%2e%2e/%2e%2e/secret.txt', '/assets/mediapipe/wasm/..%2f..%2f..%2f..%2f..%2fsecret.txt', '/assets/widget/.hidden', '/assets/widget/']) {
      res = await request(relay, 'GET', p);
      assert.equal(res.status, 404, p);
      assert.ok(!JSON.stringify(res.body).includes('do not serve'));
    }
  });

  it('serves the face model once built, as bytes with caching', async () => {
    const model = Buffer.concat([Buffer.from([0x1c, 0, 0, 0]), Buffer.from('TFL3'), Buffer.alloc(64, 7)]);
    await mkdir(join(root, 'dist/assets'), { recursive: true });
    await writeFile(join(root, 'dist/assets/face_detector.tflite'), model);
    const res = await fetch(`${relay.url}/assets/mediapipe/face_detector.tflite`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/octet-stream');
    assert.equal(res.headers.get('cache-control'), 'public, max-age=86400');
    assert.ok(Buffer.from(await res.arrayBuffer()).equals(model));
  });

  it('serves the identity model (manifest + weights) from the project, and nothing else of its package', async () => {
    const real = await startTestRelay({ engine: 'sqlite', config: { projectRoot: PROJECT_ROOT } });
    try {
      const manifest = await fetch(`${real.url}/assets/mediapipe/identity/face_recognition_model-weights_manifest.json`);
      assert.equal(manifest.status, 200);
      assert.equal(manifest.headers.get('content-type'), 'application/json; charset=utf-8');
      const paths = ((await manifest.json()) as { paths: string[] }[]).flatMap((g) => g.paths);
      assert.deepEqual(paths, ['face_recognition_model.bin']);
      const weights = await fetch(`${real.url}/assets/mediapipe/identity/face_recognition_model.bin`);
      assert.equal(weights.status, 200);
      const onDisk = await readFile(join(PROJECT_ROOT, 'node_modules/@vladmandic/face-api/model/face_recognition_model.bin'));
      assert.ok(Buffer.from(await weights.arrayBuffer()).equals(onDisk));
      for (const other of ['age_gender_model.bin', 'ssd_mobilenetv1_model.bin', '..%2F..%2Fpackage.json']) {
        const res = await fetch(`${real.url}/assets/mediapipe/identity/${other}`);
        assert.equal(res.status, 404, other);
      }
    } finally {
      await real.close();
    }
  });

  it('serves the real MediaPipe wasm from the project', async () => {
    const real = await startTestRelay({ engine: 'sqlite', config: { projectRoot: PROJECT_ROOT } });
    try {
      const res = await fetch(`${real.url}/assets/mediapipe/wasm/vision_wasm_internal.wasm`);
      assert.equal(res.status, 200);
      const bytes = Buffer.from(await res.arrayBuffer());
      const onDisk = await readFile(join(PROJECT_ROOT, 'node_modules/@mediapipe/tasks-vision/wasm/vision_wasm_internal.wasm'));
      assert.ok(bytes.equals(onDisk));
      assert.equal(bytes.subarray(0, 4).toString('latin1'), '\0asm');
    } finally {
      await real.close();
    }
  });
});

describe('relay server keep-alive', () => {
  it('closes an idle client connection after keepAliveMs', async () => {
    const { connect } = await import('node:net');
    const relay = await startTestRelay({ engine: 'sqlite', config: { keepAliveMs: 1500 } });
    try {
      // A raw socket: an HTTP client agent would close it itself on the Keep-Alive hint.
      const socket = connect(Number(new URL(relay.url).port), '127.0.0.1');
      let received = '';
      let answeredAt = 0;
      const closedAt = new Promise<number>((resolve) => {
        socket.on('close', () => {
          resolve(Date.now());
        });
      });
      socket.on('data', (d: Buffer) => {
        received += d.toString();
        if (!answeredAt && received.includes('"status":"ok"')) answeredAt = Date.now();
      });
      socket.write('GET /healthz HTTP/1.1\r\nHost: relay\r\nConnection: keep-alive\r\n\r\n');
      const idle = (await closedAt) - answeredAt;
      assert.match(received, /^HTTP\/1\.1 200/);
      assert.match(received, /keep-alive: timeout=1/i);
      assert.ok(answeredAt > 0 && idle >= 1000 && idle < 6000, `closed by the relay after ${idle} ms idle`);
    } finally {
      await relay.close();
    }
  });
});
