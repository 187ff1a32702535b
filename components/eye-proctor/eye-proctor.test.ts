import { ContextConsumer } from '@lit/context';
import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import { executeServerCommand, sendMouse } from '@web/test-runner-commands';
import { LitElement } from 'lit';
import type { Observable } from 'rxjs';
import { EyeConfigError, type EyeConfig } from '../../src/config.js';
import { EyeEvent, type EyeEmission, type FlagData } from '../../src/events.js';
import { configContext, eventSinkContext, eventsContext, mediaStreamContext } from '../controllers/contexts.js';
import './define.js';
import type { EyeConsent } from '../eye-consent/eye-consent.js';
import type { EyeProctor } from './eye-proctor.js';

const IDS = { examId: 'exam-1', candidateId: 'cand-1' };

/** Records every event three ways so tests can compare them. */
function record(el: EyeProctor) {
  const bus: EyeEmission[] = [];
  const dom: { type: string; detail: unknown; bubbles: boolean; composed: boolean }[] = [];
  const sub = el.events$.subscribe((e) => bus.push(e));
  const onDom = (e: globalThis.Event) => {
    const ce = e as CustomEvent;
    dom.push({ type: ce.type, detail: ce.detail, bubbles: ce.bubbles, composed: ce.composed });
  };
  for (const name of Object.values(EyeEvent)) document.addEventListener(name, onDom);
  return {
    bus,
    dom,
    types: () => bus.map((e) => e.type),
    stop: () => {
      sub.unsubscribe();
      for (const name of Object.values(EyeEvent)) document.removeEventListener(name, onDom);
    },
  };
}

/** Test element that consumes every service <eye-proctor consent="external"> provides. */
class ContextProbe extends LitElement {
  stream: MediaStream | null | undefined = undefined;
  config: EyeConfig | null | undefined = undefined;
  events$?: Observable<EyeEmission>;
  sink?: { emit: EyeProctor['emit'] };
  constructor() {
    super();
    new ContextConsumer(this, { context: mediaStreamContext, subscribe: true, callback: (v) => (this.stream = v) });
    new ContextConsumer(this, { context: configContext, subscribe: true, callback: (v) => (this.config = v) });
    new ContextConsumer(this, { context: eventsContext, callback: (v) => (this.events$ = v) });
    new ContextConsumer(this, { context: eventSinkContext, callback: (v) => (this.sink = v) });
  }
}
customElements.define('eye-context-probe', ContextProbe);

