import { expect } from '@open-wc/testing';
import { backoffDelay } from './backoff.js';
import { buildRequest, classifyStatus, parseRelayResponse, parseRetryAfter, RelayClient, RelayError } from './relay-client.js';
import { readSessionToken, renewalDelayMs } from './session-token.js';

describe('relay client helpers', () => {
  it('takes only known directives from a response (a bad value must not steer the widget)', () => {
    expect(parseRelayResponse({ id: 'f1', duplicate: true, session: { status: 'PAUSED' }, directive: 'pause' })).to.deep.equal({
      id: 'f1',
      duplicate: true,
      session: { status: 'PAUSED' },
      directive: 'pause',
    });
    expect(parseRelayResponse({ id: 'f1', directive: 'self-destruct' }).directive).to.equal(null);
    expect(parseRelayResponse(null)).to.deep.equal({ id: '', duplicate: false, session: { status: 'UNKNOWN' }, directive: null });
  });

  it('retries only statuses that can change (408, 425, 429, 5xx); other 4xx are permanent; 401 waits for a token', () => {
    const classes = (statuses: number[]) => statuses.map(classifyStatus);
    expect(classes([408, 425, 429, 500, 502, 503, 504, 507, 599])).to.deep.equal(Array(9).fill('retryable'));
    expect(classes([400, 403, 404, 405, 409, 410, 413, 414, 415, 422, 431, 501, 505])).to.deep.equal(Array(13).fill('rejected'));
    expect(classifyStatus(401)).to.equal('unauthorized');
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('3')).to.equal(3000);
    expect(parseRetryAfter(new Date(Date.UTC(2030, 0, 1, 0, 0, 10)).toUTCString(), Date.UTC(2030, 0, 1))).to.equal(10_000);
    expect(parseRetryAfter('soon')).to.equal(null);
    expect(parseRetryAfter(null)).to.equal(null);
  });

  it('grows backoff exponentially up to the cap, with jitter in the upper half of each step', () => {
    const opts = { baseMs: 1000, maxMs: 8000, factor: 2 };
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, opts, () => 0))).to.deep.equal([500, 1000, 2000, 4000, 4000]);
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, opts, () => 1))).to.deep.equal([1000, 2000, 4000, 8000, 8000]);
  });

  it('sends media as multipart (flag JSON + mediaFile) and everything else as JSON, with the session token', async () => {
    const creds = { relayUrl: 'https://relay.example', sessionId: 's1', sessionToken: 'tok' };
    const jpeg = new File([new Uint8Array([0xff, 0xd8, 0xff])], 'a.jpg', { type: 'image/jpeg' });
    const multipart = buildRequest(creds, { id: 'f1', kind: 'flag', type: 'FACE_ABSENCE', body: { id: 'f1', type: 'FACE_ABSENCE' }, media: jpeg, mediaName: 'a.jpg' });
    expect((multipart.headers as Record<string, string>).authorization).to.equal('Bearer tok');
    const form = multipart.body as FormData;
    expect(JSON.parse(form.get('flag') as string)).to.deep.equal({ id: 'f1', type: 'FACE_ABSENCE' });
    expect(new Uint8Array(await (form.get('mediaFile') as File).arrayBuffer())).to.deep.equal(new Uint8Array([0xff, 0xd8, 0xff]));
    const json = buildRequest(creds, { id: 's', kind: 'lifecycle', type: 'STARTED', body: { id: 's', type: 'STARTED' }, media: null, mediaName: null }, true);
    expect((json.headers as Record<string, string>)['content-type']).to.equal('application/json');
    expect(json.keepalive).to.equal(true);
    expect(json.credentials).to.equal('omit');
  });

  it('keeps a flag the relay could not store for now (503 database_unavailable, 507 disk full) and honours Retry-After', async () => {
    const creds = { relayUrl: 'https://relay.example', sessionId: 's1', sessionToken: 'tok' };
    const message = { id: 'f1', kind: 'flag' as const, type: 'TAB_NOT_FOCUS', body: { id: 'f1', type: 'TAB_NOT_FOCUS' }, media: null, mediaName: null };
    for (const [status, error] of [[503, 'database_unavailable'], [507, 'insufficient_storage']] as const) {
      const answer = () => Promise.resolve(new Response(JSON.stringify({ error, message: 'later' }), { status, headers: { 'retry-after': '5' } }));
      const err = await new RelayClient(answer).send(creds, message).then(() => null, (e: unknown) => e);
      expect(err).to.be.instanceOf(RelayError);
      expect((err as RelayError).kind, String(status)).to.equal('retryable');
      expect((err as RelayError).retryAfterMs).to.equal(5000);
    }
  });

  it('reads the session id and expiry from a session token, and renews at 80% of its life', () => {
    const payload = btoa(JSON.stringify({ sub: 'sess-1', exp: 2_000_000_000 })).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
    expect(readSessionToken(`h.${payload}.sig`)).to.deep.equal({ sessionId: 'sess-1', expiresAtMs: 2_000_000_000_000 });
    expect(readSessionToken('not-a-token')).to.deep.equal({ sessionId: null, expiresAtMs: null });
    expect(renewalDelayMs(1_000_000 + 100_000, 1_000_000)).to.equal(80_000);
    expect(renewalDelayMs(1_000_000 + 1000, 1_000_000)).to.equal(5000);
  });
});
