import { expect } from '@open-wc/testing';
import {
  blockInPage,
  closePage,
  createRelaySession,
  evalInPage,
  eventually,
  getSession,
  openPage,
  relayUrl,
  reloadPage,
  setPageOffline,
} from './relay-commands.js';

/*
 * The outbox in a page of its own (own browser context): real offline mode, a real reload and a
 * real page exit, none of which the test runner's page could survive. The page's code runs the
 * real Outbox against the real relay; these tests drive it and check what the relay stored.
 */
const PAGE = new URL('./fixtures/outbox-page.html', import.meta.url).href;

type Setup = { dbName: string; relayUrl: string; sessionId: string; token: string; examId: string; candidateId: string };
type Sent = { id: string; sha256: string | null };
type Identity = { examId: string; candidateId: string; sessionId: string };

/** The page's outbox (src/transport/outbox.ts), as far as these tests use it. */
interface PageOutbox {
  setCredentials(credentials: { relayUrl: string; sessionId: string; sessionToken: string }): void;
  readonly state$: { subscribe(listener: (state: string) => void): unknown };
  enqueue(message: unknown): Promise<void>;
  pending(): Promise<{ id: string; type: string; media?: Blob | null }[]>;
  flush(): Promise<unknown>;
  close(): void;
}

/** Page side: `window.eyeTest` of fixtures/outbox-page.ts, plus what openOutbox keeps there. */
interface EyeTest {
  Outbox: { open(options: { dbName: string; backoff?: { baseMs: number; maxMs: number; factor: number } }): Promise<PageOutbox> };
  createFlagFactory(identity: Identity): (type: string) => { id: string };
  toRelayMessage(emission: { type: string; payload: unknown }, identity: Identity): unknown;
  makeJpeg(seed: number): Promise<File>;
  sha256Hex(blob: Blob): Promise<string>;
  setup: Setup;
  outbox: PageOutbox;
  states: string[];
  flag: (type: string) => { id: string };
  send: (type: string, withJpeg: boolean) => Promise<Sent>;
  lifecycle: (type: string) => Promise<void>;
}
type PageWindow = Window & { eyeTest: EyeTest };

/** Page side: opens the outbox (kept as eyeTest.outbox) for the session. */
const openOutbox = async (s: Setup) => {
  const t = (window as unknown as PageWindow).eyeTest;
  t.setup = s;
  t.outbox = await t.Outbox.open({ dbName: s.dbName, backoff: { baseMs: 200, maxMs: 2000, factor: 2 } });
  t.outbox.setCredentials({ relayUrl: s.relayUrl, sessionId: s.sessionId, sessionToken: s.token });
  t.states = [];
  t.outbox.state$.subscribe((x: string) => {
    t.states.push(x);
  });
  t.flag = t.createFlagFactory({ examId: s.examId, candidateId: s.candidateId, sessionId: s.sessionId });
  t.send = async (type: string, withJpeg: boolean) => {
    const flag = t.flag(type);
    const mediaFile = withJpeg ? await t.makeJpeg(Math.floor(Math.random() * 1000)) : null;
    const payload = mediaFile ? { ...flag, mediaFile } : flag;
    await t.outbox.enqueue(t.toRelayMessage({ type, payload }, { examId: s.examId, candidateId: s.candidateId, sessionId: s.sessionId }));
    return { id: flag.id, sha256: mediaFile ? await t.sha256Hex(mediaFile) : null };
  };
  t.lifecycle = (type: string) =>
    t.outbox.enqueue(t.toRelayMessage({ type, payload: undefined }, { examId: s.examId, candidateId: s.candidateId, sessionId: s.sessionId }));
  return true;
};