describe('<eye-proctor>', () => {
  it('delivers SET_CONFIG, STARTED, END_PROCTORING in order to on(), events$ and DOM listeners', async () => {
    const el = await fixture<EyeProctor>(html`<eye-proctor consent="external"></eye-proctor>`);
    const rec = record(el);
    const seen: string[] = [];
    el.on(EyeEvent.SET_CONFIG, (p) => seen.push(`SET_CONFIG:${(p.config as unknown as EyeConfig).examId}`));
    el.on(EyeEvent.STARTED, () => seen.push('STARTED'));
    el.on(EyeEvent.END_PROCTORING, () => seen.push('END_PROCTORING'));

    await el.init({ ...IDS, camera: false, microphone: false });
    await el.start();
    await el.end();
    rec.stop();

    expect(seen).to.deep.equal(['SET_CONFIG:exam-1', 'STARTED', 'END_PROCTORING']);
    expect(rec.types()).to.deep.equal([EyeEvent.SET_CONFIG, EyeEvent.CONSENT_GIVEN, EyeEvent.STARTED, EyeEvent.END_PROCTORING]);
    expect(rec.dom.map((d) => d.type)).to.deep.equal(rec.types());
    for (const d of rec.dom) expect(d.bubbles && d.composed, d.type).to.equal(true);
    const setConfig = rec.dom[0]!.detail as { config: EyeConfig };
    expect(setConfig.config.examId).to.equal('exam-1');
    expect(setConfig.config.faceAbsenceMs).to.equal(5000);
    expect(el.phase).to.equal('ended');
  });

  it('types DOM events by name: detail is the payload (compile-time HTMLElementEventMap/DocumentEventMap)', async () => {
    const el = await fixture<EyeProctor>(html`<eye-proctor consent="external" exam-id="e" candidate-id="c"></eye-proctor>`);
    let examId = '';
    let fromDocument = false;
    el.addEventListener('SET_CONFIG', (e) => (examId = e.detail.config['examId'] as string));
    const onDoc = (e: CustomEvent<{ config?: Record<string, unknown> }>) => (fromDocument = e.detail.config !== undefined);
    document.addEventListener(EyeEvent.SET_CONFIG, onDoc);
    await el.init({ camera: false, microphone: false });
    document.removeEventListener(EyeEvent.SET_CONFIG, onDoc);
    expect(examId).to.equal('e');
    expect(fromDocument).to.equal(true);
  });

  it('on() returns an unsubscribe that stops further calls', async () => {
    const el = await fixture<EyeProctor>(html`<eye-proctor consent="external" exam-id="e" candidate-id="c"></eye-proctor>`);
    let calls = 0;
    const off = el.on(EyeEvent.SET_CONFIG, () => calls++);
    await el.init({ camera: false, microphone: false });
    off();
    await el.init({ camera: false, microphone: false });
    expect(calls).to.equal(1);
  });

  it('merges attributes as the base config; init() values win', async () => {
    const el = await fixture<EyeProctor>(html`<eye-proctor consent="external"
      exam-id="attr-exam"
      candidate-id="attr-cand"
      relay-url="https://relay.example.edu/"
      session-id="s-1"
      session-token="tok"
    ></eye-proctor>`);
    const config = await el.init({ candidateId: 'init-cand', camera: false }); // no engine preload from a made-up host
    expect(config.examId).to.equal('attr-exam');
    expect(config.candidateId).to.equal('init-cand');
    expect(config.sessionId).to.equal('s-1');
    expect(config.assetsBaseUrl).to.equal('https://relay.example.edu/assets/mediapipe');
  });

  it('rejects a bad config with a clear message and emits nothing', async () => {
    const el = await fixture<EyeProctor>(html`<eye-proctor consent="external"></eye-proctor>`);
    const rec = record(el);
    let error: unknown;
    try {
      await el.init({ candidateId: 'c', faceAbsenceMs: -1, tabFocsu: true });
    } catch (err) {
      error = err;
    }
    rec.stop();
    expect(error).to.be.instanceOf(EyeConfigError);
    const message = (error as Error).message;
    expect(message).to.contain('examId is required');
    expect(message).to.contain('faceAbsenceMs must be between 500 and 600000');
    expect(message).to.contain('unknown option "tabFocsu"');
    expect(rec.bus).to.have.length(0);
    expect(el.phase).to.equal('idle');
    expect(el.config).to.equal(null);
  });

  it('start() opens camera and microphone; end() stops the tracks it owns', async () => {
    const el = await fixture<EyeProctor>(html`<eye-proctor consent="external" exam-id="e" candidate-id="c"></eye-proctor>`);
    await el.init({});
    await el.start();
    const stream = el.activeMediaStream!;
    expect(stream.getVideoTracks()).to.have.length(1);
    expect(stream.getAudioTracks()).to.have.length(1);
    for (const t of stream.getTracks()) expect(t.readyState).to.equal('live');
    await el.end();
    for (const t of stream.getTracks()) expect(t.readyState, t.kind).to.equal('ended');
    expect(el.activeMediaStream).to.equal(null);
  });

  it('respects camera/microphone: false', async () => {
    const el = await fixture<EyeProctor>(html`<eye-proctor consent="external" exam-id="e" candidate-id="c"></eye-proctor>`);
    await el.init({ microphone: false });
    await el.start();
    expect(el.activeMediaStream!.getAudioTracks()).to.have.length(0);
    expect(el.activeMediaStream!.getVideoTracks()).to.have.length(1);
    await el.end();
  });

  it('uses an injected mediaStream and leaves its tracks running', async () => {
    const injected = await navigator.mediaDevices.getUserMedia({ video: true });
    try {
      const el = await fixture<EyeProctor>(html`<eye-proctor consent="external" exam-id="e" candidate-id="c" .mediaStream=${injected}></eye-proctor>`);
      await el.init({});
      await el.start();
      expect(el.activeMediaStream).to.equal(injected);
      await el.end();
      expect(injected.getVideoTracks()[0]!.readyState).to.equal('live');
    } finally {
      for (const t of injected.getTracks()) t.stop();
    }
  });

  it('start() without init() uses the attributes; init() while running is refused', async () => {
    const el = await fixture<EyeProctor>(html`<eye-proctor consent="external" exam-id="e" candidate-id="c"></eye-proctor>`);
    const rec = record(el);
    await el.start();
    let error: unknown;
    try {
      await el.init({ camera: false });
    } catch (err) {
      error = err;
    }
    await el.end();
    rec.stop();
    expect((error as Error).message).to.contain('call end() first');
    expect(rec.types()).to.deep.equal([EyeEvent.SET_CONFIG, EyeEvent.CONSENT_GIVEN, EyeEvent.STARTED, EyeEvent.END_PROCTORING]);
  });

  it('provides media stream, config, events and an emitter to children through @lit/context', async () => {
    const el = await fixture<EyeProctor>(html`<eye-proctor consent="external" exam-id="e" candidate-id="c"><eye-context-probe></eye-context-probe></eye-proctor>`);
    const probe = el.querySelector('eye-context-probe') as ContextProbe;
    expect(probe.stream).to.equal(null);
    expect(probe.config).to.equal(null);
    expect(probe.events$).to.equal(el.events$);

    const config = await el.init({});
    expect(probe.config).to.equal(config);
    await el.start();
    expect(probe.stream).to.be.instanceOf(MediaStream);
    expect(probe.stream).to.equal(el.activeMediaStream);

    const received: unknown[] = [];
    el.on(EyeEvent.SYSTEM_CHECK_STARTED, (p: unknown) => received.push(p ?? 'none'));
    const domEvent = new Promise<globalThis.Event>((resolve) => {
      el.addEventListener(EyeEvent.SYSTEM_CHECK_STARTED, resolve, { once: true });
    });
    probe.sink!.emit(EyeEvent.SYSTEM_CHECK_STARTED, undefined);
    expect(received).to.deep.equal(['none']);
    expect((await domEvent).type).to.equal('SYSTEM_CHECK_STARTED');

    await el.end();
    expect(probe.stream).to.equal(null);
  });

  it('removing the element ends monitoring and releases the devices', async () => {
    const el = await fixture<EyeProctor>(html`<eye-proctor consent="external" exam-id="e" candidate-id="c"></eye-proctor>`);
    const types: string[] = [];
    el.events$.subscribe((e) => types.push(e.type));
    await el.start();
    const stream = el.activeMediaStream!;
    el.remove();
    await new Promise((r) => setTimeout(r, 0)); // leaving is decided at the end of the task (a move is not leaving)
    expect(types.at(-1)).to.equal(EyeEvent.END_PROCTORING);
    expect(el.phase).to.equal('ended');
    for (const t of stream.getTracks()) expect(t.readyState).to.equal('ended');
  });

  it('end() during start() cancels it: no STARTED and the devices are released', async () => {
    const el = await fixture<EyeProctor>(html`<eye-proctor consent="external" exam-id="e" candidate-id="c"></eye-proctor>`);
    const types: string[] = [];
    el.events$.subscribe((e) => types.push(e.type));
    await el.init({});
    const starting = el.start();
    await el.end();
    await starting;
    expect(types).to.deep.equal([EyeEvent.SET_CONFIG, EyeEvent.CONSENT_GIVEN]);
    expect(el.activeMediaStream).to.equal(null);
    expect(el.phase).to.equal('ended');
  });

  it('pause() stops detectors and resume() restarts them', async () => {
    const el = await fixture<EyeProctor>(html`<eye-proctor consent="external" exam-id="e" candidate-id="c"></eye-proctor>`);
    const types: string[] = [];
    el.events$.subscribe((e) => types.push(e.type));
    await el.init({ camera: false, microphone: false });
    await el.start();
    el.pause('relay directive');
    expect(el.phase).to.equal('paused');
    el.resume();
    expect(el.phase).to.equal('running');
    await el.end();
    expect(types).to.deep.equal([
      EyeEvent.SET_CONFIG,
      EyeEvent.CONSENT_GIVEN,
      EyeEvent.STARTED,
      EyeEvent.PAUSED,
      EyeEvent.RESUMED,
      EyeEvent.END_PROCTORING,
    ]);
  });
});

