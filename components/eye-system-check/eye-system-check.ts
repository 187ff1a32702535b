import { ContextConsumer } from '@lit/context';
import { LitElement, html, nothing } from 'lit';
import { property, query, state } from 'lit/decorators.js';
import { DEFAULT_CONFIG, type EyeConfig } from '../../src/config.js';
import { ConsentDeclinedError, consentScopeOf } from '../../src/consent.js';
import { Event as EyeEvent, type Calibration, type EventPayloadMap, type SystemCheck, type SystemCheckName } from '../../src/events.js';
import type { MessageKey, Translator } from '../../src/i18n/localize.js';
import { SILENCE_DB } from '../../src/system-check/audio-level.js';
import type { CalibrationReport, FaceSampler } from '../../src/system-check/calibration.js';
import { faceDetectorSampler } from '../../src/system-check/face-sampler.js';
import type { SpeedThresholds } from '../../src/system-check/internet-speed.js';
import { faceDetectionOptions } from '../../src/vision/face-detection-service.js';
import type { CheckDependencies as RunDeps, CheckProgress, CheckState } from '../../src/system-check/run.js';
import { ALL_CHECK_NAMES, SYSTEM_CHECK_NAMES, defaultGetUserMedia, type GetUserMedia } from '../../src/system-check/types.js';
import type { Enrollment } from '../../src/identity/enrollment.js';
import type { IdentityCheckOutcome } from '../../src/system-check/identity.js';
import { ConsentController, type ConsentOutcome } from '../controllers/consent-controller.js';
import { configContext, consentContext, eventSinkContext, mediaStreamContext } from '../controllers/contexts.js';
import { LocaleController } from '../controllers/locale-controller.js';
import { CancelScope } from '../../src/cancel-scope.js';
import type { outcomeText } from './outcome-text.js';
import { styles } from './eye-system-check.styles.js';
import { errorName } from '../../src/errors.js';

// The checks (with the words for their outcomes) and the calibration load when first run (separate
// chunks), keeping them out of the widget's eager JS: an exam page that never runs a check never
// downloads them.
const checksModule = () => Promise.all([import('../../src/system-check/run.js'), import('./outcome-text.js')]).then(([run, text]) => ({ ...run, ...text }));
const calibrationModule = () => import('../../src/system-check/calibration.js');

const STATE_KEYS: Record<CheckState, MessageKey> = {
  default: 'check.state.default',
  running: 'check.state.running',
  success: 'check.state.success',
  failed: 'check.state.failed',
};

/** Level of the room's normal sound, in words (no dBFS in candidate text). */
function roomNoiseKey(noiseP90Db: number): MessageKey {
  if (noiseP90Db <= -50) return 'cal.noise.quiet';
  if (noiseP90Db <= -35) return 'cal.noise.some';
  return 'cal.noise.loud';
}

const LIGHTING_KEYS = {
  dark: 'cal.light.dark',
  bright: 'cal.light.bright',
  'no-face': 'cal.light.noFace',
  'weak-face': 'cal.light.weakFace',
} as const satisfies Record<string, MessageKey>;

const ICONS: Record<CheckState, ReturnType<typeof html>> = {
  default: html`<svg viewBox="0 0 24 24"><circle cx="12" cy="12" r="9" /></svg>`,
  running: html`<svg viewBox="0 0 24 24"><path d="M12 3a9 9 0 1 0 9 9" /></svg>`,
  success: html`<svg viewBox="0 0 24 24"><circle cx="12" cy="12" r="9" /><path d="m7.5 12.5 3 3 6-6.5" /></svg>`,
  failed: html`<svg viewBox="0 0 24 24"><circle cx="12" cy="12" r="9" /><path d="M12 7.5v6M12 16.5v.01" /></svg>`,
};

