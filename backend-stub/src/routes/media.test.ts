import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signMediaUrl } from '../media/signed-url.js';
import { ENGINES } from '../testing/engines.js';
import { startTestRelay, type TestRelay } from '../testing/harness.js';
import { flagOf, postFlagWithMedia } from '../testing/client.js';
import { oggAudio, sampleJpeg } from '../testing/media-fixtures.js';

for (const engine of ENGINES) {
  describe(`GET /v1/media/{id} signed URLs [${engine}]`, () => {
    let relay: TestRelay;
    let mediaId: string;
    const jpeg = sampleJpeg(5);
    before(async () => {
      relay = await startTestRelay({ engine });
      const s = await relay.createSession();
      const res = await postFlagWithMedia(relay, s, flagOf(s, 'PERIODIC_SNAPSHOT'), { bytes: jpeg });
      assert.equal(res.status, 201);
      mediaId = res.body.mediaId!;
    });
    after(() => (relay as TestRelay | undefined)?.close()); // unset when `before` failed

    it('serves the exact bytes with the sniffed type and private caching', async () => {
      const url = signMediaUrl(relay.config, mediaId, 120);
      const res = await fetch(url);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'image/jpeg');
      assert.match(res.headers.get('cache-control') ?? '', /^private, max-age=1[12]\d$/);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(Number(res.headers.get('content-length')), jpeg.length);
      assert.ok(Buffer.from(await res.arrayBuffer()).equals(jpeg));
    });

    it('serves audio as audio', async () => {
      const s = await relay.createSession();
      const ogg = oggAudio();
      const up = await postFlagWithMedia(relay, s, flagOf(s, 'SOUND_DETECTED'), { bytes: ogg });
      const res = await fetch(signMediaUrl(relay.config, up.body.mediaId!, 60));
      assert.equal(res.headers.get('content-type'), 'audio/ogg');
      assert.ok(Buffer.from(await res.arrayBuffer()).equals(ogg));
    });

    it('rejects tampered, expired, missing and foreign signatures', async () => {
      const good = new URL(signMediaUrl(relay.config, mediaId, 120));
      const sig = good.searchParams.get('sig')!;
      const expires = good.searchParams.get('expires')!;
      const flip = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
      const expired = new URL(signMediaUrl(relay.config, mediaId, 60, Date.now() - 3600_000));
      const foreign = new URL(signMediaUrl({ secret: 'z'.repeat(43), publicUrl: relay.url }, mediaId, 120));
      const cases: [string, string, number, string][] = [
        ['tampered sig', `/v1/media/${mediaId}?expires=${expires}&sig=${flip(sig)}`, 403, 'invalid_signature'],
        ['extended expiry', `/v1/media/${mediaId}?expires=${Number(expires) + 3600}&sig=${sig}`, 403, 'invalid_signature'],
        ['truncated sig', `/v1/media/${mediaId}?expires=${expires}&sig=${sig.slice(0, 20)}`, 403, 'invalid_signature'],
        ['expired', expired.pathname + expired.search, 403, 'url_expired'],
        ['other secret', foreign.pathname + foreign.search, 403, 'invalid_signature'],
        ['no signature', `/v1/media/${mediaId}`, 400, 'validation_error'],
        ['sig of another id', `/v1/media/${crypto.randomUUID()}?expires=${expires}&sig=${sig}`, 403, 'invalid_signature'],
        ['path-like id', `/v1/media/..%2F..%2Feye.sqlite?expires=${expires}&sig=${sig}`, 400, 'validation_error'],
      ];
      for (const [name, path, status, code] of cases) {
        const res = await fetch(relay.url + path);
        assert.equal(res.status, status, name);
        const body = (await res.json()) as { error: string };
        assert.equal(body.error, code, name);
      }
    });

    it('404s a validly signed URL for media that does not exist', async () => {
      const res = await fetch(signMediaUrl(relay.config, crypto.randomUUID(), 60));
      assert.equal(res.status, 404);
    });
  });
}