/** Clicks the middle of `el` with the real mouse (a user gesture). */
async function realClick(el: Element): Promise<void> {
  const r = el.getBoundingClientRect();
  await sendMouse({ type: 'click', position: [Math.round(r.x + r.width / 2), Math.round(r.y + r.height / 2)] });
}

describe('<eye-proctor> with real browser signals', () => {
  afterEach(async () => {
    if (document.fullscreenElement) await document.exitFullscreen();
  });

  it('a real tab switch fires TAB_NOT_FOCUS (FlagData) then TAB_FOCUS_CHANGE with awayMs, as DOM events', async () => {
    const el = await fixture<EyeProctor>(html`<eye-proctor consent="external" exam-id="e-9" candidate-id="c-9" session-id="s-9"></eye-proctor>`);
    await el.init({ camera: false, microphone: false, fullscreen: false });
    await el.start();
    const rec = record(el);
    await executeServerCommand('eye-switch-tab', { awayMs: 200 });
    rec.stop();
    expect(rec.dom.map((d) => d.type)).to.deep.equal([
      EyeEvent.TAB_FOCUS_CHANGE,
      EyeEvent.TAB_NOT_FOCUS,
      EyeEvent.TAB_FOCUS_CHANGE,
    ]);
    const flag = rec.dom[1]!.detail as FlagData;
    expect(flag).to.include({ type: 'TAB_NOT_FOCUS', examId: 'e-9', candidateId: 'c-9', sessionId: 's-9' });
    expect(flag.id).to.be.a('string').with.length(36);
    expect(flag.details?.countThisSession).to.equal(1);
    const back = rec.dom[2]!.detail as { focused: boolean; awayMs: number };
    expect(back.focused).to.equal(true);
    expect(back.awayMs).to.be.at.least(200);
  });

  it('after end() nothing runs: a real tab switch emits nothing and no listener is called', async () => {
    const el = await fixture<EyeProctor>(html`<eye-proctor consent="external" exam-id="e" candidate-id="c"></eye-proctor>`);
    await el.init({});
    await el.start();
    const stream = el.activeMediaStream!;
    await el.end();
    const rec = record(el);
    await executeServerCommand('eye-switch-tab', { awayMs: 50 });
    rec.stop();
    expect(rec.bus).to.have.length(0);
    expect(rec.dom).to.have.length(0);
    for (const t of stream.getTracks()) expect(t.readyState).to.equal('ended');
  });

  it('requireFullscreen: asks to go back, its button re-enters fullscreen for real, exits are flagged', async () => {
    const el = await fixture<EyeProctor>(html`<eye-proctor consent="external" exam-id="e" candidate-id="c"></eye-proctor>`);
    await el.init({ camera: false, microphone: false, tabFocus: false, requireFullscreen: true });
    await el.start();
    await el.updateComplete;
    const dialog = el.shadowRoot!.querySelector('dialog')!;
    expect(dialog.open, 'prompt shown outside fullscreen').to.equal(true);
    await expect(el).to.be.accessible();

    const entered = oneEvent(el, EyeEvent.FULLSCREEN_CHANGE);
    await realClick(dialog.querySelector('button')!);
    expect((await entered).detail).to.deep.equal({ fullscreen: true });
    await el.updateComplete;
    expect(document.fullscreenElement).to.equal(document.documentElement);
    expect(dialog.open, 'prompt closed in fullscreen').to.equal(false);

    const exited = oneEvent<CustomEvent<FlagData>>(el, EyeEvent.EXIT_FULLSCREEN);
    await document.exitFullscreen();
    const flag = (await exited).detail;
    expect(flag.type).to.equal(EyeEvent.EXIT_FULLSCREEN);
    expect(flag.details?.countThisSession).to.equal(1);
    await el.updateComplete;
    expect(dialog.open, 'prompt back after exit').to.equal(true);

    await el.end();
    await el.updateComplete;
    expect(dialog.open, 'prompt gone after end').to.equal(false);
  });
});

