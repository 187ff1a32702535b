import { ContextProvider } from '@lit/context';
import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { property, query } from 'lit/decorators.js';
import { DEFAULT_CONFIG, validateConfig, type EyeConfig, type EyeConfigInput } from '../../src/config.js';
import { ConsentDeclinedError, consentScopeOf } from '../../src/consent.js';
import { FACE_PROBLEM_KEYS } from '../../src/i18n/face-problems.js';
import type { createDetectors } from '../../src/detectors/index.js';
import { isFullscreen } from '../../src/detectors/fullscreen.js';
import { CancelScope, isAborted } from '../../src/cancel-scope.js';
import { EyeEventBus, type EyeListener } from '../../src/event-bus.js';
import { EyeEvent, type EventName, type EventPayloadByName, type EventPayloadMap } from '../../src/events.js';
import type { MessageKey, Translator } from '../../src/i18n/localize.js';
import { RelayLink, type RelayStatus } from '../../src/transport/relay-link.js';
import { WidgetStore, isActive, monitoringOf, type ProctorPhase } from '../../src/widget-state.js';
import { distinctUntilChanged, map } from 'rxjs';
import { createFlagFactory, type FlagFactory } from '../../src/flags.js';
import { faceDetectionOptions } from '../../src/vision/face-detection-service.js';
import { discardPreloadedFaceEngine, preloadFaceEngine } from '../../src/vision/face-engine-preload.js';
import type { IdentitySession, IdentityStatus } from '../../src/identity/identity-session.js';
import { ConsentController, type ConsentOutcome } from '../controllers/consent-controller.js';
import { configContext, consentContext, eventSinkContext, eventsContext, widgetStateContext } from '../controllers/contexts.js';
import { MediaController } from '../controllers/media-controller.js';
import { MonitoringController } from '../controllers/monitoring-controller.js';
import { ObservableController } from '../controllers/observable-controller.js';
import { RelayController } from '../controllers/relay-controller.js';
import { LocaleController } from '../controllers/locale-controller.js';
import { whenLeft } from '../controllers/when-left.js';
import { styles } from './eye-proctor.styles.js';
import { errorMessage } from '../../src/errors.js';

/** Longest `init()` waits for the face engine it preloads (wasm + model on a slow connection). */
export const ENGINE_PRELOAD_WAIT_MS = 15_000;

export type { ProctorPhase } from '../../src/widget-state.js';

/** The detectors: loaded by init() (or start()), so a page that never monitors never loads them. */
const detectorsModule = () => import('../../src/detectors/index.js');

/**
 * The catalog key of what the candidate reads for a flag (src/i18n: `warning.<FLAG>`, or a
 * calm generic line for flags without their own text); the relay gets the neutral FLAG_DESCRIPTIONS.
 */
function warningKey(type: string, tr: Translator): MessageKey {
  const key = `warning.${type}`;
  return tr.has(key) ? key : 'warning.other';
}

