import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { sigV4Problem } from '../testing/sigv4-check.js';
import { startTestS3Server, type TestS3Server } from '../testing/s3-server.js';
import { MediaStoreUnavailableError, S3Client } from './s3-client.js';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('the test S3 server signature check', () => {
  // AWS's published example (S3 API reference, "Signature Calculations for the Authorization
  // Header: Transferring Payload in a Single Chunk", GET Object): the check must accept exactly it.
  const example = {
    method: 'GET',
    url: '/test.txt',
    headers: {
      host: 'examplebucket.s3.amazonaws.com',
      range: 'bytes=0-9',
      'x-amz-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      'x-amz-date': '20130524T000000Z',
      authorization:
        'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    },
  };
  const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
  const then = Date.UTC(2013, 4, 24);

  it("accepts AWS's published example and refuses it changed in any signed part", () => {
    assert.equal(sigV4Problem(example, secret, 'us-east-1', then), null);
    assert.match(sigV4Problem(example, `${secret}x`, 'us-east-1', then) ?? '', /signature mismatch/);
    assert.match(sigV4Problem({ ...example, url: '/test.txt2' }, secret, 'us-east-1', then) ?? '', /signature mismatch/);
    assert.match(sigV4Problem({ ...example, headers: { ...example.headers, range: 'bytes=0-10' } }, secret, 'us-east-1', then) ?? '', /signature mismatch/);
    assert.match(sigV4Problem(example, secret, 'us-east-1', then + 3600_000) ?? '', /skewed/);
    assert.match(sigV4Problem(example, secret, 'eu-west-1', then) ?? '', /not eu-west-1\/s3/);
  });
});

describe('S3Client against an S3-compatible server', () => {
  let s3: TestS3Server;
  let client: S3Client;
  before(async () => {
    s3 = await startTestS3Server();
    client = new S3Client(s3.options);
  });
  after(() => (s3 as TestS3Server | undefined)?.close()); // unset when `before` failed

  it('puts (streamed, with its SHA-256), gets, lists and deletes objects, every request signed right', async () => {
    await client.checkBucket();
    const a = randomBytes(150_000);
    const b = randomBytes(10);
    await client.put('media/a', () => Readable.from([a.subarray(0, 70_000), a.subarray(70_000)]), a.length, sha256(a));
    await client.put('media/b', b, b.length, sha256(b));
    await client.put('other/c d+e=(f)', b, b.length, sha256(b)); // a key that needs encoding
    assert.ok((await client.get('media/a'))?.equals(a), 'bytes back identical');
    assert.ok((await client.get('media/a', 1000))?.equals(a.subarray(0, 1000)), 'reading stops at maxBytes');
    assert.deepEqual(await client.list('other/c d+'), ['other/c d+e=(f)'], 'a prefix that needs encoding');
    assert.equal(await client.get('media/missing'), null);
    assert.deepEqual((await client.list('media/')).sort(), ['media/a', 'media/b']);
    await client.delete('media/a');
    await client.delete('media/a'); // missing is fine
    assert.deepEqual(await client.list('media/'), ['media/b']);
    assert.deepEqual(s3.refused, [], 'the signature check accepted every request');
  });

  it('a wrong secret, a missing bucket or an unreachable store is a clear error, never a hang', async () => {
    const wrong = new S3Client({ ...s3.options, secretAccessKey: 'not-the-secret' });
    await assert.rejects(wrong.get('media/b'), (err: unknown) => err instanceof MediaStoreUnavailableError && /403 SignatureDoesNotMatch/.test(err.message));
    assert.ok(s3.refused.length > 0);
    await assert.rejects(new S3Client({ ...s3.options, bucket: 'no-such-bucket' }).checkBucket(), /bucket "no-such-bucket" does not exist/);

    await s3.stop();
    try {
      await assert.rejects(client.get('media/b'), (err: unknown) => err instanceof MediaStoreUnavailableError && /ECONNREFUSED|ECONNRESET/.test(err.message));
    } finally {
      await s3.start();
    }
    assert.equal((await client.get('media/b'))?.length, 10, 'works again once the store is back');
  });
});
