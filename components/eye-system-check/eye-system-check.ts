import { ContextConsumer } from '@lit/context';
import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { property, query, state } from 'lit/decorators.js';
import { DEFAULT_CONFIG, type EyeConfig } from '../../src/config.js';
import { Event as EyeEvent, type Calibration, type EventPayloadMap, type SystemCheck, type SystemCheckName } from '../../src/events.js';
import { SILENCE_DB } from '../../src/system-check/audio-level.js';
import { calibrate, type CalibrationReport, type FaceSampler } from '../../src/system-check/calibration.js';
import { faceDetectorSampler } from '../../src/system-check/face-sampler.js';
import type { SpeedThresholds } from '../../src/system-check/internet-speed.js';
import { faceDetectionOptions } from '../../src/vision/face-detection-service.js';
import { runCheck, toSystemCheck, type CheckProgress, type CheckState } from '../../src/system-check/run.js';
import { SYSTEM_CHECK_NAMES, defaultGetUserMedia, type GetUserMedia } from '../../src/system-check/types.js';
import { configContext, eventSinkContext, mediaStreamContext } from '../controllers/contexts.js';
import { styles } from './eye-system-check.styles.js';

const LABELS: Record<SystemCheckName, string> = {
  webcam: 'Camera',
  microphone: 'Microphone',
  browser: 'Browser',
  internetSpeed: 'Internet connection',
};

const STATE_TEXT: Record<CheckState, string> = {
  default: 'Not checked yet',
  running: 'Checking…',
  success: 'Works',
  failed: 'Needs attention',
};

const ICONS: Record<CheckState, ReturnType<typeof html>> = {
  default: html`<svg viewBox="0 0 24 24"><circle cx="12" cy="12" r="9" /></svg>`,
  running: html`<svg viewBox="0 0 24 24"><path d="M12 3a9 9 0 1 0 9 9" /></svg>`,
  success: html`<svg viewBox="0 0 24 24"><circle cx="12" cy="12" r="9" /><path d="m7.5 12.5 3 3 6-6.5" /></svg>`,
  failed: html`<svg viewBox="0 0 24 24"><circle cx="12" cy="12" r="9" /><path d="M12 7.5v6M12 16.5v.01" /></svg>`,
};

function parseChecks(value: string | null): SystemCheckName[] {
  if (!value) return [...SYSTEM_CHECK_NAMES];
  const wanted = value.split(/[\s,]+/).filter(Boolean);
  return SYSTEM_CHECK_NAMES.filter((n) => wanted.includes(n));
}

