import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { describeConfig, loadConfig, s3Of } from '../config.js';
import { buildServer } from '../server.js';
import { ENGINES } from '../testing/engines.js';
import { startTestRelay, type TestRelay } from '../testing/harness.js';
import { flagOf, postFlagWithMedia, request } from '../testing/client.js';
import { sampleJpeg, wavAudio } from '../testing/media-fixtures.js';
import { damaged, expectRefused, expectServed, uploadOffDisk } from '../testing/media-store-checks.js';
import { startTestS3Server, type TestS3Server } from '../testing/s3-server.js';
import { S3Client } from './s3-client.js';

// The S3 store (EYE_MEDIA_STORE=s3) on both engines, against an S3-compatible server that checks
// every request's Signature V4.
for (const engine of ENGINES) {
  describe(`S3 media store [${engine}]`, () => {
    let s3: TestS3Server;
    let relay: TestRelay;
    before(async () => {
      s3 = await startTestS3Server();
      relay = await startTestRelay({ engine, config: { mediaStore: 's3', s3: s3.options } });
    });
    after(async () => {
      await (relay as TestRelay | undefined)?.close(); // unset when `before` failed
      await (s3 as TestS3Server | undefined)?.close();
    });

    const objects = () => new S3Client(s3.options).list('media/');

    it('stores committed media as objects (no file, no blob) that a second relay on the same database serves byte-identical', async () => {
      assert.equal(relay.app.mediaStore.kind, 's3');
      const jpeg = sampleJpeg(4);
      const wav = wavAudio();
      const { jpegId, wavId, rows, storageName } = await uploadOffDisk(relay, jpeg, wav);
      assert.equal(Number((await relay.db.selectFrom('media_blobs').select((e) => e.fn.countAll().as('n')).executeTakeFirstOrThrow()).n), 0, 'no blob rows');
      assert.deepEqual((await objects()).sort(), rows.map((r) => `media/${r.storage_name}`).sort());

      // Another relay process on the same database and bucket (its own media dir, own port).
      const otherDir = await mkdtemp(join(tmpdir(), 'eye-relay-other-'));
      let other: FastifyInstance | null = null;
      try {
        other = await buildServer({ config: { ...relay.config, mediaDir: join(otherDir, 'media'), dataDir: otherDir }, logger: false });
        await other.listen({ port: 0, host: '127.0.0.1' });
        const otherConfig = { ...relay.config, publicUrl: `http://127.0.0.1:${(other.server.address() as AddressInfo).port}` };
        for (const config of [relay.config, otherConfig]) {
          await expectServed(config, jpegId, jpeg);
          await expectServed(config, wavId, wav);
        }
      } finally {
        await other?.close();
        await rm(otherDir, { recursive: true, force: true });
      }

      // An object that no longer matches its row's SHA-256 is never served as the upload,
      // nor one grown larger (the relay stops reading one byte past the row's size).
      const client = new S3Client(s3.options);
      for (const changed of [damaged(jpeg), Buffer.concat([jpeg, Buffer.alloc(1 << 20)])]) {
        await client.put(`media/${storageName(jpegId)}`, changed, changed.length, createHash('sha256').update(changed).digest('hex'));
        await expectRefused(relay.config, jpegId, 404, 'media_not_found');
      }
      assert.deepEqual(s3.refused, [], 'every request to the object store was signed right');
    });

    it('while the object store is down a flag with media gets 503 + Retry-After and nothing is stored; sent again later it is', async () => {
      const s = await relay.createSession();
      const flag = flagOf(s, 'MULTIPLE_FACE', { details: { faceCount: 2 } });
      const before = await objects();
      await s3.stop();
      try {
        const down = await postFlagWithMedia(relay, s, flag, { bytes: sampleJpeg(2) });
        assert.equal(down.status, 503, JSON.stringify(down.body));
        assert.equal((down.body as { error?: string }).error, 'media_store_unavailable');
        assert.ok(Number(down.headers.get('retry-after')) > 0);
        assert.equal(await relay.db.selectFrom('flags').select('id').where('id', '=', flag.id as string).executeTakeFirst(), undefined, 'no flag row');
        assert.deepEqual(await readdir(join(relay.mediaDir, '.tmp')), [], 'temp upload removed');
        // Downloads of stored media answer the same retryable 503 meanwhile.
        const stored = await relay.db.selectFrom('media').select('id').limit(1).executeTakeFirstOrThrow();
        const media = await expectRefused(relay.config, stored.id, 503, 'media_store_unavailable');
        assert.ok(Number(media.headers.get('retry-after')) > 0);
      } finally {
        await s3.start();
      }
      assert.deepEqual(await objects(), before, 'no object written');
      const again = await postFlagWithMedia(relay, s, flag, { bytes: sampleJpeg(2) });
      assert.equal(again.status, 201, JSON.stringify(again.body));
      assert.equal((await objects()).length, before.length + 1);
    });

    it('erasing a session deletes its objects', async () => {
      const s = await relay.createSession();
      const up = await postFlagWithMedia(relay, s, flagOf(s, 'FACE_ABSENCE', { details: { durationMs: 4000 } }), { bytes: sampleJpeg(5) });
      assert.equal(up.status, 201);
      const name = (await relay.db.selectFrom('media').select('storage_name').where('id', '=', up.body.mediaId!).executeTakeFirstOrThrow()).storage_name;
      assert.ok((await objects()).includes(`media/${name}`));
      assert.equal((await request(relay, 'DELETE', `/v1/sessions/${s.sessionId}`, { apiKey: relay.apiKey })).status, 204);
      assert.ok(!(await objects()).includes(`media/${name}`), 'object deleted');
    });
  });
}

