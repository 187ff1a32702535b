import { html, nothing, type ReactiveController, type ReactiveControllerHost, type TemplateResult } from 'lit';
import type { Observable, Subscription } from 'rxjs';
import { Event, type EyeEmission } from '../../src/events.js';
import { toRelayMessage, type MessageIdentity } from '../../src/transport/messages.js';
import { Outbox, type DeliveryResult, type OutboxOptions, type OutboxState } from '../../src/transport/outbox.js';
import { RelayClient, type Directive, type RelayCredentials, type RelayMessage } from '../../src/transport/relay-client.js';
import { readSessionToken, renewalDelayMs } from '../../src/transport/session-token.js';

/** What the controller needs from `<eye-proctor>`. */
export interface RelayControllerHost extends ReactiveControllerHost {
  /** Every event the widget emits. */
  readonly events$: Observable<EyeEmission>;
  /** Stop monitoring for now (detectors off, devices kept); emits PAUSED. */
  pause(reason: string): Promise<void> | void;
  /** Resume after a pause; emits RESUMED. */
  resume(): Promise<void> | void;
  /** End monitoring; emits END_PROCTORING. */
  end(): Promise<void> | void;
}

/** What the candidate (and the host) can see of the link to the relay. */
export interface RelayStatus {
  /** False when no relay is configured: flags stay in the page. */
  enabled: boolean;
  state: OutboxState;
  /** Messages waiting in the outbox. */
  pending: number;
  /** Last directive the relay sent, if any. */
  lastDirective: Directive | null;
  /** Last message the relay refused for good (bad input, session over), for diagnostics. */
  lastRejection: string | null;
}

export interface RelayControllerOptions extends OutboxOptions {
  /**
   * How often the widget asks the relay for a directive while its outbox is idle (a quiet
   * candidate, or a paused widget that sends nothing): it re-sends its last lifecycle message,
   * which the relay recognises by id (nothing stored) and answers with the current directive.
   */
  directivePollMs?: number;
}

type RelayConfigPart = { relayUrl?: unknown; sessionToken?: unknown; sessionId?: unknown; examId?: unknown; candidateId?: unknown };

/** Lifecycle messages whose re-send asks "what now?" without changing anything at the relay. */
const POLLABLE = new Set<string>([Event.STARTED, Event.PAUSED, Event.RESUMED]);

/**
 * Sends every flag (with its media) and every lifecycle event of `<eye-proctor>` to the relay
 * through the durable outbox, once the config carries `relayUrl` and `sessionToken` (the session
 * id comes from `sessionId` or the token), applies the relay's directives (pause / resume / end)
 * to the host, and renews the session token before it expires.
 */
export class RelayController implements ReactiveController {
  /** Options for controllers created without any (i.e. by `<eye-proctor>`); tests shorten the poll here. */
  static defaults: RelayControllerOptions = {};

  status: RelayStatus = { enabled: false, state: 'idle', pending: 0, lastDirective: null, lastRejection: null };
  /** Every delivery outcome, for hosts and tests that want to watch the transport. */
  onDelivery: ((result: DeliveryResult) => void) | null = null;

  private outbox: Outbox | null = null;
  private opening: Promise<Outbox> | null = null;
  private identity: MessageIdentity | null = null;
  private credentials: RelayCredentials | null = null;
  /** Keeps enqueues in emission order across the async outbox open. */
  private chain: Promise<unknown> = Promise.resolve();
  private events: Subscription | null = null;
  private outboxSubscriptions: Subscription[] = [];
  private paused = false;
  private ended = false;
  private connected = false;
  private lastLifecycle: RelayMessage | null = null;
  /** When the relay last answered (delivery or poll): polls only fill silences. */
  private lastAnswerAt = 0;
  /** Check / calibration results emitted before the relay was configured, by type. */
  private readonly early = new Map<Event, EyeEmission>();
  private pollTimer: ReturnType<typeof setInterval> | null = null;
  private renewTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly client: RelayClient;
  private readonly pollMs: number;

  constructor(
    private readonly host: RelayControllerHost,
    private readonly options: RelayControllerOptions = RelayController.defaults,
  ) {
    this.client = options.client ?? new RelayClient();
    this.pollMs = options.directivePollMs ?? 10_000;
    host.addController(this);
  }

  hostConnected(): void {
    this.connected = true;
    this.events = this.host.events$.subscribe((emission) => this.onEmission(emission));
    this.pollTimer = setInterval(() => void this.pollDirective(), this.pollMs);
    if (this.credentials) this.scheduleRenewal();
  }

