import { expect } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import { consoleText, inConsole, signIn } from './console-page.js';
import { axeInPage, closePage, evalInPage, eventually, openPage, pageOverflow } from './relay-commands.js';

/*
 * What `npm start` serves, in a relay started in demo mode with the built bundles: the candidate
 * exam page (fake camera/microphone of the test browser), the proctor page (the review console,
 * signed in as the demo reviewer) updating live, and the classic-script drop-in (IIFE bundle).
 */
/** Page side: what the drop-in fixture (fixtures/dropin-page.html) and the IIFE bundle (global `Eye`) put on window. */
type PageWindow = Window & {
  eyeTest: { start(): Promise<boolean>; faceState(): string | undefined; loaded(): string[] };
  Eye: { Event: Record<string, string> };
};
/** What the page's `POST /demo/api/sessions` answers. */
type DemoSession = { sessionId: string; token: string };
describe('demo pages on a demo-mode relay (bundles as built by npm run build)', function () {
  this.timeout(180_000);
  let base: string;
  const opened: number[] = [];

  before(async function () {
    this.timeout(420_000); // may build the bundles first (minutes on a busy machine)
    base = await eventually(async () => (await executeServerCommand<{ ready: boolean; url?: string }, unknown>('eye-relay:demo')).url, 400_000, 100);
  });

  afterEach(async () => {
    while (opened.length) await closePage(opened.pop()!);
  });

  const open = async (path: string) => {
    const handle = await openPage(`${base}${path}`);
    opened.push(handle);
    return handle;
  };
  /** Clicks "I agree" in the widget's consent step once it shows (nothing is captured before). */
  const acceptConsent = (handle: number) =>
    eventually(async () => (await evalInPage<boolean>(handle, (() => {
      const button = document.querySelector('eye-proctor')?.shadowRoot?.querySelector('eye-consent')?.shadowRoot?.querySelector<HTMLButtonElement>('[part="accept-button"]');
      button?.click();
      return !!button;
    }))).result, 30_000);
  /** axe (WCAG 2.1 AA) finds nothing on the page, and at 320 px it does not scroll sideways. */
  const accessibleAndNarrow = async (handle: number, state: string) => {
    const violations = await axeInPage(handle);
    expect(violations, `${state}: ${JSON.stringify(violations, null, 1)}`).to.deep.equal([]);
    expect(await pageOverflow(handle, { width: 320, height: 800 }), `${state} at 320 px`).to.be.at.most(0);
    const narrow = await axeInPage(handle);
    expect(narrow, `${state} at 320 px: ${JSON.stringify(narrow, null, 1)}`).to.deep.equal([]);
    await pageOverflow(handle, { width: 1280, height: 800 });
  };
  const text = async (handle: number, selector: string) =>
    (await evalInPage<string>(handle, ((sel: string) => document.querySelector(sel)?.textContent ?? ''), selector)).result;

  it('exam page: a candidate starts and ends an exam with the ESM bundle; the proctor page is the review console, updating live', async () => {
    // /demo/proctor.html is the review console of the demo tenant, signed in as the demo reviewer.
    const proctor = await open('/demo/proctor.html');
    await eventually(async () => (await inConsole<number>(proctor, { do: 'count', sel: 'form.sign-in' })) === 1);
    await signIn(proctor, 'reviewer@demo.eye', 'eye-demo-reviewer');
    await eventually(async () => /live/.test(await consoleText(proctor, '[data-live]')), 20_000);
    // The proctor page (staff-facing, not translated) still passes axe, its connection pill included.
    const consoleViolations = await axeInPage(proctor);
    expect(consoleViolations, JSON.stringify(consoleViolations, null, 1)).to.deep.equal([]);

    const exam = await open('/demo/exam.html');
    await accessibleAndNarrow(exam, 'exam before start');
    await evalInPage(exam, (() => {
      (document.querySelector('#candidate') as HTMLInputElement).value = 'e2e-candidate';
      (document.querySelector('#start') as HTMLButtonElement).click();
    }));
    await eventually(async () => (await evalInPage<boolean>(exam, (() => !!document.querySelector('eye-proctor')?.shadowRoot?.querySelector('eye-consent')))).result, 30_000);
    await accessibleAndNarrow(exam, 'exam consent step');
    await acceptConsent(exam);
    await eventually(async () => /STARTED/.test(await text(exam, '#log')), 30_000);
    expect(await text(exam, '#log')).to.match(/CONSENT_GIVEN/);
    await accessibleAndNarrow(exam, 'exam running');
    const sessionId = (await text(exam, '#session-label')).match(/session (\S+)/)![1]!;

    // The console lists the session as in progress without a reload (live feed).
    const row = `tr[data-session-id="${sessionId}"]`;
    await eventually(async () => /e2e-candidate[\s\S]*IN_PROGRESS/.test(await consoleText(proctor, row)), 20_000);

    await evalInPage(exam, () => {
      (document.querySelector('#end') as HTMLButtonElement).click();
    });
    await eventually(async () => /END_PROCTORING/.test(await text(exam, '#log')));
    await accessibleAndNarrow(exam, 'exam ended');
    await eventually(async () => /COMPLETED/.test(await consoleText(proctor, row)), 20_000);

    // Webhooks page: the built-in receiver (which refuses anything whose signatures do not verify) took them.
    await evalInPage(proctor, (() => (location.hash = '#/webhooks')));
    await eventually(async () => {
      await inConsole(proctor, { do: 'click', sel: 'button[data-refresh]' }).catch(() => {});
      const log = await consoleText(proctor, 'tr[data-delivery-id]');
      return /session\.started\s*delivered/.test(log) && /session\.ended\s*delivered/.test(log);
    }, 30_000);
    const examErrors = (await evalInPage(exam, (() => 1))).errors;
    expect(examErrors, JSON.stringify(examErrors)).to.deep.equal([]);
  });

  it('API proctor view: the typed relay client lists the session, shows its flags and incident, resolves it and pauses the session', async () => {
    const page = await open('/demo/api-proctor/index.html');
    await eventually(async () => (await evalInPage<boolean>(page, (() => document.body.dataset.ready === 'true'))).result, 30_000);
    // A candidate's session whose widget reported a face absence (its own session token, as the widget would).
    const sessionId = (
      await evalInPage<string>(page, (async () => {
        const session = (await (await fetch('/demo/api/sessions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ candidateId: 'api-view-candidate' }) })).json()) as DemoSession;
        for (const type of ['STARTED', 'FACE_ABSENCE']) {
          const res = await fetch(`/v1/sessions/${session.sessionId}/flags`, {
            method: 'POST',
            headers: { authorization: `Bearer ${session.token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ id: `api-view-${type}`, type, createdAt: new Date().toISOString() }),
          });
          if (res.status !== 201) throw new Error(`${type}: HTTP ${res.status}`);
        }
        return session.sessionId;
      }))
    ).result;
    const row = `tr[data-session-id="${sessionId}"]`;
    const click = (sel: string) =>
      evalInPage(page, (s: string) => {
        document.querySelector<HTMLButtonElement>(s)!.click();
      }, sel);
    await eventually(async () => {
      await click('#refresh');
      return /api-view-candidate\s*IN_PROGRESS/.test(await text(page, row));
    });
    await click(`${row} button`); // View
    await eventually(async () => /FACE_ABSENCE/.test(await text(page, '#flags')) && /TRIGGERED/.test(await text(page, '#incidents')));
    expect(await text(page, '#flags')).to.match(/STARTED/);
    await accessibleAndNarrow(page, 'API proctor view');

    await click('#incidents tr button'); // Resolve
    await eventually(async () => /RESOLVED/.test(await text(page, '#incidents .status')));
    await click(`${row} button.secondary`); // Pause
    await eventually(async () => /PAUSED/.test(await text(page, `${row} .status`)));
    expect(await text(page, '#status')).to.equal('Done.');
    expect((await evalInPage(page, (() => 1))).errors).to.deep.equal([]);
  });

  it('drop-in from another origin: the IIFE falls back to main-thread detection and loads MediaPipe lazily from the relay', async () => {
    // The page is on the test server's origin, the bundle on the relay's: browsers refuse a
    // cross-origin worker, so the widget detects on the main thread with tasks-vision fetched on demand.
    const handle = await openPage(`${new URL('./fixtures/dropin-page.html', import.meta.url).href}?relay=${encodeURIComponent(base)}`);
    opened.push(handle);
    await evalInPage(handle, (() => (window as unknown as PageWindow).eyeTest.start()));
    await eventually(async () => (await evalInPage<string>(handle, (() => (window as unknown as PageWindow).eyeTest.faceState()))).result === 'one', 60_000);
    const loaded = (await evalInPage<string[]>(handle, (() => (window as unknown as PageWindow).eyeTest.loaded()))).result;
    expect(loaded).to.include(`${base}/assets/widget/mediapipe-tasks-vision.js`);
    expect(loaded.some((u) => u.startsWith(`${base}/assets/mediapipe/wasm/`))).to.equal(true);
    expect(loaded).to.include(`${base}/assets/mediapipe/face_detector.tflite`);
  });

  it('system-check page: axe finds nothing before and after a run with failed checks, and it fits 320 px', async () => {
    const page = await open('/demo/system-check.html');
    await accessibleAndNarrow(page, 'system check before');
    await evalInPage(page, (() => {
      const check = document.querySelector('eye-system-check')!;
      check.consent = 'external';
      check.checks = ['browser', 'internetSpeed'];
      check.thresholds = { minUploadMbps: 1e9 }; // an impossible pass mark: the connection check fails with its fix
      return check.run().then(() => true, () => true);
    }));
    await eventually(async () => (await evalInPage<boolean>(page, (() => !!document.querySelector('eye-system-check')?.shadowRoot?.querySelector('[data-state="failed"]')))).result, 60_000);
    await accessibleAndNarrow(page, 'system check with a failed check');
  });

  it('classic page: one <script src=eye-proctor.iife.js> defines the elements and exposes the global Eye', async () => {
    const page = await open('/demo/classic.html');
    const globals = await evalInPage<{ eye: string; defined: boolean; events: number }>(page, (() => ({
      eye: typeof (window as unknown as PageWindow).Eye,
      defined: customElements.get('eye-proctor') !== undefined,
      events: Object.keys((window as unknown as PageWindow).Eye.Event).length,
    })));
    expect(globals.result).to.deep.equal({ eye: 'object', defined: true, events: globals.result.events });
    expect(globals.result.events).to.be.greaterThan(12);
    await evalInPage(page, () => {
      (document.querySelector('#start') as HTMLButtonElement).click();
    });
    await acceptConsent(page);
    await eventually(async () => (await evalInPage<boolean>(page, (() => document.querySelector('#log [data-type=STARTED]') !== null))).result, 30_000);
    await evalInPage(page, () => {
      (document.querySelector('#end') as HTMLButtonElement).click();
    });
    await eventually(async () => (await evalInPage<boolean>(page, (() => document.querySelector('#log [data-type=END_PROCTORING]') !== null))).result);
    expect((await evalInPage(page, (() => 1))).errors).to.deep.equal([]);
  });
});
