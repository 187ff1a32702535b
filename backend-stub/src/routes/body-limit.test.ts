/**
 * A body over the limit gets the 413 JSON answer, read by an ordinary fetch (undici) client that is
 * still uploading, chunked or with Content-Length, instead of a connection reset (EPIPE). The relay
 * runs in its own process: in the test's process the client and server share one event loop and
 * the reset does not show.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRelayStore, spawnRelay, type RelayProcess, type RelayStore } from '../reliability/relay-process.js';
import { ENGINES } from '../testing/engines.js';

const TOTAL = 30 * 1024 * 1024;

/** A 30 MB body as a stream (fetch sends it chunked) of a JSON object that never ends. */
function chunkedBody(): ReadableStream<Uint8Array> {
  const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
  let sent = 0;
  return new ReadableStream({
    start(c) {
      c.enqueue(new TextEncoder().encode('{"type":"TAB_NOT_FOCUS","description":"'));
    },
    pull(c) {
      if (sent >= TOTAL) {
        c.close();
        return;
      }
      sent += chunk.length;
      c.enqueue(chunk);
    },
  });
}

async function post(url: string, headers: Record<string, string>, body: RequestInit['body'], chunked: boolean) {
  const res = await fetch(url, { method: 'POST', headers, body, ...(chunked ? { duplex: 'half' } : {}) });
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: (await res.json()) as { error: string; message: string } };
}

for (const engine of ENGINES) {
  describe(`oversized bodies get the 413 answer [${engine}]`, () => {
    let store: RelayStore;
    let relay: RelayProcess;
    let apiKey: string;
    let s: { sessionId: string; token: string };
    const flagCount = async () => {
      const res = await fetch(`${relay.url}/v1/sessions/${s.sessionId}`, { headers: { 'x-api-key': apiKey } });
      return ((await res.json()) as { flags: unknown[] }).flags.length;
    };
    before(async () => {
      store = await createRelayStore(engine, 'eye_413');
      relay = await spawnRelay(store, { createTenant: true });
      apiKey = relay.apiKey!;
      const res = await fetch(`${relay.url}/v1/sessions`, {
        method: 'POST',
        headers: { 'x-api-key': apiKey, 'content-type': 'application/json' },
        body: JSON.stringify({ examId: 'e', candidateId: 'c' }),
      });
      s = (await res.json()) as { sessionId: string; token: string };
    });
    after(async () => {
      // Either may be missing when \`before\` failed.
      await (relay as RelayProcess | undefined)?.stop();
      await (store as RelayStore | undefined)?.destroy();
    });

    const cases = [
      { name: 'flag JSON, chunked', chunked: true, route: 'flags', status: 413 },
      { name: 'flag JSON, Content-Length', chunked: false, route: 'flags', status: 413 },
      { name: 'session JSON, chunked', chunked: true, route: 'sessions', status: 413 },
      { name: 'session JSON, Content-Length', chunked: false, route: 'sessions', status: 413 },
      { name: 'flag multipart, chunked', chunked: true, route: 'multipart', status: 413 },
      { name: 'flag multipart, Content-Length', chunked: false, route: 'multipart', status: 413 },
      { name: 'flag JSON with a bad token, chunked', chunked: true, route: 'bad-token', status: 401 },
    ] as const;
    for (const c of cases) {
      it(`${c.name}: ${c.status} JSON read by the client, nothing stored`, { timeout: 120_000 }, async () => {
        const url = c.route === 'sessions' ? `${relay.url}/v1/sessions` : `${relay.url}/v1/sessions/${s.sessionId}/flags`;
        const auth = c.route === 'sessions' ? apiKey : c.route === 'bad-token' ? 'not-a-token' : s.token;
        const headers: Record<string, string> = { authorization: `Bearer ${auth}` };
        let body: RequestInit['body'];
        if (c.route === 'multipart') {
          const form = new FormData();
          form.set('flag', JSON.stringify({ type: 'FACE_ABSENCE' }));
          form.set('mediaFile', new Blob([new Uint8Array(TOTAL)], { type: 'image/jpeg' }), 'big.jpg');
          const encoded = new Response(form);
          headers['content-type'] = encoded.headers.get('content-type')!;
          body = c.chunked ? encoded.body! : new Uint8Array(await encoded.arrayBuffer());
        } else {
          headers['content-type'] = 'application/json';
          body = c.chunked ? chunkedBody() : new Uint8Array(TOTAL).fill(0x20);
        }
        const res = await post(url, headers, body, c.chunked);
        assert.equal(res.status, c.status);
        assert.match(res.type, /^application\/json/);
        assert.equal(typeof res.body.error, 'string');
        assert.equal(typeof res.body.message, 'string');
        assert.equal(await flagCount(), 0);
        // The relay still answers afterwards.
        assert.equal((await fetch(`${relay.url}/healthz`)).status, 200);
      });
    }
  });
}