  hostDisconnected(): void {
    this.connected = false;
    this.events?.unsubscribe();
    this.events = null;
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = null;
    this.clearRenewal();
    // Leaving the DOM is not leaving the page: finish sending (END_PROCTORING included), then let
    // go of IndexedDB. What cannot be sent now stays queued for the next connect or page load.
    const closing = this.chain
      .then(() => this.outbox?.flush())
      .then(() => {
        if (!this.connected) this.closeOutbox();
      });
    this.chain = closing.catch(() => {});
  }

  /** Resolves once everything emitted so far is stored in the outbox (durable). */
  whenQueued(): Promise<void> {
    return this.chain.then(() => {});
  }

  /** Resolves when the outbox is empty or held by a refused token; keeps waiting while the relay is unreachable. */
  async flush(): Promise<void> {
    await this.whenQueued();
    await this.outbox?.flush();
  }

  private onEmission(emission: EyeEmission): void {
    if (emission.type === Event.SET_CONFIG) this.configure(emission.payload.config as RelayConfigPart);
    if (emission.type === Event.STARTED) this.ended = false;
    if (emission.type === Event.PAUSED) this.paused = true;
    if (emission.type === Event.RESUMED || emission.type === Event.STARTED) this.paused = false;
    if (!this.credentials || !this.identity) {
      // A system check / calibration usually runs before init(): keep the latest, send once configured.
      if (emission.type === Event.SYSTEM_CHECK_COMPLETED || emission.type === Event.CALIBRATION_COMPLETED) this.early.set(emission.type, emission);
      return;
    }
    const message = toRelayMessage(emission, this.identity);
    if (!message) return;
    if (POLLABLE.has(message.type)) this.lastLifecycle = message;
    const credentials = this.credentials;
    this.enqueueInOrder(async (outbox) => {
      await outbox.enqueue(message, credentials);
      this.updateStatus({ pending: await this.pendingCount() });
    });
    if (emission.type === Event.END_PROCTORING) {
      this.ended = true;
      this.lastLifecycle = null;
      // Send now while the page is still here; pagehide falls back to keepalive.
      this.enqueueInOrder((outbox) => void outbox.flush());
    }
  }