describe('<eye-proctor> status indicator', () => {
  it('tells the candidate whether monitoring is on, paused or off, and the last warning, accessibly', async () => {
    const el = await fixture<EyeProctor>(html`<eye-proctor consent="external" exam-id="e" candidate-id="c"></eye-proctor>`);
    const status = () => el.shadowRoot!.querySelector('[part="status"]')!;
    expect(status().getAttribute('role')).to.equal('status');
    expect(status().getAttribute('aria-live')).to.equal('polite');
    expect(status().textContent).to.contain('Monitoring off');
    await expect(el).to.be.accessible();

    await el.init({ camera: false, microphone: false });
    await el.start();
    await el.updateComplete;
    expect(status().textContent).to.contain('Monitoring on');
    expect(status().getAttribute('data-state')).to.equal('on');

    await executeServerCommand('eye-switch-tab', { awayMs: 50 });
    await el.updateComplete;
    const warning = el.shadowRoot!.querySelector('[part="status-warning"]')!;
    expect(warning.textContent).to.contain('The exam page was left for a moment. Please stay on this page.');
    expect(warning.querySelector('time')!.getAttribute('datetime')).to.match(/^\d{4}-\d{2}-\d{2}T/);
    await expect(el).to.be.accessible();

    el.pause('relay');
    await el.updateComplete;
    expect(status().textContent).to.contain('Monitoring paused');
    el.resume();
    await el.end();
    await el.updateComplete;
    expect(status().textContent).to.contain('Monitoring off');
    await expect(el).to.be.accessible();
  });

  it('is themable through CSS custom properties', async () => {
    const el = await fixture<EyeProctor>(
      html`<eye-proctor consent="external" exam-id="e" candidate-id="c" style="--eye-status-bg: rgb(1, 2, 3); --eye-status-fg: rgb(250, 250, 250)"></eye-proctor>`,
    );
    const style = getComputedStyle(el.shadowRoot!.querySelector('[part="status"]')!);
    expect(style.backgroundColor).to.equal('rgb(1, 2, 3)');
    expect(style.color).to.equal('rgb(250, 250, 250)');
  });
});

