import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { mediaStoreOf } from '../config.js';
import { ENGINES } from '../testing/engines.js';
import { startTestRelay, type TestRelay } from '../testing/harness.js';
import { flagOf, postFlag, postFlagWithMedia } from '../testing/client.js';
import { sampleJpeg, wavAudio } from '../testing/media-fixtures.js';
import { damaged, expectRefused, expectServed, uploadOffDisk } from '../testing/media-store-checks.js';

describe('EYE_MEDIA_STORE', () => {
  it('auto is the database on PostgreSQL and the disk on SQLite; unknown values are refused', () => {
    assert.equal(mediaStoreOf(undefined, 'postgres'), 'database');
    assert.equal(mediaStoreOf('auto', 'sqlite'), 'disk');
    assert.equal(mediaStoreOf('Database', 'sqlite'), 'database');
    assert.equal(mediaStoreOf('disk', 'postgres'), 'disk');
    assert.equal(mediaStoreOf('S3', 'sqlite'), 's3');
    assert.throws(() => mediaStoreOf('nfs', 'postgres'), /auto, disk, database or s3/);
  });
});

// The database store on both engines (PostgreSQL uses it by default; SQLite may choose it).
for (const engine of ENGINES) {
  describe(`database media store [${engine}]`, () => {
    let relay: TestRelay;
    before(async () => {
      relay = await startTestRelay({ engine, config: { mediaStore: 'database' } });
    });
    after(() => (relay as TestRelay | undefined)?.close()); // unset when `before` failed

    it('keeps committed bytes in media_blobs (no file), serves them byte-identical, and 404s a damaged blob', async () => {
      assert.equal(relay.app.mediaStore.kind, 'database');
      const jpeg = sampleJpeg(3);
      const wav = wavAudio();
      const { jpegId, wavId, storageName } = await uploadOffDisk(relay, jpeg, wav);
      await expectServed(relay.config, jpegId, jpeg);
      await expectServed(relay.config, wavId, wav);

      // A blob that no longer matches its row's SHA-256 is never served as the upload.
      await relay.db.updateTable('media_blobs').set({ bytes: damaged(jpeg) }).where('storage_name', '=', storageName(jpegId)).execute();
      await expectRefused(relay.config, jpegId, 404, 'media_not_found');
    });

    it('a flag refused after the media was staged leaves no blob', async () => {
      const s = await relay.createSession();
      const before = (await relay.app.mediaStore.names()).length;
      const first = flagOf(s, 'MULTIPLE_FACE', { details: { faceCount: 2 } });
      assert.equal((await postFlag(relay, s, first)).status, 201);
      // Same id, other content, now with a file: 409, and the staged bytes must not be kept.
      const conflict = await postFlagWithMedia(relay, s, { ...first, description: 'changed' }, { bytes: sampleJpeg(1) });
      assert.equal(conflict.status, 409, JSON.stringify(conflict.body));
      assert.equal((await relay.app.mediaStore.names()).length, before);
      assert.deepEqual(await readdir(`${relay.mediaDir}/.tmp`), []);
    });
  });
}