  private configure(config: RelayConfigPart): void {
    const str = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v : null);
    const relayUrl = str(config.relayUrl);
    const sessionToken = str(config.sessionToken);
    const sessionId = str(config.sessionId) ?? (sessionToken ? readSessionToken(sessionToken).sessionId : null);
    if (!relayUrl || !sessionToken || !sessionId) {
      this.credentials = null;
      this.identity = null;
      this.clearRenewal();
      this.updateStatus({ enabled: false });
      return;
    }
    this.setCredentials({ relayUrl, sessionToken, sessionId });
    this.identity = { examId: String(config.examId ?? ''), candidateId: String(config.candidateId ?? ''), sessionId };
    this.updateStatus({ enabled: true });
    const early = [...this.early.values()];
    this.early.clear();
    for (const emission of early) this.onEmission(emission);
  }

  private setCredentials(credentials: RelayCredentials): void {
    this.credentials = credentials;
    this.enqueueInOrder((outbox) => outbox.setCredentials(credentials));
    if (this.connected) this.scheduleRenewal();
  }

  private enqueueInOrder(step: (outbox: Outbox) => unknown): void {
    this.chain = this.chain
      .then(() => this.openOutbox())
      .then(step)
      .catch((err) => {
        // IndexedDB unavailable (private mode in old browsers, quota): report, keep the widget running.
        this.updateStatus({ lastRejection: `outbox: ${(err as Error)?.message ?? err}` });
        reportError(err);
      });
  }

  private openOutbox(): Promise<Outbox> {
    if (this.outbox?.isClosed) this.closeOutbox(); // closed under us (another tab deleted the database)
    if (this.outbox) return Promise.resolve(this.outbox);
    this.opening ??= Outbox.open({ ...this.options, client: this.client }).then((outbox) => {
      this.outbox = outbox;
      this.opening = null;
      this.outboxSubscriptions = [
        outbox.state$.subscribe((state) => this.updateStatus({ state })),
        outbox.results$.subscribe((result) => void this.onResult(result)),
      ];
      if (this.credentials) outbox.setCredentials(this.credentials);
      return outbox;
    });
    return this.opening;
  }

  private async pendingCount(): Promise<number> {
    const outbox = this.outbox;
    if (!outbox || outbox.isClosed) return 0;
    return outbox.count().catch(() => 0);
  }

  private closeOutbox(): void {
    for (const s of this.outboxSubscriptions) s.unsubscribe();
    this.outboxSubscriptions = [];
    this.outbox?.close();
    this.outbox = null;
  }

  private async onResult(result: DeliveryResult): Promise<void> {
    const pending = await this.pendingCount();
    if (result.outcome === 'rejected') {
      this.updateStatus({ pending, lastRejection: `${result.record.type} ${result.record.id}: ${result.error.message}` });
    } else {
      this.updateStatus({ pending });
      this.lastAnswerAt = Date.now();
      const forThisSession = result.record.sessionId === this.credentials?.sessionId;
      if (forThisSession && result.response.directive) await this.obey(result.response.directive);
    }
    this.onDelivery?.(result);
  }

  /** Asks the relay what to do by re-sending the last (already delivered) lifecycle message. */
  private async pollDirective(): Promise<void> {
    const message = this.lastLifecycle;
    const credentials = this.credentials;
    if (!message || !credentials || this.ended || !this.outbox || this.outbox.state$.value !== 'idle') return;
    if (Date.now() - this.lastAnswerAt < this.pollMs) return; // a recent delivery already brought the directive
    if (await this.pendingCount()) return; // not delivered yet: the drain brings the directive
    try {
      const response = await this.client.send(credentials, message);
      this.lastAnswerAt = Date.now();
      if (response.directive && message === this.lastLifecycle) await this.obey(response.directive);
    } catch {
      // A failed poll changes nothing; the outbox reports real delivery problems.
    }
  }

  /** Applies a directive unless the widget is already in that state (directives repeat until obeyed). */
  private async obey(directive: Directive): Promise<void> {
    this.updateStatus({ lastDirective: directive });
    if (this.ended) return;
    try {
      if (directive === 'pause' && !this.paused) await this.host.pause('The proctor paused monitoring.');
      else if (directive === 'resume' && this.paused) await this.host.resume();
      else if (directive === 'end') await this.host.end();
    } catch (err) {
      reportError(err);
    }
  }

  private scheduleRenewal(): void {
    this.clearRenewal();
    const expiresAtMs = this.credentials ? readSessionToken(this.credentials.sessionToken).expiresAtMs : null;
    if (expiresAtMs === null) return;
    // setTimeout caps at ~24.8 days; a session token lives hours.
    const delay = Math.min(renewalDelayMs(expiresAtMs), 2 ** 31 - 1);
    this.renewTimer = setTimeout(() => void this.renewToken(), delay);
  }

  private clearRenewal(): void {
    if (this.renewTimer) clearTimeout(this.renewTimer);
    this.renewTimer = null;
  }

  private async renewToken(): Promise<void> {
    const credentials = this.credentials;
    if (!credentials || this.ended) return;
    try {
      const { token } = await this.client.renewToken(credentials);
      if (this.credentials === credentials) this.setCredentials({ ...credentials, sessionToken: token });
    } catch (err) {
      // Expired or session over: the outbox shows "unauthorized" if it matters. Otherwise try again soon.
      if ((err as { kind?: string }).kind === 'network' || (err as { kind?: string }).kind === 'retryable') {
        this.renewTimer = setTimeout(() => void this.renewToken(), 30_000);
      }
    }
  }

  /** A short line for the candidate about the link to the relay, or nothing while all is well. */
  renderStatus(): TemplateResult | typeof nothing {
    const { enabled, state, pending, lastDirective } = this.status;
    if (!enabled) return nothing;
    let text = '';
    if (this.paused && lastDirective === 'pause') text = 'Paused by the proctor. Please wait.';
    else if (state === 'offline') text = `Offline: ${pending} event${pending === 1 ? '' : 's'} saved on this device, sent when back online.`;
    else if (state === 'backoff') text = `Exam server unreachable: ${pending} event${pending === 1 ? '' : 's'} saved, retrying.`;
    else if (state === 'unauthorized') text = 'The exam server refused this session. Please contact your proctor.';
    if (!text) return nothing;
    return html`<span part="relay-status" class="relay-status" data-state=${state}>${text}</span>`;
  }

  private updateStatus(patch: Partial<RelayStatus>): void {
    this.status = { ...this.status, ...patch };
    this.host.requestUpdate();
  }
}

function reportError(err: unknown): void {
  const report = (globalThis as { reportError?: (e: unknown) => void }).reportError;
  if (report) report(err);
  else console.error(err);
}
