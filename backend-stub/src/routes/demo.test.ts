import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../testing/engines.js';
import { startTestRelay, type TestRelay } from '../testing/harness.js';
import type { FeedItem } from './demo-receiver.js';

/** Reads Server-Sent Events from `url` until `done(items)` holds; rejects after `timeoutMs`. */
async function readFeed(url: string, done: (items: FeedItem[]) => boolean, timeoutMs = 15_000): Promise<FeedItem[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => {
    controller.abort();
  }, timeoutMs);
  const items: FeedItem[] = [];
  try {
    const res = await fetch(url, { signal: controller.signal });
    assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block.split('\n').find((l) => l.startsWith('data: '));
        if (data) items.push(JSON.parse(data.slice(6)) as FeedItem);
      }
      if (done(items)) return items;
    }
    throw new Error('feed ended');
  } catch (err) {
    if (controller.signal.aborted) throw new Error(`feed: condition not met within ${timeoutMs} ms (${items.length} items)`);
    throw err;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

const typeOf = (item: FeedItem) => (item.envelope as { event_type: string }).event_type;

describe('demo routes are off unless demo mode is on', () => {
  let relay: TestRelay;
  before(async () => {
    relay = await startTestRelay({ engine: 'sqlite' });
  });
  after(() => (relay as TestRelay | undefined)?.close()); // unset when `before` failed

  it('serves no demo page, session or receiver', async () => {
    for (const [method, path] of [['GET', '/demo/'], ['GET', '/demo/exam.html'], ['POST', '/demo/api/sessions'], ['GET', '/demo/feed'], ['POST', '/demo/webhooks']] as const) {
      const res = await fetch(relay.url + path, { method, headers: { 'content-type': 'application/json' }, body: method === 'POST' ? '{}' : undefined });
      assert.equal(res.status, 404, `${method} ${path}`);
      await res.body?.cancel();
    }
  });
});

for (const engine of ENGINES) {
  describe(`demo mode [${engine}]`, () => {
    let relay: TestRelay;
    before(async () => {
      relay = await startTestRelay({ engine, config: { demo: true }, webhooks: { pollIntervalMs: 100, retry: { scheduleMs: [200, 500] } } });
    });
    after(() => (relay as TestRelay | undefined)?.close()); // unset when `before` failed

    it('creates a demo session whose events reach the built-in receiver, verified, and the live feed', async () => {
      const info = (await (await fetch(`${relay.url}/demo/api/info`)).json()) as { webhookEndpointId: string; apiKey: string };
      assert.match(info.webhookEndpointId, /^we/);
      const created = await fetch(`${relay.url}/demo/api/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ candidateId: 'alice' }),
      });
      assert.equal(created.status, 201);
      const session = (await created.json()) as { sessionId: string; token: string; relayUrl: string; candidateId: string };
      assert.equal(session.candidateId, 'alice');
      assert.equal(session.relayUrl, relay.url);

      const feed = readFeed(`${relay.url}/demo/feed`, (items) =>
        items.some((i) => typeOf(i) === 'proctoring_event.face_absent' && (i.envelope as { data: { session_id: string } }).data.session_id === session.sessionId),
      );
      const post = (body: unknown) =>
        fetch(`${relay.url}/v1/sessions/${session.sessionId}/flags`, {
          method: 'POST',
          headers: { authorization: `Bearer ${session.token}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      assert.equal((await post({ id: 'started-1', type: 'STARTED' })).status, 201);
      const jpeg = await readFile(join(relay.config.projectRoot, 'node_modules/@vladmandic/face-api/demo/sample1.jpg'));
      const form = new FormData();
      form.append('flag', JSON.stringify({ id: 'face-1', type: 'FACE_ABSENCE', details: { durationMs: 5000, confidence: 0.9 } }));
      form.append('mediaFile', new Blob([jpeg], { type: 'image/jpeg' }), 'face.jpg');
      const media = await fetch(`${relay.url}/v1/sessions/${session.sessionId}/flags`, {
        method: 'POST',
        headers: { authorization: `Bearer ${session.token}` },
        body: form,
      });
      assert.equal(media.status, 201);

      const items = (await feed).filter((i) => (i.envelope as { data: { session_id?: string } }).data.session_id === session.sessionId);
      assert.deepEqual(
        items.map(typeOf).filter((t) => t === 'session.started' || t === 'proctoring_event.face_absent'),
        ['session.started', 'proctoring_event.face_absent'],
      );
      for (const item of items) assert.deepEqual(item.verified, { classic: true, standard: true });

      // The relay logged the deliveries as successful (the receiver answered 2xx after verifying).
      const deliveries = await fetch(`${relay.url}/v1/webhooks/endpoints/${info.webhookEndpointId}/deliveries`, {
        headers: { authorization: `Bearer ${info.apiKey}` },
      });
      assert.equal(deliveries.status, 200);
      const list = (await deliveries.json()) as { deliveries?: { status: string }[]; data?: { status: string }[] };
      const rows = list.deliveries ?? list.data ?? [];
      assert.ok(rows.length >= 2, `deliveries: ${JSON.stringify(list).slice(0, 300)}`);
    });

    it('refuses deliveries whose signature does not verify', async () => {
      const res = await fetch(`${relay.url}/demo/webhooks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-eye-timestamp': String(Math.floor(Date.now() / 1000)), 'x-eye-signature': 'sha256=00' },
        body: '{"id":"evt_forged","event_type":"session.started","data":{}}',
      });
      assert.equal(res.status, 401);
    });

    it('serves the demo pages and only allowlisted vendor files, never outside demo/', async () => {
      const index = await fetch(`${relay.url}/demo/`);
      assert.equal(index.status, 200);
      assert.match(index.headers.get('content-type') ?? '', /text\/html/);
      assert.match(await index.text(), /exam\.html/);
      const root = await fetch(`${relay.url}/`, { redirect: 'manual' });
      assert.equal(root.status, 302);
      assert.equal(root.headers.get('location'), '/demo/');
      for (const path of ['/demo/%2e%2e/package.json', '/demo/..%2fpackage.json', '/demo/vendor/fs.js', '/demo/.hidden']) {
        const res = await fetch(relay.url + path);
        assert.equal(res.status, 404, path);
        await res.body?.cancel();
      }
      const vue = await fetch(`${relay.url}/demo/vendor/vue.js`);
      assert.equal(vue.status, 200);
      assert.match(await vue.text(), /createApp/);
    });
  });
}
