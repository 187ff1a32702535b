import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import { startRelay } from '../../test/e2e/relay-commands.js';
import { Event as EyeEvent, type SystemCheck } from '../../src/events.js';
import '../eye-proctor/define.js';
import type { EyeProctor } from '../eye-proctor/eye-proctor.js';
import './define.js';
import type { EyeSystemCheck } from './eye-system-check.js';

let relayUrl = '';
before(async () => {
  relayUrl = await startRelay().then((r) => r.url);
});

function completed(el: HTMLElement): Promise<SystemCheck> {
  return oneEvent(el, EyeEvent.SYSTEM_CHECK_COMPLETED).then((e) => (e as CustomEvent<SystemCheck>).detail);
}

/** A real camera stream from Chromium's fake device, video only (no microphone). */
async function videoOnly(): Promise<MediaStream> {
  return navigator.mediaDevices.getUserMedia({ video: true, audio: false });
}

function row(el: EyeSystemCheck, name: string): HTMLElement {
  return el.shadowRoot!.querySelector<HTMLElement>(`[data-check="${name}"]`)!;
}

describe('<eye-system-check>', function () {
  this.timeout(60_000);

  it('passes all four checks with fake devices and a real relay, emitting the DESIGN payload', async () => {
    const el = await fixture<EyeSystemCheck>(html`<eye-system-check consent="external" relay-url=${relayUrl}></eye-system-check>`);
    await expect(el).to.be.accessible();
    const started = oneEvent(el, EyeEvent.SYSTEM_CHECK_STARTED);
    const done = completed(el);
    const before = Date.now();
    el.shadowRoot!.querySelector<HTMLButtonElement>('[part~="run-button"]')!.click();
    const startEvent = (await started);
    expect(startEvent.bubbles && startEvent.composed).to.equal(true);
    expect(startEvent.detail).to.equal(null);
    const result = await done;
    expect(Object.keys(result).sort()).to.deep.equal(['data', 'success', 'timestamp']);
    expect(result.success).to.equal(true);
    expect(Date.parse(result.timestamp)).to.be.within(before, Date.now());
    expect(result.data).to.deep.equal([
      { name: 'webcam', status: 'success', finished: true },
      { name: 'microphone', status: 'success', finished: true },
      { name: 'browser', status: 'success', finished: true },
      { name: 'internetSpeed', status: 'success', finished: true },
    ]);
    expect(el.result).to.deep.equal(result);
    // Measurements are real: the fake camera's resolution, a signal, the relay's throughput.
    const { webcam, microphone, internetSpeed } = el.outcomes;
    expect(webcam!.details.find((d) => d.label === 'Resolution')!.value).to.match(/^\d+ × \d+$/);
    expect(microphone!.details.find((d) => d.label === 'Peak level')!.value).to.match(/dBFS/);
    expect(internetSpeed!.values!.downloadMbps).to.be.greaterThan(1);
    expect(internetSpeed!.values!.uploadMbps).to.be.greaterThan(0.5);
    expect(internetSpeed!.values!.downloadBytes).to.be.greaterThan(64 * 1024);
    await el.updateComplete;
    for (const name of ['webcam', 'microphone', 'browser', 'internetSpeed']) expect(row(el, name).dataset.state).to.equal('success');
    expect(el.shadowRoot!.querySelector('[role="status"]')!.textContent).to.contain('All checks passed');
    await expect(el).to.be.accessible();
  });

  it('reports a missing microphone with its fix, and a retry after the fix passes', async () => {
    const cameraOnly = await videoOnly();
    const el = await fixture<EyeSystemCheck>(
      html`<eye-system-check consent="external" relay-url=${relayUrl} checks="webcam microphone" .mediaStream=${cameraOnly}></eye-system-check>`,
    );
    const done = completed(el);
    void el.run();
    const result = await done;
    expect(result.success).to.equal(false);
    expect(result.data).to.deep.equal([
      { name: 'webcam', status: 'success', finished: true },
      { name: 'microphone', status: 'failed', finished: true },
    ]);
    const mic = el.outcomes.microphone!;
    expect(mic.reason).to.equal('no-device');
    expect(mic.message).to.equal('No microphone was found.');
    await el.updateComplete;
    const micRow = row(el, 'microphone');
    expect(micRow.dataset.state).to.equal('failed');
    expect(micRow.querySelector('[part~="fix"]')!.textContent).to.match(/Connect a microphone/);
    expect(el.shadowRoot!.querySelector('[role="status"]')!.textContent).to.contain('Microphone');
    await expect(el).to.be.accessible();
    // The injected stream was the host's: the check must not have stopped it.
    expect(cameraOnly.getVideoTracks()[0]!.readyState).to.equal('live');

    // Fix: let the element open the (fake) microphone itself, then press Retry with the keyboard.
    el.mediaStream = null;
    await el.updateComplete;
    const retry = micRow.querySelector<HTMLButtonElement>('[part~="retry-button"]')!;
    expect(retry.getAttribute('aria-label')).to.equal('Retry the Microphone check');
    retry.focus();
    const started = oneEvent(el, EyeEvent.SYSTEM_CHECK_STARTED);
    const again = completed(el);
    await sendKeys({ press: 'Enter' });
    await started;
    const fixed = await again;
    expect(fixed.success).to.equal(true);
    expect(fixed.data.map((d) => d.status)).to.deep.equal(['success', 'success']);
    for (const t of cameraOnly.getTracks()) t.stop();
  });

  it('fails the connection check with a fix when thresholds are not met or the relay is unreachable', async () => {
    const el = await fixture<EyeSystemCheck>(
      html`<eye-system-check consent="external" relay-url=${relayUrl} checks="internetSpeed" .thresholds=${{ minDownloadMbps: 1e9 }}></eye-system-check>`,
    );
    let result = await el.run();
    expect(result).to.include({ success: false });
    expect(result.data).to.deep.equal([{ name: 'internetSpeed', status: 'failed', finished: true }]);
    expect(el.outcomes.internetSpeed!.reason).to.equal('download');
    expect(el.outcomes.internetSpeed!.fix).to.match(/Wi-Fi router/);
    // A port nobody listens on: the relay is down.
    el.relayUrl = 'http://127.0.0.1:9';
    result = await el.run();
    expect(result.success).to.equal(false);
    expect(el.outcomes.internetSpeed!.reason).to.equal('unreachable');
    expect(el.outcomes.internetSpeed!.message).to.equal('The proctoring server could not be reached.');
  });

  it('runs from the keyboard: Tab to the button, Enter starts the checks', async () => {
    const el = await fixture<EyeSystemCheck>(html`<eye-system-check consent="external" checks="browser"></eye-system-check>`);
    const button = el.shadowRoot!.querySelector<HTMLButtonElement>('[part~="run-button"]')!;
    button.focus();
    expect(el.shadowRoot!.activeElement).to.equal(button);
    const done = completed(el);
    await sendKeys({ press: 'Enter' });
    const result = await done;
    expect(result.data).to.deep.equal([{ name: 'browser', status: 'success', finished: true }]);
    const details = el.outcomes.browser!.details.map((d) => d.label);
    expect(details).to.deep.equal(['getUserMedia', 'WebAssembly', 'Fullscreen API', 'IndexedDB', 'MediaRecorder', 'Browser']);
  });

  it('inside <eye-proctor>: uses its config, emits once through its bus, and gates start() with requireSystemCheck', async () => {
    const proctor = await fixture<EyeProctor>(
      html`<eye-proctor consent="external" exam-id="exam-sc" candidate-id="cand-sc"><eye-system-check consent="external"></eye-system-check></eye-proctor>`,
    );
    const check = proctor.querySelector('eye-system-check')!;
    // camera/microphone off in the config: the system check skips those two checks.
    await proctor.init({ relayUrl, requireSystemCheck: true, camera: false, microphone: false, tabFocus: false, fullscreen: false });
    await check.updateComplete;
    let error: Error | null = null;
    await proctor.start().catch((e: unknown) => (error = e instanceof Error ? e : null));
    expect(error!.message).to.match(/passing system check/);
    expect(proctor.phase).to.equal('ready');

    const viaOn: SystemCheck[] = [];
    const off = proctor.on(EyeEvent.SYSTEM_CHECK_COMPLETED, (p) => viaOn.push(p));
    const domOnProctor: SystemCheck[] = [];
    proctor.addEventListener(EyeEvent.SYSTEM_CHECK_COMPLETED, (e) => domOnProctor.push(e.detail));
    const onDocument: SystemCheck[] = [];
    const docListener = (e: Event) => onDocument.push((e as CustomEvent<SystemCheck>).detail);
    document.addEventListener(EyeEvent.SYSTEM_CHECK_COMPLETED, docListener);

    // A failing check (impossible upload threshold) keeps start() refused.
    check.thresholds = { minUploadMbps: 1e9 };
    const failed = await check.run();
    expect(failed.success).to.equal(false);
    expect(failed.data.map((d) => d.name)).to.deep.equal(['browser', 'internetSpeed']);
    expect(proctor.systemCheckPassed).to.equal(false);
    error = null;
    await proctor.start().catch((e: unknown) => (error = e instanceof Error ? e : null));
    expect(error).to.be.instanceOf(Error);

    check.thresholds = {};
    const passed = await check.run();
    expect(passed.success).to.equal(true);
    expect(viaOn).to.deep.equal([failed, passed]);
    expect(domOnProctor).to.deep.equal([failed, passed]);
    expect(onDocument).to.deep.equal([failed, passed]);
    expect(proctor.systemCheckPassed).to.equal(true);
    await proctor.start();
    expect(proctor.phase).to.equal('running');
    await proctor.end();
    off();
    document.removeEventListener(EyeEvent.SYSTEM_CHECK_COMPLETED, docListener);
  });

  it('auto-start runs the checks on connect', async () => {
    const el = document.createElement('eye-system-check');
    el.autoStart = true;
    el.checks = ['browser'];
    const done = completed(el);
    document.body.append(el);
    try {
      expect((await done).data).to.deep.equal([{ name: 'browser', status: 'success', finished: true }]);
    } finally {
      el.remove();
    }
  });

  it('leaving the page mid-check cancels: run() rejects with AbortError, no SYSTEM_CHECK_COMPLETED', async () => {
    const el = await fixture<EyeSystemCheck>(html`<eye-system-check consent="external" checks="webcam browser"></eye-system-check>`);
    let completions = 0;
    el.addEventListener(EyeEvent.SYSTEM_CHECK_COMPLETED, () => completions++);
    const started = oneEvent(el, EyeEvent.SYSTEM_CHECK_STARTED);
    const running = el.run();
    await started;
    el.remove();
    const err = await running.then(
      () => null,
      (e: unknown) => (e instanceof Error ? e : null),
    );
    expect(err?.name).to.equal('AbortError');
    expect(completions).to.equal(0);
    expect(el.result).to.equal(null);
  });

  it('inside a running <eye-proctor>: checks the monitoring stream itself and leaves it running', async () => {
    const proctor = await fixture<EyeProctor>(
      html`<eye-proctor consent="external" exam-id="exam-sc2" candidate-id="cand-sc2"><eye-system-check consent="external" checks="webcam microphone"></eye-system-check></eye-proctor>`,
    );
    await proctor.init({ tabFocus: false, fullscreen: false, assetsBaseUrl: new URL('/assets/mediapipe', location.href).href, snapshotIntervalMs: 0 });
    await proctor.start();
    try {
      const stream = proctor.activeMediaStream!;
      const check = proctor.querySelector('eye-system-check')!;
      let opened = 0;
      check.getUserMedia = (c) => {
        opened++;
        return navigator.mediaDevices.getUserMedia(c);
      };
      const result = await check.run();
      expect(result.success).to.equal(true);
      expect(opened).to.equal(0); // used the widget's stream, opened nothing
      expect(check.outcomes.webcam!.details[0]!.value).to.equal(stream.getVideoTracks()[0]!.label);
      expect(stream.getTracks().map((t) => t.readyState)).to.deep.equal(['live', 'live']);
      expect(proctor.phase).to.equal('running');
    } finally {
      await proctor.end();
    }
  });
});

