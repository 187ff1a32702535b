/**
 * Compressed assets over real HTTP: brotli or gzip as the client accepts, the same bytes once
 * decoded, an ETag per encoding, one copy per file version on disk, and the plain file when no
 * copy can be made.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, test } from 'node:test';
import zlib from 'node:zlib';
import { PROJECT_ROOT } from '../config.js';
import { startTestRelay, type TestRelay } from '../testing/harness.js';
import { pickEncoding } from './compressed-assets.js';

interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A GET (or HEAD) whose body is left as it came (fetch would decode it). */
function rawGet(url: string, headers: Record<string, string>, method = 'GET'): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }); });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const decode = (r: RawAnswer): Buffer => {
  const enc = r.headers['content-encoding'];
  if (enc === 'br') return zlib.brotliDecompressSync(r.body);
  if (enc === 'gzip') return zlib.gunzipSync(r.body);
  assert.equal(enc, undefined);
  return r.body;
};

test('pickEncoding: brotli first, then gzip; q=0 refuses; * stands for the others', () => {
  const cases: [string | undefined, string | null][] = [
    [undefined, null],
    ['', null],
    ['identity', null],
    ['gzip, deflate', 'gzip'],
    ['gzip, deflate, br, zstd', 'br'],
    ['br;q=0, gzip', 'gzip'],
    ['BR;Q=0.5', 'br'],
    ['br;q=0, gzip;q=0', null],
    ['*', 'br'],
    ['*;q=0, gzip', 'gzip'],
    ['deflate;q=1, *;q=0', null],
  ];
  for (const [header, want] of cases) assert.equal(pickEncoding(header), want, String(header));
});