describe('Outbox in a real page: offline, reload, page exit', function () {
  this.timeout(90_000);
  let handle: number | null = null;
  let setup: Setup;

  beforeEach(async () => {
    const session = await createRelaySession();
    setup = { dbName: `eye-outbox-${Math.random().toString(36).slice(2)}`, relayUrl: await relayUrl(), ...session };
    handle = await openPage(PAGE, true);
    await evalInPage(handle, openOutbox, setup);
  });

  afterEach(async () => {
    if (handle !== null) await closePage(handle);
    handle = null;
  });

  it('loses nothing while the browser is offline and sends each flag once when it is back', async () => {
    await evalInPage(handle!, (async () => {
      const t = (window as unknown as PageWindow).eyeTest;
      await t.lifecycle('STARTED');
      await t.outbox.flush();
    }));
    await setPageOffline(handle!, true);
    const sent = await evalInPage<{ id: string; sha256: string | null }[]>(handle!, (async () => {
      const t = (window as unknown as PageWindow).eyeTest;
      return [await t.send('TAB_NOT_FOCUS', false), await t.send('FACE_ABSENCE', true), await t.send('EXIT_FULLSCREEN', false)];
    }));
    const offline = await eventually(async () => {
      const r = await evalInPage<{ onLine: boolean; states: string[]; pending: number }>(handle!, (async () => {
        const t = (window as unknown as PageWindow).eyeTest;
        return { onLine: navigator.onLine, states: t.states, pending: (await t.outbox.pending()).length };
      }));
      return r.result.states.includes('offline') ? r.result : undefined;
    });
    expect(offline.onLine).to.equal(false);
    expect(offline.pending).to.equal(3);
    expect((await getSession(setup.sessionId)).flags.map((f) => f.type)).to.deep.equal(['STARTED']);

    await setPageOffline(handle!, false);
    await eventually(async () => (await getSession(setup.sessionId)).flags.length === 4);
    const view = await getSession(setup.sessionId);
    for (const s of sent.result) {
      const stored = view.flags.filter((f) => f.id === s.id);
      expect(stored, s.id).to.have.length(1);
      if (s.sha256) expect(stored[0]!.media!.sha256).to.equal(s.sha256);
    }
    const pending = await evalInPage<number>(handle!, (async () => (await (window as unknown as PageWindow).eyeTest.outbox.pending()).length));
    expect(pending.result).to.equal(0);
  });

  it('loses nothing across a real reload while the relay is unreachable', async () => {
    await blockInPage(handle!, setup.relayUrl, true);
    const sent = await evalInPage<{ id: string; sha256: string | null }[]>(handle!, (async () => {
      const t = (window as unknown as PageWindow).eyeTest;
      return [await t.send('MULTIPLE_FACE', true), await t.send('TAB_NOT_FOCUS', false)];
    }));
    await reloadPage(handle!); // real reload: new document, new JS heap; IndexedDB is all that remains
    const left = await evalInPage<{ id: string; type: string; sha256: string | null }[]>(handle!, (async (s: Setup) => {
      const t = (window as unknown as PageWindow).eyeTest;
      const outbox = await t.Outbox.open({ dbName: s.dbName });
      const records = await outbox.pending();
      outbox.close();
      return Promise.all(records.map(async (r) => ({ id: r.id, type: r.type, sha256: r.media ? await t.sha256Hex(r.media) : null })));
    }), setup);
    expect(left.result).to.deep.equal([
      { id: sent.result[0]!.id, type: 'MULTIPLE_FACE', sha256: sent.result[0]!.sha256 },
      { id: sent.result[1]!.id, type: 'TAB_NOT_FOCUS', sha256: null },
    ]);

    await blockInPage(handle!, setup.relayUrl, false);
    await evalInPage(handle!, openOutbox, setup);
    await evalInPage(handle!, (async () => (window as unknown as PageWindow).eyeTest.outbox.flush()));
    const view = await getSession(setup.sessionId);
    expect(view.flags.map((f) => f.id).sort()).to.deep.equal(sent.result.map((s) => s.id).sort());
    expect(view.flags.find((f) => f.id === sent.result[0]!.id)!.media!.sha256).to.equal(sent.result[0]!.sha256);
  });

  it('gets END_PROCTORING to the relay when the page is left right after it (fetch keepalive)', async () => {
    await evalInPage(handle!, (async () => {
      const t = (window as unknown as PageWindow).eyeTest;
      await t.lifecycle('STARTED');
      await t.outbox.flush();
    }));
    expect((await getSession(setup.sessionId)).status).to.equal('IN_PROGRESS');
    // Queue END_PROCTORING and navigate away in the same task: the IndexedDB write has not even
    // committed when the page is hidden, so only the pagehide keepalive request can deliver it.
    await evalInPage(handle!, (() => {
      const t = (window as unknown as PageWindow).eyeTest;
      void t.lifecycle('END_PROCTORING');
      location.href = 'about:blank';
      return true;
    }));
    const view = await eventually(async () => {
      const v = await getSession(setup.sessionId);
      return v.status === 'COMPLETED' ? v : undefined;
    });
    expect(view.flags.map((f) => f.type)).to.deep.equal(['STARTED', 'END_PROCTORING']);
  });
});