/** Waits for the consent step inside `host`'s shadow root and returns it. */
async function consentStep(host: HTMLElement): Promise<EyeConsent> {
  const step = await waitUntilFound(() => host.shadowRoot!.querySelector<EyeConsent>('eye-consent'));
  await step.updateComplete;
  return step;
}

async function waitUntilFound<T>(find: () => T | null | undefined, timeoutMs = 10_000): Promise<T> {
  const until = performance.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found) return found;
    if (performance.now() > until) throw new Error('not found in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function click(step: EyeConsent, part: 'accept-button' | 'decline-button'): void {
  step.shadowRoot!.querySelector<HTMLButtonElement>(`[part="${part}"]`)!.click();
}

describe('<eye-proctor> consent step', () => {
  let calls: MediaStreamConstraints[];
  beforeEach(() => {
    calls = [];
    // An own property shadows MediaDevices.prototype.getUserMedia; deleting it restores the browser's.
    navigator.mediaDevices.getUserMedia = function (c?: MediaStreamConstraints) {
      calls.push(c ?? {});
      return MediaDevices.prototype.getUserMedia.call(navigator.mediaDevices, c);
    };
  });
  afterEach(() => {
    Reflect.deleteProperty(navigator.mediaDevices, 'getUserMedia');
  });

  it('asks before any camera or microphone access; accepting records CONSENT_GIVEN, then devices open and STARTED follows', async () => {
    const el = await fixture<EyeProctor>(html`<eye-proctor exam-id="e" candidate-id="c"></eye-proctor>`);
    const rec = record(el);
    await el.init({ snapshotIntervalMs: 60000, retentionDays: 30, contact: 'privacy@example.edu' });
    const starting = el.start();
    const step = await consentStep(el);
    expect(el.phase).to.equal('consent');
    const text = step.shadowRoot!.textContent;
    for (const expected of ['camera', 'microphone', 'exam page', 'fullscreen', 'every 1 minute', '30 days', 'privacy@example.edu']) {
      expect(text, expected).to.contain(expected);
    }
    await new Promise((r) => setTimeout(r, 200));
    expect(calls, 'no getUserMedia before consent').to.deep.equal([]);
    expect(rec.types()).to.deep.equal([EyeEvent.SET_CONFIG]);

    click(step, 'accept-button');
    await starting;
    expect(calls.length, 'devices open after consent').to.equal(1);
    expect(rec.types()).to.deep.equal([EyeEvent.SET_CONFIG, EyeEvent.CONSENT_GIVEN, EyeEvent.STARTED]);
    const consent = rec.bus[1]!.payload as { version: string; locale: string; external: boolean };
    expect(consent.version).to.match(/^sha256:[0-9a-f]{64}$/);
    expect(consent).to.include({ locale: 'en', external: false });
    await el.updateComplete;
    expect(el.shadowRoot!.querySelector('eye-consent'), 'step gone once answered').to.equal(null);
    // A second start() after end() with the same config does not ask again.
    await el.end();
    rec.stop();
  });

  it('declining emits CONSENT_DECLINED, opens nothing, and start() rejects with ConsentDeclinedError', async () => {
    const el = await fixture<EyeProctor>(html`<eye-proctor exam-id="e" candidate-id="c" locale="de"></eye-proctor>`);
    const rec = record(el);
    const starting = el.start().then(
      () => null,
      (e: unknown) => (e instanceof Error ? e : null),
    );
    const step = await consentStep(el);
    click(step, 'decline-button');
    const error = await starting;
    rec.stop();
    expect(error?.name).to.equal('ConsentDeclinedError');
    expect(calls).to.deep.equal([]);
    expect(el.phase).to.equal('ready');
    expect(el.activeMediaStream).to.equal(null);
    expect(rec.types()).to.deep.equal([EyeEvent.SET_CONFIG, EyeEvent.CONSENT_DECLINED]);
    expect(rec.bus[1]!.payload).to.include({ locale: 'de', external: false });
    await step.updateComplete;
    expect(step.shadowRoot!.querySelector('[role="status"]')!.textContent).to.contain('Sie haben nicht zugestimmt');
  });

  it("the host's own text (slot 'consent') replaces the built-in one and its hash is the recorded version", async () => {
    const hostText = 'Our university records flags under policy 12.';
    const el = await fixture<EyeProctor>(
      html`<eye-proctor exam-id="e" candidate-id="c"><p slot="consent">${hostText}</p></eye-proctor>`,
    );
    await el.init({ camera: false, microphone: false });
    const rec = record(el);
    const starting = el.start();
    const step = await consentStep(el);
    await new Promise((r) => setTimeout(r, 50));
    expect(step.shadowRoot!.querySelector<HTMLElement>('.explanation')!.hidden).to.equal(true);
    click(step, 'accept-button');
    await starting;
    rec.stop();
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(hostText)));
    const hex = [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
    expect((rec.bus.find((e) => e.type === EyeEvent.CONSENT_GIVEN)!.payload as { version: string }).version).to.equal(`sha256:${hex}`);
    await el.end();
  });

  it('consent="external": nothing is shown, CONSENT_GIVEN carries external: true and the LMS text version', async () => {
    const el = await fixture<EyeProctor>(html`<eye-proctor exam-id="e" candidate-id="c" consent="external" lang="fr-CA"></eye-proctor>`);
    const rec = record(el);
    await el.init({ camera: false, microphone: false, consentVersion: 'lms-consent-v3' });
    await el.start();
    rec.stop();
    expect(el.shadowRoot!.querySelector('eye-consent')).to.equal(null);
    expect(rec.bus.find((e) => e.type === EyeEvent.CONSENT_GIVEN)!.payload).to.deep.equal({ version: 'lms-consent-v3', locale: 'fr-CA', external: true });
    await el.end();
  });
});