function parseChecks(value: string | null): SystemCheckName[] {
  if (!value) return [...SYSTEM_CHECK_NAMES];
  const wanted = value.split(/[\s,]+/).filter(Boolean);
  return ALL_CHECK_NAMES.filter((n) => wanted.includes(n));
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
 * @attr checks - Which checks to run, e.g. "webcam microphone" (default: all four; add "identity" for the face enrollment step, automatic inside an <eye-proctor> with config `identity`).
 * @attr auto-start - Run the checks as soon as the element is connected.
 * @attr with-calibration - Show the room calibration (noise floor + lighting) after the checks.
 * @attr calibration-ms - How long calibration listens and looks (default 4000).
 * @attr locale - Language of the texts (BCP 47); default: the <eye-proctor> config's, else nearest `lang`, else `<html lang>`.
 * @attr consent - "external" when the LMS already collected consent. Inside <eye-proctor> its consent step is used.
 * @attr retention-days - Shown in the consent step (standalone use).
 * @attr contact - Whom to contact, shown in the consent step (standalone use).
 *
 * @fires SYSTEM_CHECK_STARTED - Checks began (also on a single retry). No payload (`detail` is null).
 * @fires SYSTEM_CHECK_COMPLETED - Checks finished. `SystemCheck`: `{ success, timestamp, data: [{ name, status, finished }] }`.
 * @fires CALIBRATION_COMPLETED - Calibration finished. `Calibration`; pass it to `proctor.init({ calibration })`.
 * @fires CONSENT_GIVEN - Standalone: the candidate agreed before the first device check. `{ version, locale, external }`.
 * @fires CONSENT_DECLINED - Standalone: the candidate did not agree; no device was opened. `{ version, locale, external }`.
 *
 * @slot consent - The institution's own consent text (standalone use).
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
  @property() locale = '';
  @property() consent: '' | 'ask' | 'external' = '';
  @property({ type: Number, attribute: 'retention-days' }) retentionDays: number | null = null;
  @property() contact: string | null = null;

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

  /** Reference photo for the identity step (default: the <eye-proctor> config's `identity.referenceImage`). */
  @property({ attribute: false }) referenceImage: Blob | string | undefined = undefined;

  /**
   * The enrollment the identity step made (null before, or after a failed step). Pass it to
   * `proctor.init({ identity: { enrollment } })` so start() does not enroll again. It never leaves the device.
   */
  identityEnrollment: Enrollment | null = null;
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
  @state() private calibrationError: MessageKey | null = null;

  /** The last SYSTEM_CHECK_COMPLETED payload, or null before the first run. */
  @state() result: SystemCheck | null = null;
  /** The last calibration with the measurements behind it, or null. */
  @state() calibrationReport: CalibrationReport | null = null;

  @query('video') private preview?: HTMLVideoElement;

  readonly #config = new ContextConsumer(this, { context: configContext, subscribe: true });
  readonly #proctorMedia = new ContextConsumer(this, { context: mediaStreamContext, subscribe: true });
  readonly #sink = new ContextConsumer(this, { context: eventSinkContext });
  /** Inside <eye-proctor>: its consent step (asked once for the check and the exam). */
  readonly #proctorConsent = new ContextConsumer(this, { context: consentContext });
  /** On its own: this element's consent step. */
  readonly #ownConsent = new ConsentController(this, (given, answer) => {
    this.#emit(given ? EyeEvent.CONSENT_GIVEN : EyeEvent.CONSENT_DECLINED, answer);
  });
  readonly #locale = new LocaleController(this);
  /** Checks and calibration run under this scope; leaving the page cancels them. */
  readonly #runs = new CancelScope();
  /** What the candidate reads for an outcome; loaded with the checks (outcomes only come from them). */
  #outcomeText: typeof outcomeText | null = null;
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
    const signal = this.#runs.signal;
    if ((await this.#ensureConsent()) !== 'given') throw new ConsentDeclinedError();
    this.calibrating = true;
    this.calibrationError = null;
    this.calibrationElapsed = 0;
    this.#announce(this.#tr.t('cal.announce.start'));
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
      const [{ calibrate }] = await Promise.all([calibrationModule(), this.updateComplete]);
      const report = await calibrate({
        stream,
        durationMs: this.calibrationMs,
        baseThresholdDb: this.#config.value?.soundThresholdDb,
        faceSampler: this.faceSampler ?? this.#defaultFaceSampler(),
        video: this.preview,
        audioContext,
        signal,
      });
      this.calibrationReport = report;
      this.#emit(EyeEvent.CALIBRATION_COMPLETED, report.calibration);
      const tr = this.#tr;
      const lighting = report.lightingIssue ? tr.t(LIGHTING_KEYS[report.lightingIssue]) : tr.t('cal.lighting') + ': ' + tr.t('cal.lighting.ok');
      this.#announce(`${tr.t('cal.announce.done')} ${lighting}`);
      return report.calibration;
    } catch (err) {
      const name = errorName(err);
      this.calibrationError =
        name === 'NotAllowedError' ? 'cal.error.blocked' : name === 'NotFoundError' ? 'cal.error.missing' : 'cal.error.failed';
      if (name !== 'AbortError') this.#announce(this.#tr.t(this.calibrationError));
      throw err;
    } finally {
      clearInterval(tick);
      if (owned && stream) for (const t of stream.getTracks()) t.stop();
      if (this.preview) this.preview.srcObject = null;
      this.calibrating = false;
    }
  }

  // ---- Lifecycle -------------------------------------------------------------------------------

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#runs.cancel();
    this.#audioContext?.close().catch(() => {});
    this.#audioContext = null;
  }

  protected override willUpdate(): void {
    // `checks` or the <eye-proctor> config (camera / microphone off) may change what is listed.
    this.#syncProgress();
    this.#locale.override = this.locale ? null : (this.#config.value?.locale ?? null);
  }

  protected override firstUpdated(): void {
    if (this.autoStart) void this.run().catch(() => {});
  }

  // ---- Internals -------------------------------------------------------------------------------

  /** Checks to run: the `checks` property, minus devices the <eye-proctor> config switched off. */
  #activeChecks(): SystemCheckName[] {
    const config: EyeConfig | null | undefined = this.#config.value;
    const names = this.checks.filter(
      (n) => !(n === 'webcam' && config?.camera === false) && !(n === 'microphone' && config?.microphone === false) && !(n === 'identity' && config?.camera === false),
    );
    // Inside an <eye-proctor> whose config turns identity on, the identity step is part of the check.
    if (config?.identity && config.camera && !names.includes('identity')) names.push('identity');
    return names;
  }

  #identityOptions(): RunDeps['identity'] {
    const config = this.#config.value;
    return {
      assetsBaseUrl: this.#assetsBaseUrl(),
      detectionFps: config?.detectionFps ?? DEFAULT_CONFIG.detectionFps,
      minFaceConfidence: config?.minFaceConfidence ?? DEFAULT_CONFIG.minFaceConfidence,
      samples: config?.identityEnrollmentSamples ?? DEFAULT_CONFIG.identityEnrollmentSamples,
      threshold: config?.identityMatchThreshold ?? DEFAULT_CONFIG.identityMatchThreshold,
      referenceImage: this.referenceImage ?? (config?.identity ? config.identity.referenceImage : undefined),
    };
  }

  #assetsBaseUrl(): string | null {
    const relay = this.#relayUrl();
    return this.assetsBaseUrl || this.#config.value?.assetsBaseUrl || (relay ? `${relay.replace(/\/+$/, '')}/assets/mediapipe` : null);
  }

  #syncProgress(): void {
    const active = this.#activeChecks();
    if (active.join() === this.progress.map((p) => p.name).join()) return;
    const known = new Map(this.progress.map((p) => [p.name, p]));
    this.progress = active.map((name) => known.get(name) ?? { name, state: 'default', outcome: null });
  }

  #defaultFaceSampler(): FaceSampler {
    const config = this.#config.value;
    return faceDetectorSampler(
      faceDetectionOptions({
        assetsBaseUrl: this.#assetsBaseUrl(),
        detectionFps: config?.detectionFps ?? DEFAULT_CONFIG.detectionFps,
        minFaceConfidence: config?.minFaceConfidence ?? DEFAULT_CONFIG.minFaceConfidence,
      }),
    );
  }

  get #tr(): Translator {
    return this.#locale.tr;
  }

  /**
   * Consent before any device is opened: inside <eye-proctor> its step (asked once for check and
   * exam), on its own this element's. A stream the host already opened needs no consent from us.
   */
  #ensureConsent(): Promise<ConsentOutcome> {
    if (this.mediaStream) return Promise.resolve('given');
    const gate = this.#proctorConsent.value;
    if (gate) return gate.ensure();
    const config = this.#config.value;
    return this.#ownConsent.ensure({
      mode: this.consent || config?.consent || 'ask',
      scope: { ...consentScopeOf({ camera: this.checks.includes('webcam'), microphone: this.checks.includes('microphone') }), tabFocus: false, fullscreen: false, snapshotIntervalMs: 0 },
      locale: this.#tr.tag,
      version: config?.consentVersion ?? null,
      retentionDays: this.retentionDays ?? config?.retentionDays ?? null,
      contact: this.contact ?? config?.contact ?? null,
    });
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
    const signal = this.#runs.signal;
    this.#syncProgress();
    const opensDevices = names.some((n) => n === 'webcam' || n === 'microphone');
    if (opensDevices && !this.#sharedStream() && (await this.#ensureConsent()) !== 'given') throw new ConsentDeclinedError();
    const audioContext = names.includes('microphone') ? this.#audio() : undefined;
    this.running = true;
    for (const name of names) this.#setState(name, 'default');
    this.#emit(EyeEvent.SYSTEM_CHECK_STARTED, undefined);
    let toSystemCheck: (typeof import('../../src/system-check/run.js'))['toSystemCheck'];
    try {
      const checks = await checksModule();
      toSystemCheck = checks.toSystemCheck;
      this.#outcomeText = checks.outcomeText;
      for (const name of names) {
        this.#setState(name, 'running');
        this.#announce(this.#tr.t('check.announce.running', { check: this.#label(name) }));
        const outcome = await checks.runCheck(name, {
          relayUrl: this.#relayUrl(),
          stream: this.#sharedStream(),
          getUserMedia: this.getUserMedia,
          audioContext,
          speed: { thresholds: this.thresholds },
          webcam: { minWidth: this.minResolution.width, minHeight: this.minResolution.height },
          identity: name === 'identity' ? this.#identityOptions() : undefined,
          signal,
        });
        if (name === 'identity') this.identityEnrollment = (outcome as IdentityCheckOutcome).enrollment ?? null;
        this.#setState(name, outcome.status, outcome);
        const tr = this.#tr;
        this.#announce(
          outcome.status === 'success'
            ? tr.t('check.announce.ok', { check: this.#label(name) })
            : tr.t('check.announce.failed', { check: this.#label(name), message: checks.outcomeText(outcome, tr).message }),
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
    const tr = this.#tr;
    if (result.success) return tr.t('check.summary.ok');
    const bad = result.data.filter((d) => d.status === 'failed').map((d) => this.#label(d.name));
    return tr.t('check.summary.failed', { checks: tr.list(bad) });
  }

  #label(name: SystemCheckName): string {
    return this.#tr.t(`check.name.${name}`);
  }

  #announce(text: string): void {
    this.announcement = text;
  }

  /**
   * Inside <eye-proctor> the event goes on the widget's bus, which re-dispatches it from
   * <eye-proctor> (bubbling, composed) and feeds `on()`; listeners on this element still get a
   * non-bubbling copy. On its own, the element dispatches it bubbling and composed.
   */
  #emit<
    K extends
      | EyeEvent.SYSTEM_CHECK_STARTED
      | EyeEvent.SYSTEM_CHECK_COMPLETED
      | EyeEvent.CALIBRATION_COMPLETED
      | EyeEvent.CONSENT_GIVEN
      | EyeEvent.CONSENT_DECLINED,
  >(
    type: K,
    payload: EventPayloadMap[K],
  ): void {
    const sink = this.#sink.value;
    this.dispatchEvent(new CustomEvent(type, { detail: payload, bubbles: !sink, composed: !sink }));
    sink?.emit(type, payload);
  }

  // ---- Rendering -------------------------------------------------------------------------------

  /** Also waits for the candidate's language when its texts are still loading (see LocaleController). */
  protected override async getUpdateComplete(): Promise<boolean> {
    return this.#locale.settled(await super.getUpdateComplete());
  }

  protected override render() {
    const tr = this.#tr;
    const done = this.result !== null && !this.running;
    return html`
      <section part="card" class="card" aria-labelledby="title" lang=${tr.tag} dir=${tr.dir}>
        <h2 id="title">${tr.t('check.title')}</h2>
        <p class="intro">${tr.t('check.intro')}</p>
        ${this.#ownConsent.render()}
        <ol aria-label=${tr.t('check.list')}>
          ${this.progress.map((p) => this.#renderCheck(p))}
        </ol>
        <div class="actions">
          <button part="run-button" class="primary" type="button" ?disabled=${this.running} @click=${() => void this.run().catch(() => {})}>
            ${this.running ? this.#runningLabel() : done ? tr.t('check.again') : tr.t('check.start')}
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
    return current < 0 ? this.#tr.t('check.state.running') : this.#tr.t('check.progress', { current: current + 1, total: this.progress.length });
  }

  #renderCheck(p: CheckProgress) {
    const tr = this.#tr;
    const id = `check-${p.name}`;
    const o = p.outcome;
    const text = o && p.state !== 'running' ? this.#outcomeText?.(o, tr) : null;
    return html`
      <li part="check check-${p.name}" class="check" data-state=${p.state} data-check=${p.name} aria-labelledby="${id}-label"
          aria-describedby="${id}-state" aria-busy=${p.state === 'running' ? 'true' : 'false'}>
        <span class="icon" aria-hidden="true">${ICONS[p.state]}</span>
        <div class="body">
          <h3 id="${id}-label">${this.#label(p.name)}</h3>
          <p class="state" id="${id}-state">${tr.t(STATE_KEYS[p.state])}</p>
          ${text ? html`<p class="message">${text.message}</p>` : nothing}
          ${text?.fix && p.state === 'failed' ? html`<p part="fix" class="fix"><strong>${tr.t('check.fix')}</strong> ${text.fix}</p>` : nothing}
        </div>
        ${p.state === 'failed'
          ? html`<button part="retry-button" type="button" aria-label=${tr.t('check.retry.label', { check: this.#label(p.name) })} ?disabled=${this.running}
              @click=${() => void this.retry(p.name).catch(() => {})}>${tr.t('check.retry')}</button>`
          : html`<span></span>`}
      </li>
    `;
  }

  #renderCalibration() {
    const tr = this.#tr;
    const report = this.calibrationReport;
    const c = report?.calibration;
    const baseThreshold = this.#config.value?.soundThresholdDb ?? DEFAULT_CONFIG.soundThresholdDb;
    return html`
      <section part="calibration" class="calibration" aria-labelledby="cal-title">
        <h3 id="cal-title">${tr.t('cal.title')}</h3>
        <p>${tr.t('cal.text', { duration: tr.duration(Math.round(this.calibrationMs / 1000) * 1000) })}</p>
        <div class="layout">
          <video part="preview" muted playsinline aria-label=${tr.t('cal.preview')} ?hidden=${!this.calibrating}></video>
          <div>
            ${this.calibrating
              ? html`<progress max=${this.calibrationMs} .value=${this.calibrationElapsed} aria-label=${tr.t('cal.progress')}></progress>`
              : html`<button part="calibrate-button" type="button" ?disabled=${this.running} @click=${() => void this.calibrate().catch(() => {})}>
                  ${c ? tr.t('cal.again') : tr.t('cal.start')}
                </button>`}
            ${this.calibrationError ? html`<p class="fix">${tr.t(this.calibrationError)}</p>` : nothing}
            ${report && c && !this.calibrating
              ? html`<dl class="results">
                    <dt>${tr.t('cal.noise')}</dt>
                    <dd>${tr.t(report.noiseP90Db <= SILENCE_DB ? 'cal.noise.quiet' : roomNoiseKey(report.noiseP90Db))}</dd>
                    <dt>${tr.t('cal.sensitivity')}</dt>
                    <dd>${tr.t(c.soundThresholdDb > baseThreshold ? 'cal.sensitivity.adjusted' : 'cal.sensitivity.standard')}</dd>
                    ${c.faceConfidence !== null
                      ? html`<dt>${tr.t('cal.face')}</dt>
                          <dd>${tr.t('cal.face.value', { percent: tr.percent(c.faceConfidence) })}</dd>`
                      : nothing}
                    ${report.meanBrightness !== null
                      ? html`<dt>${tr.t('cal.brightness')}</dt>
                          <dd>${tr.percent(report.meanBrightness / 255)}</dd>`
                      : nothing}
                    <dt>${tr.t('cal.lighting')}</dt>
                    <dd>${tr.t(c.lightingOk ? 'cal.lighting.ok' : 'cal.lighting.bad')}</dd>
                  </dl>
                  ${report.lightingIssue ? html`<p class="warning">${tr.t(LIGHTING_KEYS[report.lightingIssue])}</p>` : nothing}`
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
  interface HTMLElementEventMap extends EyeSystemCheckEventMap {}
}