describe('S3 media store start', () => {
  it('a relay whose bucket does not exist refuses to start, saying which bucket', async () => {
    const s3 = await startTestS3Server();
    try {
      await assert.rejects(startTestRelay({ engine: 'sqlite', config: { mediaStore: 's3', s3: { ...s3.options, bucket: 'missing-bucket' } } }), /bucket "missing-bucket" does not exist/);
    } finally {
      await s3.close();
    }
  });
});

describe('EYE_S3_* settings', () => {
  const keys = { EYE_S3_ACCESS_KEY_ID: 'AKIDEXAMPLE', EYE_S3_SECRET_ACCESS_KEY: 'very-secret-key-value' };

  it('defaults to AWS S3 in the region (virtual-hosted), a custom endpoint to path style; AWS_* keys work too', () => {
    assert.deepEqual(s3Of({ EYE_S3_BUCKET: 'b', EYE_S3_REGION: 'eu-west-3', ...keys }), {
      endpoint: 'https://s3.eu-west-3.amazonaws.com',
      bucket: 'b',
      region: 'eu-west-3',
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'very-secret-key-value',
      sessionToken: undefined,
      pathStyle: false,
      prefix: 'media/',
    });
    const minio = s3Of({ EYE_S3_BUCKET: 'b', EYE_S3_ENDPOINT: 'http://minio:9000', AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 's', AWS_SESSION_TOKEN: 't', EYE_S3_PREFIX: 'exam-week/' });
    assert.equal(minio.pathStyle, true);
    assert.equal(minio.region, 'us-east-1');
    assert.deepEqual([minio.accessKeyId, minio.secretAccessKey, minio.sessionToken, minio.prefix], ['a', 's', 't', 'exam-week/']);
  });

  it('refuses missing or unusable settings with a message naming the variable', () => {
    assert.throws(() => s3Of({ ...keys }), /needs EYE_S3_BUCKET/);
    assert.throws(() => s3Of({ EYE_S3_BUCKET: 'b' }), /needs EYE_S3_ACCESS_KEY_ID and EYE_S3_SECRET_ACCESS_KEY/);
    assert.throws(() => s3Of({ EYE_S3_BUCKET: 'b', EYE_S3_ENDPOINT: 'ftp://x', ...keys }), /EYE_S3_ENDPOINT must be an http\(s\) URL/);
    assert.throws(() => s3Of({ EYE_S3_BUCKET: 'b', EYE_S3_PREFIX: '/abs', ...keys }), /EYE_S3_PREFIX/);
    assert.throws(() => s3Of({ EYE_S3_BUCKET: 'b', EYE_S3_PREFIX: '../x?y', ...keys }), /EYE_S3_PREFIX/);
  });

  it('the start banner names the bucket and key id, never the secret', () => {
    const dir = join(tmpdir(), 'eye-s3-config');
    const config = loadConfig({ EYE_MEDIA_STORE: 's3', EYE_S3_BUCKET: 'exam-media', EYE_DATA_DIR: dir, EYE_SECRET: 'x'.repeat(32), ...keys }, []);
    assert.equal(config.mediaStore, 's3');
    const banner = describeConfig(config);
    assert.match(banner, /S3 bucket exam-media at https:\/\/s3\.us-east-1\.amazonaws\.com, prefix media\/, key id AKIDEXAMPLE/);
    assert.ok(!banner.includes('very-secret-key-value'));
  });
});