describe('compressed assets', () => {
  let relay: TestRelay;
  let root: string;
  const bundle = () => join(root, 'dist/bundles/eye-proctor.big.js');
  const cacheDir = () => join(relay.config.dataDir, 'asset-cache');
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'eye-compressed-'));
    await mkdir(join(root, 'dist/bundles'), { recursive: true });
    await writeFile(bundle(), Array.from({ length: 3000 }, (_, i) => `export const value${i} = ${i};\n`).join(''));
    await writeFile(join(root, 'dist/bundles/tiny.js'), 'export {};\n');
    relay = await startTestRelay({ engine: 'sqlite', config: { projectRoot: root } });
  });
  after(async () => {
    await (relay as TestRelay | undefined)?.close(); // unset when `before` failed
    await rm(root, { recursive: true, force: true });
  });

  it('sends brotli or gzip as accepted, the same bytes once decoded, each with its own ETag', async () => {
    const url = `${relay.url}/assets/widget/eye-proctor.big.js`;
    const onDisk = await readFile(bundle());
    const br = await rawGet(url, { 'accept-encoding': 'gzip, deflate, br', origin: 'https://exam.example.edu' });
    assert.equal(br.status, 200);
    assert.equal(br.headers['content-encoding'], 'br');
    assert.equal(Number(br.headers['content-length']), br.body.length);
    assert.ok(br.body.length * 4 < onDisk.length, `${br.body.length} of ${onDisk.length} bytes`);
    assert.ok(decode(br).equals(onDisk));
    assert.equal(br.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.match(String(br.headers.vary), /Origin/);
    assert.match(String(br.headers.vary), /Accept-Encoding/);
    assert.match(String(br.headers.etag), /-br"$/);

    const gz = await rawGet(url, { 'accept-encoding': 'br;q=0, gzip' });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.ok(decode(gz).equals(onDisk));
    const plain = await rawGet(url, {});
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.match(String(plain.headers.vary), /Accept-Encoding/);
    assert.ok(plain.body.equals(onDisk));
    assert.equal(new Set([br.headers.etag, gz.headers.etag, plain.headers.etag]).size, 3);

    assert.equal((await rawGet(url, { 'accept-encoding': 'br', 'if-none-match': String(br.headers.etag) })).status, 304);
    const other = await rawGet(url, { 'accept-encoding': 'gzip', 'if-none-match': String(br.headers.etag) });
    assert.equal(other.status, 200, 'the brotli ETag does not match the gzip representation');
    const head = await rawGet(url, { 'accept-encoding': 'br' }, 'HEAD');
    assert.deepEqual([head.headers['content-encoding'], head.headers['content-length'], head.body.length], ['br', String(br.body.length), 0]);
    const plainHead = await rawGet(url, {}, 'HEAD');
    assert.deepEqual([plainHead.headers['content-encoding'], plainHead.headers['content-length'], plainHead.body.length], [undefined, String(onDisk.length), 0]);

    // Small files go as they are.
    assert.equal((await rawGet(`${relay.url}/assets/widget/tiny.js`, { 'accept-encoding': 'br' })).headers['content-encoding'], undefined);
  });

  it('makes one copy per file version and encoding, on disk; a new version replaces the old copies', async () => {
    const url = `${relay.url}/assets/widget/eye-proctor.big.js`;
    await rm(cacheDir(), { recursive: true, force: true });
    const answers = await Promise.all(Array.from({ length: 8 }, () => rawGet(url, { 'accept-encoding': 'br' })));
    for (const a of answers) assert.ok(decode(a).equals(await readFile(bundle())));
    await rawGet(url, { 'accept-encoding': 'gzip' });
    const copies = (await readdir(cacheDir())).sort();
    assert.equal(copies.length, 2, copies.join(' '));
    assert.deepEqual(copies.map((n) => n.split('.').at(-1)).sort(), ['br', 'gz']);
    const brCopy = join(cacheDir(), copies.find((n) => n.endsWith('.br'))!);
    const madeAt = (await stat(brCopy)).mtimeMs;
    await rawGet(url, { 'accept-encoding': 'br' });
    assert.equal((await stat(brCopy)).mtimeMs, madeAt, 'not made again');

    const newer = Buffer.from('export const version = 2;\n'.repeat(500));
    await writeFile(bundle(), newer);
    const again = await rawGet(url, { 'accept-encoding': 'br' });
    assert.ok(decode(again).equals(newer));
    const left = await readdir(cacheDir());
    assert.equal(left.length, 1, left.join(' '));
    assert.notEqual(join(cacheDir(), left[0]!), brCopy);
  });

  it('sends the file as it is when no copy can be made', async () => {
    await rm(cacheDir(), { recursive: true, force: true });
    await writeFile(cacheDir(), 'not a folder');
    try {
      const r = await rawGet(`${relay.url}/assets/widget/eye-proctor.big.js`, { 'accept-encoding': 'br, gzip' });
      assert.equal(r.status, 200);
      assert.equal(r.headers['content-encoding'], undefined);
      assert.ok(r.body.equals(await readFile(bundle())));
      assert.doesNotMatch(String(r.headers.etag), /-(br|gzip)"$/);
      // Not tried again at every request: for a minute files go as they are, even once the disk is fixed.
      await rm(cacheDir(), { force: true });
      const next = await rawGet(`${relay.url}/assets/widget/eye-proctor.big.js`, { 'accept-encoding': 'br' });
      assert.equal(next.headers['content-encoding'], undefined);
      assert.ok(next.body.equals(await readFile(bundle())));
    } finally {
      await rm(cacheDir(), { recursive: true, force: true });
    }
  });

  it('the real MediaPipe wasm: about a quarter of its size with brotli, byte-identical once decoded', async () => {
    const real = await startTestRelay({ engine: 'sqlite', config: { projectRoot: PROJECT_ROOT } });
    try {
      const r = await rawGet(`${real.url}/assets/mediapipe/wasm/vision_wasm_internal.wasm`, { 'accept-encoding': 'br' });
      const onDisk = await readFile(join(PROJECT_ROOT, 'node_modules/@mediapipe/tasks-vision/wasm/vision_wasm_internal.wasm'));
      assert.equal(r.headers['content-type'], 'application/wasm');
      assert.equal(r.headers['content-encoding'], 'br');
      assert.ok(r.body.length * 3 < onDisk.length, `${r.body.length} of ${onDisk.length} bytes`);
      assert.ok(decode(r).equals(onDisk));
    } finally {
      await real.close();
    }
  });
});