/**
 * Pre-exam system check: camera, microphone, browser and internet connection, each with visible
 * progress, a plain-language fix when it fails and a retry; optionally a room calibration that
 * measures background noise and lighting to set the session's sound threshold.
 *
 * Works on its own (opens the devices itself) or inside `<eye-proctor>`, where it uses the
 * widget's config (relay URL, sound threshold), its media stream while monitoring runs, and puts
 * its events on the widget's bus (so `proctor.on('SYSTEM_CHECK_COMPLETED', …)` sees them and
 * `init({ requireSystemCheck: true })` lets `start()` run only after a passing check).
 *
 * @summary Checks the candidate's camera, microphone, browser and connection before an exam.
 *
 * @attr relay-url - Relay base URL for the speed test (default: the `<eye-proctor>` config's `relayUrl`).
 * @attr checks - Which checks to run, e.g. "webcam microphone" (default: all four).
 * @attr auto-start - Run the checks as soon as the element is connected.
 * @attr with-calibration - Show the room calibration (noise floor + lighting) after the checks.
 * @attr calibration-ms - How long calibration listens and looks (default 4000).
 *
 * @fires SYSTEM_CHECK_STARTED - Checks began (also on a single retry). No payload (`detail` is null).
 * @fires SYSTEM_CHECK_COMPLETED - Checks finished. `SystemCheck`: `{ success, timestamp, data: [{ name, status, finished }] }`.
 * @fires CALIBRATION_COMPLETED - Calibration finished. `Calibration`; pass it to `proctor.init({ calibration })`.
 *
 * @csspart card - The outer panel.
 * @csspart check - One row per check (also `check-webcam`, `check-microphone`, `check-browser`, `check-internetSpeed`).
 * @csspart fix - The "how to fix" text of a failed check.
 * @csspart retry-button - A check's Retry button.
 * @csspart run-button - The "Start check" / "Check again" button.
 * @csspart summary - The overall result.
 * @csspart calibration - The calibration panel.
 * @csspart calibrate-button - Its button.
 * @csspart preview - The camera preview shown while calibrating.
 *
 * @cssprop --eye-font-family - Font.
 * @cssprop --eye-fg - Text colour.
 * @cssprop --eye-bg - Panel background.
 * @cssprop --eye-muted-fg - Secondary text colour.
 * @cssprop --eye-border - Border colour.
 * @cssprop --eye-radius - Corner radius of the panel.
 * @cssprop --eye-success - Colour of passed checks.
 * @cssprop --eye-danger - Colour of failed checks.
 * @cssprop --eye-accent - Buttons and running checks.
 * @cssprop --eye-accent-fg - Text on the primary button.
 * @cssprop --eye-fix-bg - Background of the "how to fix" box.
 */
export class EyeSystemCheck extends LitElement {
  static override styles = styles;

  @property({ attribute: 'relay-url' }) relayUrl = '';
  @property({ attribute: 'checks', converter: { fromAttribute: parseChecks, toAttribute: (v: SystemCheckName[]) => v.join(' ') } })
  checks: SystemCheckName[] = [...SYSTEM_CHECK_NAMES];
  @property({ type: Boolean, attribute: 'auto-start' }) autoStart = false;
  @property({ type: Boolean, attribute: 'with-calibration' }) withCalibration = false;
  @property({ type: Number, attribute: 'calibration-ms' }) calibrationMs = 4000;

  /** Pass marks for the connection test (latency, download, upload). */
  @property({ attribute: false }) thresholds: Partial<SpeedThresholds> = {};
  /** Smallest acceptable camera picture. */
  @property({ attribute: false }) minResolution = { width: 320, height: 240 };
  /** A stream the host already opened: checked instead of opening the devices, never stopped. */
  @property({ attribute: false }) mediaStream: MediaStream | null = null;
  /** Where devices come from (default `navigator.mediaDevices.getUserMedia`). */
  @property({ attribute: false }) getUserMedia: GetUserMedia | null = defaultGetUserMedia();
  /** Where the MediaPipe wasm + face model are served (default: the <eye-proctor> config's, else `${relay-url}/assets/mediapipe`). */
  @property({ attribute: 'assets-base-url' }) assetsBaseUrl = '';
  /**
   * Face detection used by calibration. Default: the widget's own detector (src/vision) with the
   * config's threshold, so calibration measures the confidence the exam will see.
   */
  @property({ attribute: false }) faceSampler: FaceSampler | null = null;

  @state() private progress: CheckProgress[] = [];
  @state() private running = false;
  @state() private announcement = '';
  @state() private calibrating = false;
  @state() private calibrationElapsed = 0;
  @state() private calibrationError = '';

  /** The last SYSTEM_CHECK_COMPLETED payload, or null before the first run. */
  @state() result: SystemCheck | null = null;
  /** The last calibration with the measurements behind it, or null. */
  @state() calibrationReport: CalibrationReport | null = null;

  @query('video') private preview?: HTMLVideoElement;

  readonly #config = new ContextConsumer(this, { context: configContext, subscribe: true });
  readonly #proctorMedia = new ContextConsumer(this, { context: mediaStreamContext, subscribe: true });
  readonly #sink = new ContextConsumer(this, { context: eventSinkContext });
  #abort = new AbortController();
  #audioContext: AudioContext | null = null;
  #inFlight: Promise<SystemCheck> | null = null;

