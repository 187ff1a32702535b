import { BehaviorSubject, type Observable, type Subscription } from 'rxjs';
import type { EyeConfig } from '../config.js';
import type { EyeEventSink } from '../event-bus.js';
import { Event, isEvent, type EyeEmission } from '../events.js';
import { toRelayMessage, type MessageIdentity } from './messages.js';
import type { DeliveryResult, Outbox, OutboxOptions, OutboxState } from './outbox.js';
import type { Directive, RelayClient, RelayCredentials, RelayMessage } from './relay-client.js';
import { readSessionToken, renewalDelayMs } from './session-token.js';
import { errorMessage } from '../errors.js';

/** What the relay link drives: the widget's lifecycle (for directives) and its bus (RELAY_REJECTED). */
export interface RelayLinkTarget extends EyeEventSink {
  /** Stop monitoring for now (detectors off, devices kept); emits PAUSED. No-op unless running. */
  pause(reason: string): Promise<void> | void;
  /** Resume after a pause; emits RESUMED. No-op unless paused. */
  resume(): Promise<void> | void;
  /** End monitoring; emits END_PROCTORING. */
  end(): Promise<void> | void;
  /** Enroll the candidate's face again (identity checking); absent or a no-op when identity is off. */
  reEnroll?(): void;
}

/** The parts of the config the link needs: where the relay is, the session and who is watched. */
export type RelayLinkConfig = Pick<EyeConfig, 'relayUrl' | 'sessionToken' | 'sessionId' | 'examId' | 'candidateId'>;

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

export interface RelayLinkOptions extends OutboxOptions {
  /**
   * How often the widget asks the relay for a directive while its outbox is idle (a quiet
   * candidate, or a paused widget that sends nothing): it re-sends its last lifecycle message,
   * which the relay recognises by id (nothing stored) and answers with the current directive.
   */
  directivePollMs?: number;
}

/** Answers given before the relay is configured (system check, calibration, consent): kept, sent once configured. */
const KEPT_UNTIL_CONFIGURED = new Set<Event>([
  Event.SYSTEM_CHECK_COMPLETED,
  Event.CALIBRATION_COMPLETED,
  Event.CONSENT_GIVEN,
  Event.CONSENT_DECLINED,
]);

/** The outbox (IndexedDB) and the HTTP client, loaded when a relay is first configured. */
interface Transport {
  openOutbox: typeof Outbox.open;
  client: RelayClient;
}

/** Lifecycle messages whose re-send asks "what now?" without changing anything at the relay. */
const POLLABLE = new Set<string>([Event.STARTED, Event.PAUSED, Event.RESUMED]);

/**
 * The widget's link to the relay, free of any UI framework. Takes the widget's event stream and
 * its config stream; sends every flag (with its media) and every lifecycle event, in emission
 * order, through the durable outbox once the config carries `relayUrl` and `sessionToken` (the
 * session id comes from `sessionId` or the token); polls for directives while idle and applies
 * them (pause / resume / end / re-enroll) to its target; renews the session token before it
 * expires. Publishes what happens as `status$`.
 */
export class RelayLink {
  readonly #status = new BehaviorSubject<RelayStatus>({ enabled: false, state: 'idle', pending: 0, lastDirective: null, lastRejection: null });
  /** The link's status; read-only outside the link. */
  readonly status$: Observable<RelayStatus> = this.#status.asObservable();
  /** Every delivery outcome, for hosts and tests that want to watch the transport. */
  onDelivery: ((result: DeliveryResult) => void) | null = null;

  private outbox: Outbox | null = null;
  private opening: Promise<Outbox> | null = null;
  private identity: MessageIdentity | null = null;
  private credentials: RelayCredentials | null = null;
  /** Keeps enqueues in emission order across the async outbox open. */
  private chain: Promise<unknown> = Promise.resolve();
  private inputs: Subscription[] = [];
  private outboxSubscriptions: Subscription[] = [];
  private ended = false;
  private connected = false;
  /** The config last applied: a reconnect replays it, and must not undo a renewed token. */
  private applied: RelayLinkConfig | null | undefined = undefined;
  private lastLifecycle: RelayMessage | null = null;
  /** When the relay last answered (delivery or poll): polls only fill silences. */
  private lastAnswerAt = 0;
  /** Check / calibration results emitted before the relay was configured, by type. */
  private readonly early = new Map<Event, EyeEmission>();
  private pollTimer: ReturnType<typeof setInterval> | null = null;
  private renewTimer: ReturnType<typeof setTimeout> | null = null;
  /** Pages without a relay never load the transport (about a tenth of the widget's code). */
  private transport: Promise<Transport> | null = null;
  private readonly pollMs: number;

  constructor(
    private readonly events$: Observable<EyeEmission>,
    private readonly config$: Observable<RelayLinkConfig | null>,
    private readonly target: RelayLinkTarget,
    private readonly options: RelayLinkOptions = {},
  ) {
    this.pollMs = options.directivePollMs ?? 10_000;
  }

  get status(): RelayStatus {
    return this.#status.value;
  }

  /** Starts listening (events, config), polling and renewing. Calling it again while connected does nothing. */
  connect(): void {
    if (this.connected) return;
    this.connected = true;
    this.inputs = [
      this.config$.subscribe((config) => { this.configure(config); }),
      this.events$.subscribe((emission) => { this.onEmission(emission); }),
    ];
    this.pollTimer = setInterval(() => void this.pollDirective(), this.pollMs);
    if (this.credentials) this.scheduleRenewal();
  }

