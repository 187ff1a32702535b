import { expect } from '@open-wc/testing';
import {
  blockInPage,
  closePage,
  createRelaySession,
  download,
  evalInPage,
  eventually,
  getSession,
  openPage,
  relayUrl,
  reloadPage,
  setPageOffline,
  startReceiver,
  waitForWebhook,
} from './relay-commands.js';
import type { WidgetPageApi, WidgetSetup } from './fixtures/widget-page.js';

/*
 * The real widget (real MediaPipe, face photo camera) in a page with its own browser context:
 * a FACE_ABSENCE raised while the browser is offline, or just before a real reload, still
 * reaches the relay and the webhook receiver with the same JPEG bytes, exactly once.
 */
const PAGE = new URL('./fixtures/widget-page.html', import.meta.url).href;

/** Page side: the fixture's `window.eyeTest`. */
type PageWindow = Window & { eyeTest: WidgetPageApi };
type Absence = { id: string; sha256: string; size: number };

describe('e2e: the widget loses nothing offline or across a reload', function () {
  this.timeout(150_000);
  let handle: number | null = null;
  let setup: WidgetSetup;

  beforeEach(async () => {
    await startReceiver();
    const session = await createRelaySession('exam-e2e-durable');
    setup = { dbName: `eye-e2e-${Math.random().toString(36).slice(2)}`, relayUrl: await relayUrl(), scene: 'single-face', ...session };
    handle = await openPage(PAGE, true);
  });

  afterEach(async () => {
    if (handle !== null) await closePage(handle);
    handle = null;
  });

  const startWidget = () => evalInPage(handle!, (async (s: WidgetSetup) => (window as unknown as PageWindow).eyeTest.start(s)), setup);
  const absences = async () => (await evalInPage<Absence[]>(handle!, (() => (window as unknown as PageWindow).eyeTest.absences))).result;
  /** Monitoring runs: the relay has STARTED and MediaPipe (loaded from the relay) sees the face. */
  const started = async () => {
    await eventually(async () => (await getSession(setup.sessionId)).status === 'IN_PROGRESS', 20_000);
    await eventually(async () => (await evalInPage<string>(handle!, (() => (window as unknown as PageWindow).eyeTest.faceState()))).result === 'one', 30_000);
  };

  async function expectDelivered(absence: Absence) {
    const hook = await waitForWebhook('proctoring_event.face_absent', { flagId: absence.id });
    expect(hook.verified.standard && hook.verified.classic).to.equal(true);
    const media = await download(hook.envelope.data.media_url!);
    expect(media.sha256).to.equal(absence.sha256);
    const view = await getSession(setup.sessionId);
    expect(view.flags.filter((f) => f.id === absence.id)).to.have.length(1);
  }

  it('offline: the flag waits in the outbox (the candidate is told) and goes out when the browser is back online', async () => {
    await startWidget();
    await started();
    await setPageOffline(handle!, true);
    await evalInPage(handle!, (() => (window as unknown as PageWindow).eyeTest.show('empty')));
    const [absence] = await eventually(async () => {
      const list = await absences();
      return list.length ? list : undefined;
    }, 20_000);
    await eventually(async () => /You are offline\. .*: 1\./.test((await evalInPage<string>(handle!, (() => (window as unknown as PageWindow).eyeTest.statusText()))).result), 20_000);
    expect((await getSession(setup.sessionId)).flags.some((f) => f.id === absence!.id)).to.equal(false);

    await setPageOffline(handle!, false);
    await expectDelivered(absence!);
    await eventually(async () => (await evalInPage<{ pending: number }>(handle!, (() => (window as unknown as PageWindow).eyeTest.relayStatus()))).result.pending === 0);
  });

  it('page exit: end() and leaving the page at once still gets END_PROCTORING to the relay (keepalive)', async () => {
    await startWidget();
    await started();
    await evalInPage(handle!, (() => {
      void (window as unknown as PageWindow).eyeTest.end();
      location.href = 'about:blank'; // the host navigates away right after handing in
      return true;
    }));
    const view = await eventually(async () => {
      const v = await getSession(setup.sessionId);
      return v.status === 'COMPLETED' ? v : undefined;
    }, 20_000);
    expect(view.flags.filter((f) => f.type === 'END_PROCTORING')).to.have.length(1);
  });

  it('reload: a flag queued while the relay is unreachable survives a real reload and is sent by the new page', async () => {
    await startWidget();
    await started();
    await blockInPage(handle!, setup.relayUrl, true);
    await evalInPage(handle!, (() => (window as unknown as PageWindow).eyeTest.show('empty')));
    const [absence] = await eventually(async () => {
      const list = await absences();
      return list.length ? list : undefined;
    }, 20_000);
    // Durable before the reload: the IndexedDB copy holds the same JPEG bytes.
    await eventually(async () => {
      const stored = (await evalInPage<{ id: string; sha256: string | null }[]>(handle!, ((db: string) => (window as unknown as PageWindow).eyeTest.stored(db)), setup.dbName)).result;
      return stored.some((r) => r.id === absence!.id && r.sha256 === absence!.sha256);
    });

    await reloadPage(handle!); // real reload: new document; the relay is still unreachable meanwhile
    expect(await absences()).to.deep.equal([]);
    const stored = (await evalInPage<{ id: string; sha256: string | null }[]>(handle!, ((db: string) => (window as unknown as PageWindow).eyeTest.stored(db)), setup.dbName)).result;
    expect(stored.find((r) => r.id === absence!.id)?.sha256).to.equal(absence!.sha256);

    await blockInPage(handle!, setup.relayUrl, false);
    await startWidget(); // the exam page starts the widget again for the same session
    await expectDelivered(absence!);
  });
});