/**
 * The proctoring widget. Configure with `init(config)`, then `start()` and `end()`; every event is
 * available three ways: `on(name, cb)`, a DOM CustomEvent named after the event (bubbling,
 * composed, `detail` = payload), and the `events$` Observable. Children (e.g. <eye-camera-preview>,
 * <eye-system-check>) get the media stream, config and events through `@lit/context`
 * (see components/controllers/contexts.ts).
 *
 * @summary Monitors an online exam on the candidate's device and reports flags.
 *
 * @attr exam-id - Exam identifier copied into every flag (config `examId`).
 * @attr candidate-id - Candidate identifier copied into every flag (config `candidateId`).
 * @attr relay-url - Relay base URL (config `relayUrl`).
 * @attr session-token - Session token from `POST /v1/sessions` (config `sessionToken`).
 * @attr session-id - Relay session id (config `sessionId`).
 * @attr assets-base-url - Where MediaPipe wasm + face model are served (config `assetsBaseUrl`).
 * @attr consent - "external" when the LMS already collected consent (config `consent`); default: the widget asks.
 * @attr locale - Language of every candidate-facing text (config `locale`); default: nearest `lang`, else `<html lang>`.
 *
 * @fires STARTED - Monitoring began. No payload.
 * @fires END_PROCTORING - Monitoring ended; nothing runs afterwards. No payload.
 * @fires SET_CONFIG - `init()` accepted a config. `{ config }` (the validated, complete config).
 * @fires FULLSCREEN_CHANGE - Fullscreen toggled. `{ fullscreen }`.
 * @fires EXIT_FULLSCREEN - The candidate left fullscreen. FlagData (`details.countThisSession`, `details.durationMs` in fullscreen).
 * @fires TAB_FOCUS_CHANGE - Page focus changed. `{ focused }`, plus `awayMs` on return.
 * @fires TAB_NOT_FOCUS - The candidate switched tab or window. FlagData (`details.countThisSession`).
 * @fires FACE_ABSENCE - No face for `faceAbsenceMs`. FlagDataWithFile (JPEG).
 * @fires MULTIPLE_FACE - Two or more faces. FlagDataWithFile (JPEG).
 * @fires PERIODIC_SNAPSHOT - Every `snapshotIntervalMs`. FlagDataWithFile (JPEG).
 * @fires SOUND_DETECTED - Sound above threshold for `soundMinMs`. FlagDataWithFile (audio clip).
 * @fires SYSTEM_CHECK_STARTED - System check began. No payload.
 * @fires SYSTEM_CHECK_COMPLETED - System check finished. SystemCheck.
 * @fires DEVTOOLS_OPEN - Developer tools seem open (heuristic, off by default). FlagData.
 * @fires CAMERA_LOST - The camera stopped or detection stalled. FlagData.
 * @fires MICROPHONE_LOST - The microphone stopped. FlagData.
 * @fires CALIBRATION_COMPLETED - Calibration finished. Calibration.
 * @fires PAUSED - Monitoring paused (e.g. by the relay). `{ reason }`.
 * @fires RESUMED - Monitoring resumed. No payload.
 * @fires RELAY_REJECTED - The relay refused a message for good (e.g. 413 too large, 409 session over); it was removed from the outbox. RelayRejection `{ id, type, kind, sessionId, status, code, message, attempts }`.
 * @fires IDENTITY_ENROLLED - The candidate's face was enrolled (config `identity`). FlagDataWithFile (JPEG); `details.confidence` + `details.referenceMatch` when a reference image was given.
 * @fires FACE_MISMATCH - The face is not the enrolled candidate's (k of m checks). FlagDataWithFile (JPEG); `details.confidence` = similarity 0..1, `details.reEnrolled`.
 * @fires IDENTITY_UNAVAILABLE - The identity model could not load or run; monitoring goes on without it. FlagData (`details.reason`).
 * @fires CONSENT_GIVEN - The candidate agreed (or the host declared consent external). `{ version, locale, external }`.
 * @fires CONSENT_DECLINED - The candidate did not agree; `start()` rejects with ConsentDeclinedError. `{ version, locale, external }`.
 *
 * @slot - Elements that use the widget's services, e.g. <eye-camera-preview>, <eye-system-check>.
 * @slot consent - The institution's own consent text, replacing the built-in explanation.
 *
 * @csspart status - The status indicator (role=status).
 * @csspart status-icon - The eye icon in the indicator.
 * @csspart status-label - "Monitoring on" / "off" / "paused".
 * @csspart status-warning - The last warning shown to the candidate.
 * @csspart identity-status - What the candidate should fix while their face is being enrolled.
 * @csspart relay-status - The link to the relay when it needs the candidate's attention (offline, retrying, paused by the proctor).
 * @csspart fullscreen-prompt - The dialog asking to return to fullscreen (`requireFullscreen`).
 * @csspart fullscreen-button - Its button.
 *
 * @cssprop --eye-font-family - Font of the indicator and prompt.
 * @cssprop --eye-radius - Corner radius.
 * @cssprop --eye-status-bg - Indicator background.
 * @cssprop --eye-status-fg - Indicator text colour.
 * @cssprop --eye-status-border - Indicator border colour.
 * @cssprop --eye-status-on - Accent while monitoring runs.
 * @cssprop --eye-status-off - Accent while monitoring is off.
 * @cssprop --eye-status-paused - Accent while paused.
 * @cssprop --eye-warning-fg - Warning text colour.
 * @cssprop --eye-accent - Prompt button background.
 * @cssprop --eye-accent-fg - Prompt button text colour.
 */