describe('<eye-system-check> consent step', function () {
  this.timeout(60_000);
  let calls: number;
  beforeEach(() => {
    calls = 0;
    // An own property shadows MediaDevices.prototype.getUserMedia; deleting it restores the browser's.
    navigator.mediaDevices.getUserMedia = function (c?: MediaStreamConstraints) {
      calls += 1;
      return MediaDevices.prototype.getUserMedia.call(navigator.mediaDevices, c);
    };
  });
  afterEach(() => {
    Reflect.deleteProperty(navigator.mediaDevices, 'getUserMedia');
  });

  const step = async (root: ShadowRoot) => {
    for (let i = 0; i < 500 && !root.querySelector('eye-consent'); i++) await new Promise((r) => setTimeout(r, 20));
    const found = root.querySelector('eye-consent')!;
    await found.updateComplete;
    return found;
  };
  const press = (consent: Element, part: string) => { consent.shadowRoot!.querySelector<HTMLButtonElement>(`[part="${part}"]`)!.click(); };

  it('on its own: asks before opening the camera or microphone; declining opens nothing and run() rejects', async () => {
    const el = await fixture<EyeSystemCheck>(html`<eye-system-check checks="webcam microphone"></eye-system-check>`);
    const answers: string[] = [];
    for (const t of [EyeEvent.CONSENT_GIVEN, EyeEvent.CONSENT_DECLINED]) el.addEventListener(t, () => answers.push(t));
    const running = el.run().then(
      () => null,
      (e: unknown) => (e instanceof Error ? e : null),
    );
    const consent = await step(el.shadowRoot!);
    await new Promise((r) => setTimeout(r, 200));
    expect(calls).to.equal(0);
    press(consent, 'decline-button');
    expect((await running)?.name).to.equal('ConsentDeclinedError');
    expect(calls).to.equal(0);
    expect(answers).to.deep.equal([EyeEvent.CONSENT_DECLINED]);

    const again = el.run();
    press(await step(el.shadowRoot!), 'accept-button');
    const result = await again;
    expect(result.success).to.equal(true);
    expect(calls).to.be.greaterThan(0);
    expect(answers).to.deep.equal([EyeEvent.CONSENT_DECLINED, EyeEvent.CONSENT_GIVEN]);
  });

  it("inside <eye-proctor>: the proctor's step is asked once, for the check and the exam", async () => {
    const proctor = await fixture<EyeProctor>(
      html`<eye-proctor exam-id="e" candidate-id="c"><eye-system-check checks="webcam"></eye-system-check></eye-proctor>`,
    );
    await proctor.init({ microphone: false, tabFocus: false, fullscreen: false, snapshotIntervalMs: 0 });
    const given: unknown[] = [];
    proctor.on(EyeEvent.CONSENT_GIVEN, (p) => given.push(p));
    const check = proctor.querySelector('eye-system-check')!;
    const running = check.run();
    const consent = await step(proctor.shadowRoot!);
    expect(check.shadowRoot!.querySelector('eye-consent'), 'no second step in the check').to.equal(null);
    expect(calls).to.equal(0);
    press(consent, 'accept-button');
    expect((await running).success).to.equal(true);
    await proctor.start(); // no second question
    expect(given.length).to.equal(1);
    expect(proctor.phase).to.equal('running');
    await proctor.end();
  });
});
