import { ContextProvider } from '@lit/context';
import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { property, query } from 'lit/decorators.js';
import { validateConfig, type EyeConfig, type EyeConfigInput } from '../../src/config.js';
import { createDetectors } from '../../src/detectors/index.js';
import { EyeEventBus, type EyeListener } from '../../src/event-bus.js';
import { EyeEvent, type EventPayloadMap } from '../../src/events.js';
import { createFlagFactory, type FlagFactory } from '../../src/flags.js';
import { configContext, eventSinkContext, eventsContext } from '../controllers/contexts.js';
import { FullscreenPromptController } from '../controllers/fullscreen-prompt-controller.js';
import { MediaController } from '../controllers/media-controller.js';
import { MonitoringController } from '../controllers/monitoring-controller.js';
import { RelayController, type RelayStatus } from '../controllers/relay-controller.js';
import { StatusController } from '../controllers/status-controller.js';
import { styles } from './eye-proctor.styles.js';

/** Where the widget is in its life: init() -> ready, start() -> running, end() -> ended. */
export type ProctorPhase = 'idle' | 'ready' | 'starting' | 'running' | 'paused' | 'ended';

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
 *
 * @slot - Elements that use the widget's services, e.g. <eye-camera-preview>, <eye-system-check>.
 *
 * @csspart status - The status indicator (role=status).
 * @csspart status-icon - The eye icon in the indicator.
 * @csspart status-label - "Monitoring on" / "off" / "paused".
 * @csspart status-warning - The last warning shown to the candidate.
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

  /** A stream the host already opened; the widget uses it instead of asking and never stops it. */
  @property({ attribute: false }) mediaStream: MediaStream | null = null;

  // ---- Event bus ------------------------------------------------------------------------------
  readonly #bus = new EyeEventBus();

  /** Every event, as one hot Observable (subscribe before `init()` to see everything). */
  readonly events$ = this.#bus.events$;

  // ---- Services for children (@lit/context) and lifecycle controllers ------------------------
  readonly #configProvider = new ContextProvider(this, { context: configContext, initialValue: null });
  readonly #media = new MediaController(this);
  readonly #monitoring = new MonitoringController(this, this.#bus);
  readonly #status = new StatusController(this, this.events$);
  readonly #fullscreenPrompt = new FullscreenPromptController(this, this.events$);
  /** Sends flags + lifecycle events to the relay (durable outbox) and obeys its directives. */
  readonly #relay = new RelayController(this);

  #phase: ProctorPhase = 'idle';
  #config: EyeConfig | null = null;
  #flag: FlagFactory | null = null;
  /** Bumped by end() so a start() still waiting for devices knows it was cancelled. */
  #startAttempt = 0;
  /** Latest SYSTEM_CHECK_COMPLETED from <eye-system-check> (inside or below this element) succeeded. */
  #systemCheckPassed = false;

  @query('dialog') private promptDialog?: HTMLDialogElement;

  constructor() {
    super();
    new ContextProvider(this, { context: eventsContext, initialValue: this.events$ });
    new ContextProvider(this, { context: eventSinkContext, initialValue: { emit: (t, p) => this.emit(t, p) } });
    // Every event is also a DOM event named after it (bubbling, crossing shadow roots).
    this.events$.subscribe(({ type, payload }) =>
      this.dispatchEvent(new CustomEvent(type, { detail: payload, bubbles: true, composed: true })),
    );
    // requireSystemCheck: children report through the bus (re-dispatched here) or bubble to us.
    this.addEventListener(EyeEvent.SYSTEM_CHECK_COMPLETED, (e) => {
      this.#systemCheckPassed = (e as CustomEvent<EventPayloadMap[EyeEvent.SYSTEM_CHECK_COMPLETED]>).detail?.success === true;
    });
  }

  /** True once a system check completed successfully (the latest one counts). */
  get systemCheckPassed(): boolean {
    return this.#systemCheckPassed;
  }

  // ---- Public API -----------------------------------------------------------------------------

  get phase(): ProctorPhase {
    return this.#phase;
  }

  /** The validated config (after `init()`), or null. */
  get config(): EyeConfig | null {
    return this.#config;
  }

  /** The link to the relay: outbox state, messages pending, last directive. */
  get relayStatus(): RelayStatus {
    return this.#relay.status;
  }

  /** Resolves when every event emitted so far has reached the relay (or a refused token holds them); waits while the relay is unreachable. */
  flushRelay(): Promise<void> {
    return this.#relay.flush();
  }

  /** The camera/microphone stream while monitoring runs. */
  get activeMediaStream(): MediaStream | null {
    return this.#media.stream;
  }

  /** Calls `listener` with the payload of every `type` event; returns the unsubscribe function. */
  on<K extends EyeEvent>(type: K, listener: EyeListener<K>): () => void {
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
   * Validates `config` (attributes are the base, `config` wins) and emits SET_CONFIG.
   * @throws EyeConfigError listing every problem, e.g. `Invalid Eye config: examId is required`.
   */
  async init(config: EyeConfigInput = {}): Promise<EyeConfig> {
    if (this.#isActive()) throw new Error('eye-proctor: init() while monitoring runs; call end() first');
    const validated = validateConfig(config, this.#attributeConfig());
    this.#config = validated;
    this.#configProvider.setValue(validated);
    this.#phase = 'ready';
    this.emit(EyeEvent.SET_CONFIG, { config: { ...validated } });
    return validated;
  }

  /**
   * Opens camera/microphone (per config, or adopts `mediaStream`), emits STARTED and starts every
   * detector. Calls `init()` with the attributes when it was not called. No-op while running.
   * @throws MediaAcquisitionError when a device cannot be opened (nothing is left running).
   * @throws Error when `requireSystemCheck` is set and no system check has passed yet.
   */
  async start(): Promise<void> {
    if (this.#isActive()) return;
    const config = this.#config ?? (await this.init());
    if (config.requireSystemCheck && !this.#systemCheckPassed) {
      throw new Error('eye-proctor: start() needs a passing system check first (config.requireSystemCheck); run <eye-system-check> inside <eye-proctor>');
    }
    const attempt = ++this.#startAttempt;
    this.#phase = 'starting';
    try {
      await this.#media.acquire({ camera: config.camera, microphone: config.microphone }, this.mediaStream);
    } catch (err) {
      if (attempt === this.#startAttempt) this.#phase = 'ready';
      throw err;
    }
    if (attempt !== this.#startAttempt) return; // end() was called while the browser was asking
    this.#flag = createFlagFactory(config);
    this.#phase = 'running';
    this.emit(EyeEvent.STARTED, undefined);
    this.#startDetectors();
  }

  /** Stops every detector, releases every device it opened, then emits END_PROCTORING (last event). */
  async end(): Promise<void> {
    const wasMonitoring = this.#phase === 'running' || this.#phase === 'paused';
    if (!this.#isActive()) return;
    this.#startAttempt += 1;
    this.#monitoring.stop();
    this.#media.release();
    this.#phase = 'ended';
    if (wasMonitoring) this.emit(EyeEvent.END_PROCTORING, undefined);
  }

  /** Stops the detectors but keeps the devices open; emits PAUSED. For relay directives. */
  pause(reason = 'paused'): void {
    if (this.#phase !== 'running') return;
    this.#monitoring.stop();
    this.#phase = 'paused';
    this.emit(EyeEvent.PAUSED, { reason });
  }

  /** Restarts the detectors after `pause()`; emits RESUMED. Flag counts continue. */
  resume(): void {
    if (this.#phase !== 'paused') return;
    this.#phase = 'running';
    this.emit(EyeEvent.RESUMED, undefined);
    this.#startDetectors();
  }

  // ---- Lifecycle ------------------------------------------------------------------------------

  override disconnectedCallback(): void {
    // Leaving the DOM ends the session (END_PROCTORING) before controllers tear down.
    void this.end();
    super.disconnectedCallback();
  }

  protected override updated(changed: PropertyValues): void {
    super.updated(changed);
    this.#syncFullscreenPrompt();
  }

  // ---- Internals ------------------------------------------------------------------------------

  #isActive(): boolean {
    return this.#phase === 'starting' || this.#phase === 'running' || this.#phase === 'paused';
  }

  #attributeConfig(): Partial<EyeConfig> {
    const base: Partial<EyeConfig> = {};
    if (this.examId) base.examId = this.examId;
    if (this.candidateId) base.candidateId = this.candidateId;
    if (this.relayUrl) base.relayUrl = this.relayUrl;
    if (this.sessionToken) base.sessionToken = this.sessionToken;
    if (this.sessionId) base.sessionId = this.sessionId;
    if (this.assetsBaseUrl) base.assetsBaseUrl = this.assetsBaseUrl;
    return base;
  }

  #startDetectors(): void {
    const config = this.#config!;
    this.#monitoring.start(createDetectors(config), {
      config,
      flag: this.#flag!,
      media: this.#media.stream,
      window,
      document,
    });
  }

  #syncFullscreenPrompt(): void {
    const dialog = this.promptDialog;
    if (!dialog) return;
    if (this.#fullscreenPrompt.visible && !dialog.open && this.isConnected) dialog.showModal();
    if (!this.#fullscreenPrompt.visible && dialog.open) dialog.close();
  }

  // ---- Rendering ------------------------------------------------------------------------------

  protected override render() {
    return html`${this.#renderStatus()}${this.#renderFullscreenPrompt()}<slot></slot>`;
  }

  #renderStatus() {
    const { state, lastWarning } = this.#status;
    const label = state === 'on' ? 'Monitoring on' : state === 'paused' ? 'Monitoring paused' : 'Monitoring off';
    return html`
      <div part="status" class="status" data-state=${state} role="status" aria-live="polite">
        <svg part="status-icon" class="icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
          <path d="M12 5C6.5 5 2.7 9.1 1.5 12c1.2 2.9 5 7 10.5 7s9.3-4.1 10.5-7C21.3 9.1 17.5 5 12 5Z" />
          <circle cx="12" cy="12" r="3.2" />
        </svg>
        <span part="status-label" class="label">${label}</span>
        ${lastWarning
          ? html`<span part="status-warning" class="warning"
              >${lastWarning.message}
              <time datetime=${lastWarning.at.toISOString()}
                >${lastWarning.at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}</time
              ></span
            >`
          : nothing}
        ${this.#relay.renderStatus()}
      </div>
    `;
  }

  #renderFullscreenPrompt() {
    if (!this.#config?.requireFullscreen) return nothing;
    return html`
      <dialog
        part="fullscreen-prompt"
        class="prompt"
        aria-labelledby="eye-fs-title"
        aria-describedby="eye-fs-text"
        @cancel=${(e: Event) => e.preventDefault()}
      >
        <h2 id="eye-fs-title">Fullscreen required</h2>
        <p id="eye-fs-text">This exam runs in fullscreen. Leaving it is recorded.</p>
        <button part="fullscreen-button" type="button" @click=${() => this.#enterFullscreen()}>
          Return to fullscreen
        </button>
      </dialog>
    `;
  }

  async #enterFullscreen(): Promise<void> {
    try {
      await this.#fullscreenPrompt.enter();
    } catch (err) {
      console.warn('[eye-proctor] fullscreen request refused', err);
    }
  }
}

/** DOM event map of <eye-proctor>: one CustomEvent per Event value, `detail` = payload. */
// Keys as plain strings (`${K}`) so both `'TAB_NOT_FOCUS'` and `EyeEvent.TAB_NOT_FOCUS` resolve.
export type EyeProctorEventMap = { [K in EyeEvent as `${K}`]: CustomEvent<EventPayloadMap[K]> };

declare global {
  interface HTMLElementTagNameMap {
    'eye-proctor': EyeProctor;
  }
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface HTMLElementEventMap extends EyeProctorEventMap {}
  // The events bubble up to the document, where hosts often listen.
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface DocumentEventMap extends EyeProctorEventMap {}
}