  /**
   * Stops listening, finishes sending what is queued (END_PROCTORING included), then lets go of
   * IndexedDB. What cannot be sent now stays queued for the next connect or page load.
   */
  disconnect(): void {
    if (!this.connected) return;
    this.connected = false;
    for (const s of this.inputs) s.unsubscribe();
    this.inputs = [];
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = null;
    this.clearRenewal();
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
    if (emission.type === Event.STARTED) this.ended = false;
    if (!this.credentials || !this.identity) {
      // A system check / calibration / consent may come before init(): keep the latest, send once configured.
      if (KEPT_UNTIL_CONFIGURED.has(emission.type)) this.early.set(emission.type, emission);
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

  private configure(config: RelayLinkConfig | null): void {
    if (config === this.applied) return;
    this.applied = config;
    const relayUrl = config?.relayUrl || null;
    const sessionToken = config?.sessionToken || null;
    const sessionId = config?.sessionId || (sessionToken ? readSessionToken(sessionToken).sessionId : null);
    if (!config || !relayUrl || !sessionToken || !sessionId) {
      this.credentials = null;
      this.identity = null;
      this.clearRenewal();
      this.updateStatus({ enabled: false });
      return;
    }
    this.setCredentials({ relayUrl, sessionToken, sessionId });
    this.identity = { examId: config.examId, candidateId: config.candidateId, sessionId };
    this.updateStatus({ enabled: true });
    const early = [...this.early.values()];
    this.early.clear();
    for (const emission of early) this.onEmission(emission);
  }

  private setCredentials(credentials: RelayCredentials): void {
    this.credentials = credentials;
    this.enqueueInOrder((outbox) => { outbox.setCredentials(credentials); });
    if (this.connected) this.scheduleRenewal();
  }

  private enqueueInOrder(step: (outbox: Outbox) => unknown): void {
    this.chain = this.chain
      .then(() => this.openOutbox())
      .then(step)
      .catch((err: unknown) => {
        // IndexedDB unavailable (private mode in old browsers, quota): report, keep the widget running.
        this.updateStatus({ lastRejection: `outbox: ${errorMessage(err)}` });
        reportError(err);
      });
  }

  private loadTransport(): Promise<Transport> {
    const newClient = () => import('./relay-client.js').then(({ RelayClient }) => new RelayClient());
    this.transport ??= Promise.all([import('./outbox.js'), this.options.client ?? newClient()]).then(
      ([{ Outbox }, client]) => ({ openOutbox: Outbox.open.bind(Outbox), client }),
      (err: unknown) => {
        this.transport = null; // a chunk that failed to load (network) is asked for again next time
        throw err;
      },
    );
    return this.transport;
  }

  private openOutbox(): Promise<Outbox> {
    if (this.outbox?.isClosed) this.closeOutbox(); // closed under us (another tab deleted the database)
    if (this.outbox) return Promise.resolve(this.outbox);
    this.opening ??= this.loadTransport().then(({ openOutbox, client }) => openOutbox({ ...this.options, client })).then((outbox) => {
      this.outbox = outbox;
      this.opening = null;
      this.outboxSubscriptions = [
        outbox.state$.subscribe((state) => { this.updateStatus({ state }); }),
        outbox.results$.subscribe((result) => void this.onResult(result)),
      ];
      if (this.credentials) outbox.setCredentials(this.credentials);
      return outbox;
    }, (err: unknown) => {
      this.opening = null; // tried again with the next message
      throw err;
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
      const { record, error } = result;
      this.updateStatus({ pending, lastRejection: `${record.type} ${record.id}: ${error.message}` });
      // The host learns that evidence was given up (e.g. a clip over the relay's size limit). Records are
      // written from Event emissions; one of a type this version does not know is only in the status line.
      if (isEvent(record.type)) {
        this.target.emit(Event.RELAY_REJECTED, {
          id: record.id,
          type: record.type,
          kind: record.kind,
          sessionId: record.sessionId,
          status: error.status,
          code: error.code,
          message: error.message,
          attempts: record.attempts,
        });
      }
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
    if (!message || !credentials || this.ended || !this.outbox || this.outbox.state !== 'idle') return;
    if (Date.now() - this.lastAnswerAt < this.pollMs) return; // a recent delivery already brought the directive
    if (await this.pendingCount()) return; // not delivered yet: the drain brings the directive
    try {
      const { client } = await this.loadTransport();
      const response = await client.send(credentials, message);
      this.lastAnswerAt = Date.now();
      if (response.directive && message === this.lastLifecycle) await this.obey(response.directive);
    } catch {
      // A failed poll changes nothing; the outbox reports real delivery problems.
    }
  }

  /**
   * Applies a directive. Directives repeat until obeyed; the target ignores the ones that do not
   * fit its state (pause while paused, resume while running).
   */
  private async obey(directive: Directive): Promise<void> {
    this.updateStatus({ lastDirective: directive });
    if (this.ended) return;
    try {
      if (directive === 'pause') await this.target.pause('The proctor paused monitoring.');
      else if (directive === 'resume') await this.target.resume();
      else if (directive === 'end') await this.target.end();
      else this.target.reEnroll?.(); // 're-enroll' (directives are checked when the response is parsed)
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
      const { client } = await this.loadTransport();
      const { token } = await client.renewToken(credentials);
      if (this.credentials === credentials) this.setCredentials({ ...credentials, sessionToken: token });
    } catch (err) {
      // Expired or session over: the outbox shows "unauthorized" if it matters. Otherwise try again soon.
      if ((err as { kind?: string }).kind === 'network' || (err as { kind?: string }).kind === 'retryable') {
        this.renewTimer = setTimeout(() => void this.renewToken(), 30_000);
      }
    }
  }

  private updateStatus(patch: Partial<RelayStatus>): void {
    this.#status.next({ ...this.#status.value, ...patch });
  }
}

function reportError(err: unknown): void {
  const report = (globalThis as { reportError?: (e: unknown) => void }).reportError;
  if (report) report(err);
  else console.error(err);
}