  /** Outcome of every check (message, fix, measurements), by name. */
  get outcomes(): Partial<Record<SystemCheckName, CheckProgress['outcome']>> {
    return Object.fromEntries(this.progress.map((p) => [p.name, p.outcome]));
  }

  /** The last calibration, ready for `proctor.init({ calibration })`, or null. */
  get calibration(): Calibration | null {
    return this.calibrationReport?.calibration ?? null;
  }

  /**
   * Runs every check in order (camera, microphone, browser, connection); resolves with the payload
   * it emitted. Rejects with an AbortError when the element leaves the page mid-run.
   */
  run(): Promise<SystemCheck> {
    this.#inFlight ??= this.#runChecks(this.#activeChecks()).finally(() => (this.#inFlight = null));
    return this.#inFlight;
  }

  /** Runs one check again and emits SYSTEM_CHECK_STARTED / SYSTEM_CHECK_COMPLETED with every check's status. */
  retry(name: SystemCheckName): Promise<SystemCheck> {
    if (this.#inFlight) return this.#inFlight.then(() => this.retry(name));
    this.#inFlight = this.#runChecks([name]).finally(() => (this.#inFlight = null));
    return this.#inFlight;
  }

  /**
   * Listens to the room and looks at the candidate for `calibration-ms`, derives the session's sound
   * threshold and a lighting verdict, emits CALIBRATION_COMPLETED and resolves with it.
   */
  async calibrate(): Promise<Calibration> {
    if (this.calibrating) throw new Error('eye-system-check: calibration already running');
    this.calibrating = true;
    this.calibrationError = '';
    this.calibrationElapsed = 0;
    this.#announce('Calibrating: please stay quiet and look at the camera.');
    const audioContext = this.#audio();
    const started = performance.now();
    const tick = setInterval(() => (this.calibrationElapsed = Math.min(this.calibrationMs, performance.now() - started)), 100);
    let stream: MediaStream | null = null;
    let owned = false;
    try {
      stream = this.#sharedStream();
      if (!stream) {
        stream = await this.#openForCalibration();
        owned = true;
      }
      await this.updateComplete;
      const report = await calibrate({
        stream,
        durationMs: this.calibrationMs,
        baseThresholdDb: this.#config.value?.soundThresholdDb,
        faceSampler: this.faceSampler ?? this.#defaultFaceSampler(),
        video: this.preview,
        audioContext,
        signal: this.#abort.signal,
      });
      this.calibrationReport = report;
      this.#emit(EyeEvent.CALIBRATION_COMPLETED, report.calibration);
      this.#announce(
        `Calibration done. Sound threshold ${report.calibration.soundThresholdDb} dBFS. ${report.lightingWarning ?? 'Lighting is good.'}`,
      );
      return report.calibration;
    } catch (err) {
      const name = (err as Error)?.name;
      this.calibrationError =
        name === 'NotAllowedError'
          ? 'Calibration needs the microphone (and ideally the camera). Allow them for this site, then try again.'
          : name === 'NotFoundError'
            ? 'Calibration needs a microphone; none was found.'
            : `Calibration failed: ${(err as Error)?.message ?? String(err)}`;
      if (name !== 'AbortError') this.#announce(this.calibrationError);
      throw err;
    } finally {
      clearInterval(tick);
      if (owned) for (const t of stream!.getTracks()) t.stop();
      if (this.preview) this.preview.srcObject = null;
      this.calibrating = false;
    }
  }