export class EyeProctor extends LitElement {
  static override styles = styles;

  // ---- Attributes (the base config; `init(config)` overrides) -------------------------------
  @property({ attribute: 'exam-id' }) examId = '';
  @property({ attribute: 'candidate-id' }) candidateId = '';
  @property({ attribute: 'relay-url' }) relayUrl = '';
  @property({ attribute: 'session-token' }) sessionToken = '';
  @property({ attribute: 'session-id' }) sessionId = '';
  @property({ attribute: 'assets-base-url' }) assetsBaseUrl = '';
  @property() consent: '' | 'ask' | 'external' = '';
  @property() locale = '';

  /** A stream the host already opened; the widget uses it instead of asking and never stops it. */
  @property({ attribute: false }) mediaStream: MediaStream | null = null;

  // ---- Event bus ------------------------------------------------------------------------------
  readonly #bus = new EyeEventBus();

  /** Every event, as one hot Observable (subscribe before `init()` to see everything). */
  readonly events$ = this.#bus.events$;

  // ---- State, services for children (@lit/context) and lifecycle controllers ----------------
  /** The one state of the widget (phase, config, last warning); only this element writes it. */
  readonly #store = new WidgetStore();
  /** Re-renders on every state change while connected. */
  readonly #state = new ObservableController(this, this.#store.state$, this.#store.value);
  readonly #config$ = this.#store.state$.pipe(
    map((s) => s.config),
    distinctUntilChanged(),
  );
  readonly #configProvider = new ContextProvider(this, { context: configContext, initialValue: null });
  readonly #media = new MediaController(this);
  readonly #monitoring = new MonitoringController(this, this.#bus);
  /** Sends flags + lifecycle events to the relay (durable outbox) and obeys its directives. */
  readonly #relayLink = new RelayLink(
    this.events$,
    this.#config$,
    {
      pause: (reason) => { this.pause(reason); },
      resume: () => { this.resume(); },
      end: () => this.end(),
      emit: (type, payload) => { this.emit(type, payload); },
      reEnroll: () => { this.reEnroll(); },
    },
    RelayController.defaults,
  );
  readonly #relay = new RelayController(this, this.#relayLink);
  readonly #locale = new LocaleController(this);
  /** The consent step: nothing opens a device before it resolves 'given'. */
  readonly #consent = new ConsentController(this, (given, answer) => {
    this.emit(given ? EyeEvent.CONSENT_GIVEN : EyeEvent.CONSENT_DECLINED, answer);
  });

  #flag: FlagFactory | null = null;
  /** From the detectors module, once start() has loaded it. */
  #createDetectors: typeof createDetectors | null = null;
  /** Cancelled by end() so a start() still waiting (consent, devices, identity) drops its result. */
  readonly #starts = new CancelScope();
  /** Enrollment + face matching for this monitoring session (config `identity`), or null. */
  #identity: IdentitySession | null = null;
  /** Latest SYSTEM_CHECK_COMPLETED from <eye-system-check> (inside or below this element) succeeded. */
  #systemCheckPassed = false;

  @query('dialog') private promptDialog?: HTMLDialogElement;

  constructor() {
    super();
    new ContextProvider(this, { context: widgetStateContext, initialValue: this.#store.state$ });
    new ContextProvider(this, { context: eventsContext, initialValue: this.events$ });
    this.#config$.subscribe((config) => { this.#configProvider.setValue(config); });
    // The state follows the widget's own events (warnings, fullscreen) before any listener sees them.
    this.events$.subscribe((e) => { this.#store.apply(e); });
    new ContextProvider(this, { context: eventSinkContext, initialValue: { emit: (t, p) => { this.emit(t, p); } } });
    new ContextProvider(this, { context: consentContext, initialValue: { ensure: () => this.#ensureConsent() } });
    // Every event is also a DOM event named after it (bubbling, crossing shadow roots).
    this.events$.subscribe(({ type, payload }) =>
      this.dispatchEvent(new CustomEvent(type, { detail: payload, bubbles: true, composed: true })),
    );
    // requireSystemCheck: children report through the bus (re-dispatched here) or bubble to us.
    // A child's event carries a SystemCheck; a bare Event of that name (no detail) does not count as passed.
    this.addEventListener(EyeEvent.SYSTEM_CHECK_COMPLETED, (e: Event) => {
      const detail: unknown = 'detail' in e ? e.detail : undefined;
      this.#systemCheckPassed = typeof detail === 'object' && detail !== null && 'success' in detail && detail.success === true;
    });
  }

  /** True once a system check completed successfully (the latest one counts). */
  get systemCheckPassed(): boolean {
    return this.#systemCheckPassed;
  }

  // ---- Public API -----------------------------------------------------------------------------

  get phase(): ProctorPhase {
    return this.#store.value.phase;
  }

  /** The validated config (after `init()`), or null. */
  get config(): EyeConfig | null {
    return this.#store.value.config;
  }

  /** The link to the relay: outbox state, messages pending, last directive. */
  get relayStatus(): RelayStatus {
    return this.#relayLink.status;
  }

  /** Resolves when every event emitted so far has reached the relay (or a refused token holds them); waits while the relay is unreachable. */
  flushRelay(): Promise<void> {
    return this.#relayLink.flush();
  }

  /** Identity checking: state (loading, enrolling, checking, unavailable), what the candidate should fix, last similarity. */
  get identityStatus(): IdentityStatus {
    return this.#identity?.status$.value ?? { state: 'off', message: null, lastSimilarity: null, checks: 0 };
  }

  /**
   * Enrolls the candidate's face again (the relay's `re-enroll` directive calls this; hosts may
   * too). Later FACE_MISMATCH flags carry `details.reEnrolled: true`. No-op when identity is off.
   */
  reEnroll(): void {
    this.#identity?.requestReEnrollment();
  }

  /** The camera/microphone stream while monitoring runs. */
  get activeMediaStream(): MediaStream | null {
    return this.#media.stream;
  }

  /** Calls `listener` with the payload of every `type` event; returns the unsubscribe function. */
  on<K extends EventName>(type: K, listener: EyeListener<K>): () => void {
    return this.#bus.on(type, listener);
  }

  /**
   * Puts an event on the widget's bus (DOM event, `on()`, `events$`). For the widget's own parts:
   * child elements, detectors' helpers, the relay transport. Hosts only listen.
   * @internal
   */
  emit<K extends EyeEvent>(type: K, payload: EventPayloadMap[K]): void {
    this.#bus.emit(type, payload);
  }

  /**
   * Validates `config` (attributes are the base, `config` wins), emits SET_CONFIG and, with the
   * camera on, loads the face detection engine (wasm + model), so that `start()` analyses the
   * first camera frame instead of waiting seconds for the engine. Resolves once the engine is
   * ready, failed (monitoring retries it and reports CAMERA_LOST) or after at most
   * `ENGINE_PRELOAD_WAIT_MS`, whichever comes first (the load goes on in the background).
   * @throws EyeConfigError listing every problem, e.g. `Invalid Eye config: examId is required`.
   */
  async init(config: EyeConfigInput = {}): Promise<EyeConfig> {
    if (isActive(this.phase)) throw new Error('eye-proctor: init() while monitoring runs; call end() first');
    const validated = validateConfig(config, this.#attributeConfig());
    this.#locale.override = validated.locale;
    this.#consent.reset(); // a new config may monitor more: ask again
    this.#store.set({ config: validated, phase: 'ready' });
    this.emit(EyeEvent.SET_CONFIG, { config: { ...validated } });
    await this.#locale.ready(); // the candidate's language is there before start() shows anything
    void detectorsModule().catch(() => {}); // start() loads it again and reports a failure
    if (validated.camera) await this.#preloadFaceEngine(validated);
    return validated;
  }

  /**
   * Shows the consent step unless consent is in force or `external` (emits CONSENT_GIVEN /
   * CONSENT_DECLINED), then opens camera/microphone (per config, or adopts `mediaStream`), emits
   * STARTED and starts every detector. Calls `init()` with the attributes when it was not called. No-op while running.
   * @throws MediaAcquisitionError when a device cannot be opened (nothing is left running).
   * @throws Error when `requireSystemCheck` is set and no system check has passed yet.
   * @throws ConsentDeclinedError when the candidate does not agree in the consent step (nothing was opened).
   */
  async start(): Promise<void> {
    if (isActive(this.phase)) return;
    const config = this.config ?? (await this.init());
    if (config.requireSystemCheck && !this.#systemCheckPassed) {
      throw new Error('eye-proctor: start() needs a passing system check first (config.requireSystemCheck); run <eye-system-check> inside <eye-proctor>');
    }
    const signal = this.#starts.signal;
    this.#setPhase('consent');
    const consent = await this.#ensureConsent();
    if (isAborted(signal)) return; // end() was called while the step was shown
    if (consent !== 'given') {
      this.#setPhase('ready');
      throw new ConsentDeclinedError();
    }
    this.#setPhase('starting');
    try {
      await this.#media.acquire({ camera: config.camera, microphone: config.microphone }, this.mediaStream);
    } catch (err) {
      if (!isAborted(signal)) this.#setPhase('ready');
      throw err;
    }
    if (isAborted(signal)) return; // end() was called while the browser was asking
    this.#flag = createFlagFactory(config);
    let identityProblem: string | null;
    try {
      [identityProblem, { createDetectors: this.#createDetectors }] = await Promise.all([this.#startIdentity(config), detectorsModule()]);
    } catch (err) {
      // The detectors' code could not be loaded (network): nothing is left running.
      if (!isAborted(signal)) {
        this.#identity?.close();
        this.#identity = null;
        this.#media.release();
        this.#setPhase('ready');
      }
      throw err;
    }
    if (isAborted(signal)) return; // end() was called meanwhile
    this.#setPhase('running');
    this.emit(EyeEvent.STARTED, undefined);
    if (identityProblem) this.emit(EyeEvent.IDENTITY_UNAVAILABLE, this.#flag(EyeEvent.IDENTITY_UNAVAILABLE, undefined, { reason: identityProblem }));
    this.#startDetectors();
  }

  /** Stops every detector, releases every device it opened, then emits END_PROCTORING (last event). */
  end(): Promise<void> {
    // Ends synchronously; the promise is the API (and a throw becomes its rejection).
    return new Promise((resolve) => {
      this.#end();
      resolve();
    });
  }

  #end(): void {
    const wasMonitoring = this.phase === 'running' || this.phase === 'paused';
    if (!isActive(this.phase)) return;
    this.#starts.cancel();
    this.#consent.cancel();
    this.#monitoring.stop();
    this.#identity?.close();
    this.#identity = null;
    this.#media.release();
    discardPreloadedFaceEngine(); // the engine monitoring gave back: nothing will take it now
    this.#setPhase('ended');
    if (wasMonitoring) this.emit(EyeEvent.END_PROCTORING, undefined);
  }

  /** Stops the detectors but keeps the devices open; emits PAUSED. For relay directives. */
  pause(reason = 'paused'): void {
    if (this.phase !== 'running') return;
    this.#monitoring.stop();
    this.#setPhase('paused');
    this.emit(EyeEvent.PAUSED, { reason });
  }

  /** Restarts the detectors after `pause()`; emits RESUMED. Flag counts continue. */
  resume(): void {
    if (this.phase !== 'paused') return;
    this.#setPhase('running');
    this.emit(EyeEvent.RESUMED, undefined);
    this.#startDetectors();
  }

  // ---- Lifecycle ------------------------------------------------------------------------------

  override connectedCallback(): void {
    super.connectedCallback();
    this.#relayLink.connect();
  }

  override disconnectedCallback(): void {
    // Leaving the DOM ends the session; moving the element (remove + append in the same task) does
    // not. Scheduled before the controllers' own checks so that END_PROCTORING comes first.
    whenLeft(this, () => { this.#leave(); });
    // An engine init() loaded for a start() that never came (a running one was taken already).
    // Now, not later: the preload is page-wide, and a later discard could hit another widget's.
    discardPreloadedFaceEngine();
    super.disconnectedCallback();
  }

  #leave(): void {
    void this.end(); // END_PROCTORING, sent by the link before it lets go
    this.#relayLink.disconnect();
  }

  protected override updated(changed: PropertyValues): void {
    super.updated(changed);
    this.#syncFullscreenPrompt();
  }

  // ---- Internals ------------------------------------------------------------------------------

  #setPhase(phase: ProctorPhase): void {
    this.#store.set({ phase });
  }

  async #preloadFaceEngine(config: EyeConfig): Promise<void> {
    const loaded = preloadFaceEngine(faceDetectionOptions(config)).then(
      () => {},
      (err: unknown) => {
        console.warn('[eye-proctor] face detection engine failed to load during init(); monitoring retries it', err);
      },
    );
    let timer: ReturnType<typeof setTimeout> | undefined;
    const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, ENGINE_PRELOAD_WAIT_MS)));
    await Promise.race([loaded, waited]);
    clearTimeout(timer);
  }

  #attributeConfig(): Partial<EyeConfig> {
    const base: Partial<EyeConfig> = {};
    if (this.examId) base.examId = this.examId;
    if (this.candidateId) base.candidateId = this.candidateId;
    if (this.relayUrl) base.relayUrl = this.relayUrl;
    if (this.sessionToken) base.sessionToken = this.sessionToken;
    if (this.sessionId) base.sessionId = this.sessionId;
    if (this.assetsBaseUrl) base.assetsBaseUrl = this.assetsBaseUrl;
    if (this.consent) base.consent = this.consent;
    if (this.locale) base.locale = this.locale;
    return base;
  }

  /** The consent step for the config in force (attributes + defaults before `init()`). */
  #ensureConsent(): Promise<ConsentOutcome> {
    const config = this.config ?? { ...DEFAULT_CONFIG, ...this.#attributeConfig() };
    return this.#consent.ensure({
      mode: config.consent,
      scope: consentScopeOf(config),
      locale: this.#locale.tr.tag,
      version: config.consentVersion ?? null,
      retentionDays: config.retentionDays ?? null,
      contact: config.contact ?? null,
    });
  }

  /** Identity code (and its worker) is loaded only when config `identity` is on: outside the widget's JS budget. */
  async #startIdentity(config: EyeConfig): Promise<string | null> {
    this.#identity?.close();
    this.#identity = null;
    if (!config.identity || !config.camera) return null;
    let IdentitySession: typeof import('../../src/identity/identity-session.js').IdentitySession;
    try {
      ({ IdentitySession } = await import('../../src/identity/identity-session.js'));
    } catch (err) {
      // A missing chunk (bundle deployed without it, network): monitoring goes on without identity.
      console.error('[eye-proctor] identity code could not load:', err);
      return `identity code could not load: ${errorMessage(err).slice(0, 200)}`;
    }
    const identity = new IdentitySession(config, undefined, config.identity.enrollment ?? null);
    identity.status$.subscribe(() => { this.requestUpdate(); });
    this.#identity = identity;
    return null;
  }

  #startDetectors(): void {
    const config = this.config;
    const flag = this.#flag;
    const create = this.#createDetectors;
    if (!config || !flag || !create) throw new Error('eye-proctor: detectors started before start() set the config');
    const detectors = create(config);
    if (this.#identity) detectors.push(this.#identity.detector);
    this.#monitoring.start(detectors, {
      config,
      flag,
      media: this.#media.stream,
      window,
      document,
    });
  }

  #syncFullscreenPrompt(): void {
    const dialog = this.promptDialog;
    if (!dialog) return;
    const visible = this.#fullscreenPromptVisible();
    if (visible && !dialog.open && this.isConnected) dialog.showModal();
    if (!visible && dialog.open) dialog.close();
  }

  /** `requireFullscreen`: while monitoring runs outside fullscreen, a prompt asks to go back (its button is the user gesture). */
  #fullscreenPromptVisible(): boolean {
    const { config, phase } = this.#state.value;
    return config?.requireFullscreen === true && phase === 'running' && !isFullscreen(document);
  }

  // ---- Rendering ------------------------------------------------------------------------------

  /** Also waits for the candidate's language when its texts are still loading (see LocaleController). */
  protected override async getUpdateComplete(): Promise<boolean> {
    return this.#locale.settled(await super.getUpdateComplete());
  }

  protected override render() {
    const tr = this.#locale.tr;
    return html`<div class="root" lang=${tr.tag} dir=${tr.dir}>
        ${this.#renderStatus()}${this.#consent.render()}${this.#renderFullscreenPrompt()}
      </div>
      <slot></slot>`;
  }

  #renderStatus() {
    const tr = this.#locale.tr;
    const { phase, lastWarning } = this.#state.value;
    const state = monitoringOf(phase);
    const label = tr.t(state === 'on' ? 'status.on' : state === 'paused' ? 'status.paused' : 'status.off');
    return html`
      <div part="status" class="status" data-state=${state} role="status" aria-live="polite" aria-label=${tr.t('status.region')}>
        <svg part="status-icon" class="icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
          <path d="M12 5C6.5 5 2.7 9.1 1.5 12c1.2 2.9 5 7 10.5 7s9.3-4.1 10.5-7C21.3 9.1 17.5 5 12 5Z" />
          <circle cx="12" cy="12" r="3.2" />
        </svg>
        <span part="status-label" class="label">${label}</span>
        ${lastWarning
          ? html`<span part="status-warning" class="warning"
              >${tr.t(warningKey(lastWarning.type, tr))}
              <time datetime=${lastWarning.at.toISOString()}>${tr.time(lastWarning.at)}</time></span
            >`
          : nothing}
        ${this.#renderIdentityStatus()}
        ${this.#relay.renderStatus(tr, phase === 'paused')}
      </div>
    `;
  }

  #renderFullscreenPrompt() {
    if (!this.#state.value.config?.requireFullscreen) return nothing;
    const tr = this.#locale.tr;
    return html`
      <dialog
        part="fullscreen-prompt"
        class="prompt"
        aria-labelledby="eye-fs-title"
        aria-describedby="eye-fs-text"
        @cancel=${(e: Event) => { e.preventDefault(); }}
      >
        <h2 id="eye-fs-title">${tr.t('fullscreen.title')}</h2>
        <p id="eye-fs-text">${tr.t('fullscreen.text')}</p>
        <button part="fullscreen-button" type="button" @click=${() => void this.#enterFullscreen()}>
          ${tr.t('fullscreen.button')}
        </button>
      </dialog>
    `;
  }

  #renderIdentityStatus() {
    const { state, problem } = this.identityStatus;
    if (state !== 'loading' && state !== 'enrolling') return nothing;
    const tr = this.#locale.tr;
    const text = tr.t(problem ? FACE_PROBLEM_KEYS[problem].message : 'identity.checking');
    return html`<span part="identity-status" class="identity-status" data-state=${state}>${text}</span>`;
  }

  async #enterFullscreen(): Promise<void> {
    try {
      await document.documentElement.requestFullscreen();
    } catch (err) {
      console.warn('[eye-proctor] fullscreen request refused', err);
    }
  }
}

/** DOM event map of <eye-proctor>: one CustomEvent per Event value, `detail` = payload. */
// Keys as plain strings (`${K}`) so both `'TAB_NOT_FOCUS'` and `EyeEvent.TAB_NOT_FOCUS` resolve.
export type EyeProctorEventMap = { [K in EventName]: CustomEvent<EventPayloadByName[K]> };

declare global {
  interface HTMLElementTagNameMap {
    'eye-proctor': EyeProctor;
  }
  interface HTMLElementEventMap extends EyeProctorEventMap {}
  // The events bubble up to the document, where hosts often listen.
  interface DocumentEventMap extends EyeProctorEventMap {}
}
