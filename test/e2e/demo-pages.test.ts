import { expect } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import { closePage, evalInPage, eventually, openPage } from './relay-commands.js';

/*
 * What `npm start` serves, in a relay started in demo mode with the built bundles: the candidate
 * exam page (fake camera/microphone of the test browser), the proctor view receiving verified
 * webhooks live from the built-in receiver, and the classic-script drop-in (IIFE bundle).
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- page-side functions */
describe('demo pages on a demo-mode relay (bundles as built by npm run build)', function () {
  this.timeout(180_000);
  let base: string;
  const opened: number[] = [];

  before(async function () {
    this.timeout(420_000); // may build the bundles first (minutes on a busy machine)
    base = await eventually(async () => (await executeServerCommand<{ ready: boolean; url?: string }, unknown>('eye-relay:demo'))!.url, 400_000, 100);
  });

  afterEach(async () => {
    while (opened.length) await closePage(opened.pop()!);
  });

  const open = async (path: string) => {
    const handle = await openPage(`${base}${path}`);
    opened.push(handle);
    return handle;
  };
  const text = async (handle: number, selector: string) =>
    (await evalInPage<string>(handle, ((sel: string) => document.querySelector(sel)?.textContent ?? '') as any, selector)).result;

  it('exam page: a candidate starts and ends an exam with the ESM bundle; the proctor view shows the verified webhooks live', async () => {
    const proctor = await open('/demo/proctor.html');
    await eventually(async () => (await text(proctor, '#feed-state')) === 'live');

    const exam = await open('/demo/exam.html');
    await evalInPage(exam, (() => {
      (document.querySelector('#candidate') as HTMLInputElement).value = 'e2e-candidate';
      (document.querySelector('#start') as HTMLButtonElement).click();
    }) as any);
    await eventually(async () => /STARTED/.test(await text(exam, '#log')), 30_000);
    const sessionId = (await text(exam, '#session-label')).match(/session (\S+)/)![1]!;

    await eventually(async () => /session\.started/.test(await text(proctor, '#live')), 20_000);
    const live = await evalInPage<{ type: string; verified: boolean; ids: string }[]>(proctor, (() =>
      [...document.querySelectorAll('#live li')].map((li) => ({
        type: li.querySelector('strong')?.textContent ?? '',
        verified: /signature ✓/.test(li.textContent ?? ''),
        ids: li.querySelector('.mono.muted')?.textContent ?? '',
      }))) as any);
    const started = live.result.find((i) => i.type === 'session.started' && i.ids.includes(sessionId));
    expect(started, JSON.stringify(live.result)).to.not.equal(undefined);
    expect(started!.verified).to.equal(true);
    // The proctor view lists the session with its candidate.
    await eventually(async () => /e2e-candidate/.test(await text(proctor, '#sessions')), 10_000);

    await evalInPage(exam, (() => (document.querySelector('#end') as HTMLButtonElement).click()) as any);
    await eventually(async () => /END_PROCTORING/.test(await text(exam, '#log')));
    await eventually(async () => {
      const items = await evalInPage<string[]>(proctor, (() => [...document.querySelectorAll('#live li')].map((li) => li.textContent ?? '')) as any);
      return items.result.some((t) => t.includes('session.ended') && t.includes(sessionId) && t.includes('signature ✓'));
    }, 20_000);
    // The delivery log shows the deliveries as delivered.
    await eventually(async () => /delivered/.test(await text(proctor, '#deliveries')), 10_000);
    const examErrors = (await evalInPage(exam, (() => 1) as any)).errors;
    expect(examErrors, JSON.stringify(examErrors)).to.deep.equal([]);
  });

  it('drop-in from another origin: the IIFE falls back to main-thread detection and loads MediaPipe lazily from the relay', async () => {
    // The page is on the test server's origin, the bundle on the relay's: browsers refuse a
    // cross-origin worker, so the widget detects on the main thread with tasks-vision fetched on demand.
    const handle = await openPage(`${new URL('./fixtures/dropin-page.html', import.meta.url).href}?relay=${encodeURIComponent(base)}`);
    opened.push(handle);
    await evalInPage(handle, (() => (window as any).eyeTest.start()) as any);
    await eventually(async () => (await evalInPage<string>(handle, (() => (window as any).eyeTest.faceState()) as any)).result === 'one', 60_000);
    const loaded = (await evalInPage<string[]>(handle, (() => (window as any).eyeTest.loaded()) as any)).result;
    expect(loaded).to.include(`${base}/assets/widget/mediapipe-tasks-vision.js`);
    expect(loaded.some((u) => u.startsWith(`${base}/assets/mediapipe/wasm/`))).to.equal(true);
    expect(loaded).to.include(`${base}/assets/mediapipe/face_detector.tflite`);
  });

  it('classic page: one <script src=eye-proctor.iife.js> defines the elements and exposes the global Eye', async () => {
    const page = await open('/demo/classic.html');
    const globals = await evalInPage<{ eye: string; defined: boolean; events: number }>(page, (() => ({
      eye: typeof (window as any).Eye,
      defined: customElements.get('eye-proctor') !== undefined,
      events: Object.keys((window as any).Eye.Event).length,
    })) as any);
    expect(globals.result).to.deep.equal({ eye: 'object', defined: true, events: globals.result.events });
    expect(globals.result.events).to.be.greaterThan(12);
    await evalInPage(page, (() => (document.querySelector('#start') as HTMLButtonElement).click()) as any);
    await eventually(async () => (await evalInPage<boolean>(page, (() => document.querySelector('#log [data-type=STARTED]') !== null) as any)).result, 30_000);
    await evalInPage(page, (() => (document.querySelector('#end') as HTMLButtonElement).click()) as any);
    await eventually(async () => (await evalInPage<boolean>(page, (() => document.querySelector('#log [data-type=END_PROCTORING]') !== null) as any)).result);
    expect((await evalInPage(page, (() => 1) as any)).errors).to.deep.equal([]);
  });
});