  // ---- Lifecycle -------------------------------------------------------------------------------

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.#abort.signal.aborted) this.#abort = new AbortController();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#abort.abort();
    this.#audioContext?.close().catch(() => {});
    this.#audioContext = null;
  }

  protected override willUpdate(_changed: PropertyValues): void {
    // `checks` or the <eye-proctor> config (camera / microphone off) may change what is listed.
    this.#syncProgress();
  }

  protected override firstUpdated(): void {
    if (this.autoStart) void this.run().catch(() => {});
  }

  // ---- Internals -------------------------------------------------------------------------------

  /** Checks to run: the `checks` property, minus devices the <eye-proctor> config switched off. */
  #activeChecks(): SystemCheckName[] {
    const config: EyeConfig | null | undefined = this.#config.value;
    return this.checks.filter(
      (n) => !(n === 'webcam' && config?.camera === false) && !(n === 'microphone' && config?.microphone === false),
    );
  }

  #syncProgress(): void {
    const active = this.#activeChecks();
    if (active.join() === this.progress.map((p) => p.name).join()) return;
    const known = new Map(this.progress.map((p) => [p.name, p]));
    this.progress = active.map((name) => known.get(name) ?? { name, state: 'default', outcome: null });
  }

  #defaultFaceSampler(): FaceSampler {
    const config = this.#config.value;
    const relay = this.#relayUrl();
    const assetsBaseUrl =
      this.assetsBaseUrl || config?.assetsBaseUrl || (relay ? `${relay.replace(/\/+$/, '')}/assets/mediapipe` : null);
    return faceDetectorSampler(
      faceDetectionOptions({
        assetsBaseUrl,
        detectionFps: config?.detectionFps ?? DEFAULT_CONFIG.detectionFps,
        minFaceConfidence: config?.minFaceConfidence ?? DEFAULT_CONFIG.minFaceConfidence,
      }),
    );
  }

  #sharedStream(): MediaStream | null {
    return this.mediaStream ?? this.#proctorMedia.value ?? null;
  }

  #relayUrl(): string | null {
    return this.relayUrl || this.#config.value?.relayUrl || null;
  }

  /** One AudioContext, created on the first user-initiated run so browsers let it play. */
  #audio(): AudioContext {
    this.#audioContext ??= new AudioContext();
    if (this.#audioContext.state === 'suspended') this.#audioContext.resume().catch(() => {});
    return this.#audioContext;
  }

  async #openForCalibration(): Promise<MediaStream> {
    const gum = this.getUserMedia;
    if (!gum) throw new DOMException('getUserMedia is unavailable', 'NotSupportedError');
    const audio = { echoCancellation: false, noiseSuppression: false, autoGainControl: false };
    try {
      return await gum({ audio, video: { width: { ideal: 640 }, height: { ideal: 480 }, facingMode: 'user' } });
    } catch {
      return gum({ audio, video: false }); // no camera: calibrate the sound threshold alone
    }
  }

  #setState(name: SystemCheckName, state: CheckState, outcome: CheckProgress['outcome'] = null): void {
    this.progress = this.progress.map((p) => (p.name === name ? { name, state, outcome } : p));
  }

  async #runChecks(names: SystemCheckName[]): Promise<SystemCheck> {
    this.#syncProgress();
    const signal = this.#abort.signal;
    const audioContext = names.includes('microphone') ? this.#audio() : undefined;
    this.running = true;
    for (const name of names) this.#setState(name, 'default');
    this.#emit(EyeEvent.SYSTEM_CHECK_STARTED, undefined);
    try {
      for (const name of names) {
        this.#setState(name, 'running');
        this.#announce(`${LABELS[name]}: checking…`);
        const outcome = await runCheck(name, {
          relayUrl: this.#relayUrl(),
          stream: this.#sharedStream(),
          getUserMedia: this.getUserMedia,
          audioContext,
          speed: { thresholds: this.thresholds },
          webcam: { minWidth: this.minResolution.width, minHeight: this.minResolution.height },
          signal,
        });
        this.#setState(name, outcome.status, outcome);
        this.#announce(
          outcome.status === 'success' ? `${LABELS[name]}: works.` : `${LABELS[name]}: needs attention. ${outcome.message}`,
        );
      }
    } catch (err) {
      // Cancelled (the element left the page): unfinished checks go back to "not checked", no COMPLETED.
      for (const p of this.progress) if (p.state === 'running') this.#setState(p.name, 'default');
      throw err;
    } finally {
      this.running = false;
    }
    const result = toSystemCheck(this.progress);
    this.result = result;
    this.#emit(EyeEvent.SYSTEM_CHECK_COMPLETED, result);
    this.#announce(this.#summaryText(result));
    return result;
  }

  #summaryText(result: SystemCheck): string {
    if (result.success) return 'All checks passed. You are ready for the exam.';
    const bad = result.data.filter((d) => d.status === 'failed').map((d) => LABELS[d.name]);
    return `${bad.length} ${bad.length === 1 ? 'check needs' : 'checks need'} attention: ${bad.join(', ')}.`;
  }

  #announce(text: string): void {
    this.announcement = text;
  }

  /**
   * Inside <eye-proctor> the event goes on the widget's bus, which re-dispatches it from
   * <eye-proctor> (bubbling, composed) and feeds `on()`; listeners on this element still get a
   * non-bubbling copy. On its own, the element dispatches it bubbling and composed.
   */
  #emit<K extends EyeEvent.SYSTEM_CHECK_STARTED | EyeEvent.SYSTEM_CHECK_COMPLETED | EyeEvent.CALIBRATION_COMPLETED>(
    type: K,
    payload: EventPayloadMap[K],
  ): void {
    const sink = this.#sink.value;
    this.dispatchEvent(new CustomEvent(type, { detail: payload, bubbles: !sink, composed: !sink }));
    sink?.emit(type, payload);
  }

  // ---- Rendering -------------------------------------------------------------------------------

  protected override render() {
    const done = this.result !== null && !this.running;
    return html`
      <section part="card" class="card" aria-labelledby="title">
        <h2 id="title">System check</h2>
        <p class="intro">We check your camera, microphone, browser and internet connection before the exam.</p>
        <ol aria-label="Checks">
          ${this.progress.map((p) => this.#renderCheck(p))}
        </ol>
        <div class="actions">
          <button part="run-button" class="primary" type="button" ?disabled=${this.running} @click=${() => void this.run().catch(() => {})}>
            ${this.running ? this.#runningLabel() : done ? 'Check everything again' : 'Start check'}
          </button>
          ${done && this.result
            ? html`<p part="summary" class="summary" data-success=${String(this.result.success)}>${this.#summaryText(this.result)}</p>`
            : nothing}
        </div>
        ${this.withCalibration ? this.#renderCalibration() : nothing}
        <div class="sr-only" role="status" aria-live="polite" aria-atomic="true">${this.announcement}</div>
      </section>
    `;
  }

  #runningLabel(): string {
    const current = this.progress.findIndex((p) => p.state === 'running');
    return current < 0 ? 'Checking…' : `Checking ${current + 1} of ${this.progress.length}…`;
  }

  #renderCheck(p: CheckProgress) {
    const id = `check-${p.name}`;
    const o = p.outcome;
    return html`
      <li part="check check-${p.name}" class="check" data-state=${p.state} data-check=${p.name} aria-labelledby="${id}-label"
          aria-describedby="${id}-state" aria-busy=${p.state === 'running' ? 'true' : 'false'}>
        <span class="icon" aria-hidden="true">${ICONS[p.state]}</span>
        <div class="body">
          <h3 id="${id}-label">${LABELS[p.name]}</h3>
          <p class="state" id="${id}-state">${STATE_TEXT[p.state]}</p>
          ${o && p.state !== 'running' ? html`<p class="message">${o.message}</p>` : nothing}
          ${o && o.details.length && p.state !== 'running'
            ? html`<dl class="details">
                ${o.details.map((d) => html`<div><dt>${d.label}:</dt><dd>${d.value}</dd></div>`)}
              </dl>`
            : nothing}
          ${o?.fix && p.state === 'failed' ? html`<p part="fix" class="fix"><strong>How to fix:</strong> ${o.fix}</p>` : nothing}
        </div>
        ${p.state === 'failed'
          ? html`<button part="retry-button" type="button" aria-label="Retry ${LABELS[p.name]} check" ?disabled=${this.running}
              @click=${() => void this.retry(p.name).catch(() => {})}>Retry</button>`
          : html`<span></span>`}
      </li>
    `;
  }

  #renderCalibration() {
    const report = this.calibrationReport;
    const c = report?.calibration;
    return html`
      <section part="calibration" class="calibration" aria-labelledby="cal-title">
        <h3 id="cal-title">Room calibration</h3>
        <p>
          Stay quiet and look at the camera for ${Math.round(this.calibrationMs / 1000)} seconds. This measures your room's normal
          background noise and your lighting, so ordinary noise is not reported during the exam.
        </p>
        <div class="layout">
          <video part="preview" muted playsinline aria-label="Your camera picture" ?hidden=${!this.calibrating}></video>
          <div>
            ${this.calibrating
              ? html`<progress max=${this.calibrationMs} .value=${this.calibrationElapsed} aria-label="Calibration progress"></progress>`
              : html`<button part="calibrate-button" type="button" ?disabled=${this.running} @click=${() => void this.calibrate().catch(() => {})}>
                  ${c ? 'Calibrate again' : 'Calibrate'}
                </button>`}
            ${this.calibrationError ? html`<p class="fix">${this.calibrationError}</p>` : nothing}
            ${c && report && !this.calibrating
              ? html`<dl class="results">
                    <dt>Room noise</dt>
                    <dd>${c.noiseFloorDb <= SILENCE_DB ? 'silent' : `${c.noiseFloorDb} dBFS`} (loudest moments ${report.noiseP90Db <= SILENCE_DB ? 'silent' : `${report.noiseP90Db} dBFS`})</dd>
                    <dt>Sound threshold</dt>
                    <dd>${c.soundThresholdDb} dBFS${c.soundThresholdDb > (this.#config.value?.soundThresholdDb ?? DEFAULT_CONFIG.soundThresholdDb) ? ' (raised for your room)' : ''}</dd>
                    ${c.faceConfidence !== null
                      ? html`<dt>Face detection</dt>
                          <dd>${Math.round(c.faceConfidence * 100)}% confidence</dd>`
                      : nothing}
                    ${report.meanBrightness !== null
                      ? html`<dt>Brightness</dt>
                          <dd>${Math.round((report.meanBrightness / 255) * 100)}%</dd>`
                      : nothing}
                    <dt>Lighting</dt>
                    <dd>${c.lightingOk ? 'Good' : 'Needs improvement'}</dd>
                  </dl>
                  ${report.lightingWarning ? html`<p class="warning">${report.lightingWarning}</p>` : nothing}`
              : nothing}
          </div>
        </div>
      </section>
    `;
  }
}

/** DOM events of <eye-system-check>: `detail` is the payload from src/events.ts. */
export interface EyeSystemCheckEventMap {
  [EyeEvent.SYSTEM_CHECK_STARTED]: CustomEvent<EventPayloadMap[EyeEvent.SYSTEM_CHECK_STARTED]>;
  [EyeEvent.SYSTEM_CHECK_COMPLETED]: CustomEvent<EventPayloadMap[EyeEvent.SYSTEM_CHECK_COMPLETED]>;
  [EyeEvent.CALIBRATION_COMPLETED]: CustomEvent<EventPayloadMap[EyeEvent.CALIBRATION_COMPLETED]>;
}

declare global {
  interface HTMLElementTagNameMap {
    'eye-system-check': EyeSystemCheck;
  }
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface HTMLElementEventMap extends EyeSystemCheckEventMap {}
}
