import { BehaviorSubject, Subject, type Observable } from 'rxjs';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import { openDatabase, requestToPromise, transactionDone } from './idb.js';
import { RelayClient, RelayError, type RelayCredentials, type RelayMessage, type RelayResponse } from './relay-client.js';
import { errorMessage } from '../errors.js';
import { platform } from '../platform.js';

/** One message waiting in IndexedDB, with the credentials it was queued under. */
export interface OutboxRecord extends RelayMessage, RelayCredentials {
  /** Queue position (IndexedDB auto-increment key): messages drain in this order. */
  seq?: number;
  enqueuedAt: number;
  attempts: number;
  lastError: string | null;
}

/** A record read back from IndexedDB: it always carries its key. */
export type StoredOutboxRecord = OutboxRecord & { seq: number };

export type DeliveryResult =
  | { outcome: 'delivered'; record: OutboxRecord; response: RelayResponse }
  | { outcome: 'rejected'; record: OutboxRecord; error: RelayError };

/**
 * idle: nothing to send. sending: a request is in flight. backoff: the last try failed and the
 * outbox waits before the next. offline: as backoff, and the browser says it is offline.
 * unauthorized: the relay refused the current session token; waits for `setCredentials`.
 */
export type OutboxState = 'idle' | 'sending' | 'backoff' | 'offline' | 'unauthorized' | 'closed';

export interface OutboxOptions {
  /** IndexedDB database name; one queue per name. */
  dbName?: string;
  client?: RelayClient;
  backoff?: BackoffOptions;
  /** Window whose online/offline/pagehide events drive the outbox. */
  window?: Window;
  indexedDB?: IDBFactory;
  /** Web Locks serialise senders across tabs of the same origin; null disables. */
  locks?: LockManager | null;
  /** A send that takes longer than this is abandoned and retried. */
  requestTimeoutMs?: number;
  random?: () => number;
}

const STORE = 'messages';
/** Browsers cap the bodies of in-flight keepalive requests at 64 KiB in total. */
const KEEPALIVE_BUDGET_BYTES = 60 * 1024;

/**
 * A durable, ordered queue of messages for the relay, kept in IndexedDB (media Blobs included) so
 * that nothing is lost offline, on a reload or when the relay is down. It drains oldest first, one
 * message at a time, and deletes a message only once the relay has answered 2xx; every message
 * carries a unique id, so a resend after a crash or a lost response is harmless. Failures are
 * retried with exponential backoff and jitter; going online retries at once.
 */
export class Outbox {
  private readonly resultsSubject = new Subject<DeliveryResult>();
  readonly results$: Observable<DeliveryResult> = this.resultsSubject.asObservable();
  private readonly stateSubject = new BehaviorSubject<OutboxState>('idle');
  /** The queue's state; read-only for everyone but the outbox itself. */
  readonly state$: Observable<OutboxState> = this.stateSubject.asObservable();

  /** The current state (the latest value of `state$`). */
  get state(): OutboxState {
    return this.stateSubject.value;
  }

  /** Mirror of this instance's view of the queue: pagehide must send synchronously. */
  private readonly pendingBySeq = new Map<number, StoredOutboxRecord>();
  /** Messages handed to enqueue() whose IndexedDB write has not committed yet (a closing page). */
  private readonly unsaved = new Set<OutboxRecord>();
  /** Newest token per session: a host may renew a token while older messages wait. */
  private readonly tokens = new Map<string, string>();
  private current: RelayCredentials | null = null;
  private draining: Promise<void> | null = null;
  private failures = 0;
  private wake: (() => void) | null = null;
  private closed = false;
  private readonly client: RelayClient;
  private readonly backoff: BackoffOptions;
  private readonly win: Window | null;
  private readonly locks: LockManager | null;
  private readonly requestTimeoutMs: number;
  private readonly random: () => number;

  private constructor(
    private readonly db: IDBDatabase,
    readonly dbName: string,
    options: OutboxOptions,
  ) {
    this.client = options.client ?? new RelayClient();
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.win = options.window ?? (typeof window === 'undefined' ? null : window);
    this.locks = options.locks === undefined ? (platform.navigator?.locks ?? null) : options.locks;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 60_000;
    this.random = options.random ?? Math.random;
    // Another tab upgrades or deletes the database: let go at once (it waits for us otherwise).
    db.onversionchange = () => { this.close(); };
    this.win?.addEventListener('online', this.onOnline);
    this.win?.addEventListener('offline', this.onOffline);
    this.win?.addEventListener('pagehide', this.onPageHide);
  }

  static async open(options: OutboxOptions = {}): Promise<Outbox> {
    const dbName = options.dbName ?? 'eye-outbox';
    const factory = options.indexedDB ?? globalThis.indexedDB;
    const db = await openDatabase(factory, dbName, 1, (database) => {
      const store = database.createObjectStore(STORE, { keyPath: 'seq', autoIncrement: true });
      store.createIndex('id', 'id', { unique: true });
    });
    const outbox = new Outbox(db, dbName, options);
    for (const record of await outbox.pending()) outbox.pendingBySeq.set(record.seq, record);
    return outbox;
  }

  /** The session new messages belong to; also renews the token of messages already queued for it. */
  setCredentials(credentials: RelayCredentials): void {
    const renewed = this.tokens.get(credentials.sessionId) !== credentials.sessionToken;
    this.current = { ...credentials };
    this.tokens.set(credentials.sessionId, credentials.sessionToken);
    if (renewed && this.stateSubject.value === 'unauthorized') this.stateSubject.next('idle');
    this.kick();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get credentials(): RelayCredentials | null {
    return this.current;
  }

  /**
   * Stores the message durably (the IndexedDB transaction has committed when this resolves), then
   * starts sending. Enqueuing the same id twice keeps the first.
   */
  async enqueue(message: RelayMessage, credentials: RelayCredentials | null = this.current): Promise<void> {
    if (this.closed) throw new Error('outbox is closed');
    if (!credentials) throw new Error('outbox has no relay credentials: call setCredentials first');
    const record: OutboxRecord = {
      ...message,
      relayUrl: credentials.relayUrl,
      sessionId: credentials.sessionId,
      sessionToken: credentials.sessionToken,
      enqueuedAt: Date.now(),
      attempts: 0,
      lastError: null,
    };
    this.unsaved.add(record);
    try {
      const tx = this.db.transaction(STORE, 'readwrite');
      const done = transactionDone(tx);
      const request = tx.objectStore(STORE).add(record);
      request.onerror = (event) => {
        // Same id already queued: keep the first copy, commit nothing new.
        if (request.error?.name === 'ConstraintError') event.preventDefault();
      };
      const seq = await requestToPromise(request).catch(() => null);
      await done;
      if (typeof seq === 'number') this.pendingBySeq.set(seq, { ...record, seq });
    } finally {
      this.unsaved.delete(record);
    }
    this.kick();
  }

  /** Every queued message, oldest first, straight from IndexedDB (other tabs' included). */
  async pending(): Promise<StoredOutboxRecord[]> {
    const tx = this.db.transaction(STORE, 'readonly');
    const records = await requestToPromise(tx.objectStore(STORE).getAll() as IDBRequest<StoredOutboxRecord[]>);
    return records.sort((a, b) => a.seq - b.seq);
  }

  /** How many messages wait (all tabs), without reading them. */
  async count(): Promise<number> {
    const tx = this.db.transaction(STORE, 'readonly');
    return requestToPromise(tx.objectStore(STORE).count());
  }

  /** Starts draining if it is not already; resolves when the queue is empty or held by a refused token (while the relay is unreachable it keeps waiting). */
  flush(): Promise<void> {
    this.kick();
    return this.draining ?? Promise.resolve();
  }

  /** Retry now instead of waiting out the backoff (e.g. the host knows the network is back). */
  retryNow(): void {
    this.failures = 0;
    this.wake?.();
    this.kick();
  }

  /**
   * Sends what fits of the queue with `fetch(..., { keepalive: true })`, which outlives the page.
   * Nothing is deleted: the responses are never read, so the messages go again on the next load
   * (harmless: the relay knows their ids). Lifecycle messages (END_PROCTORING) are chosen first.
   */
  sendWithKeepalive(): number {
    const records = [
      ...[...this.pendingBySeq.values()].sort((a, b) => a.seq - b.seq),
      ...[...this.unsaved].filter((u) => ![...this.pendingBySeq.values()].some((r) => r.id === u.id)),
    ];
    const size = (r: OutboxRecord) => JSON.stringify(r.body).length + (r.media?.size ?? 0) + 1024;
    let budget = KEEPALIVE_BUDGET_BYTES;
    const chosen = new Set<OutboxRecord>();
    for (const pass of ['lifecycle', 'flag'] as const) {
      for (const record of records) {
        if (record.kind !== pass || size(record) > budget) continue;
        chosen.add(record);
        budget -= size(record);
      }
    }
    let sent = 0;
    for (const record of records) {
      if (chosen.has(record) && this.client.sendBeacon(this.credentialsFor(record), record)) sent++;
    }
    return sent;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.win?.removeEventListener('online', this.onOnline);
    this.win?.removeEventListener('offline', this.onOffline);
    this.win?.removeEventListener('pagehide', this.onPageHide);
    this.wake?.();
    this.stateSubject.next('closed');
    this.stateSubject.complete();
    this.resultsSubject.complete();
    this.db.close();
  }

  private readonly onOnline = () => { this.retryNow(); };
  private readonly onOffline = () => {
    if (this.stateSubject.value === 'backoff') this.stateSubject.next('offline');
  };
  private readonly onPageHide = () => {
    if (this.pendingBySeq.size || this.unsaved.size) this.sendWithKeepalive();
  };

  private kick(): void {
    if (this.closed || this.draining || this.stateSubject.value === 'unauthorized') return;
    this.draining = this.drainLoop()
      .catch((err: unknown) => {
        // Closed mid-send (page leaving, database deleted by another tab): nothing to report.
        if (!this.closed) console.error('[eye] outbox stopped draining', err);
      })
      .finally(() => {
        this.draining = null;
      });
  }

  private credentialsFor(record: OutboxRecord): RelayCredentials {
    return {
      relayUrl: record.relayUrl,
      sessionId: record.sessionId,
      sessionToken: this.tokens.get(record.sessionId) ?? record.sessionToken,
    };
  }

  private async head(): Promise<StoredOutboxRecord | null> {
    const tx = this.db.transaction(STORE, 'readonly');
    const cursor = await requestToPromise(tx.objectStore(STORE).openCursor());
    return (cursor?.value as StoredOutboxRecord | undefined) ?? null;
  }

  private async remove(seq: number): Promise<void> {
    const tx = this.db.transaction(STORE, 'readwrite');
    tx.objectStore(STORE).delete(seq);
    await transactionDone(tx);
    this.pendingBySeq.delete(seq);
  }

  private async noteFailure(record: StoredOutboxRecord, error: RelayError): Promise<void> {
    const tx = this.db.transaction(STORE, 'readwrite');
    const store = tx.objectStore(STORE);
    const stored = (await requestToPromise(store.get(record.seq))) as OutboxRecord | undefined;
    if (stored) store.put({ ...stored, attempts: stored.attempts + 1, lastError: error.message });
    await transactionDone(tx);
  }

  /** Sends the oldest message (under a cross-tab lock, so two tabs never race on the same head). */
  private async sendHead(): Promise<{ record: StoredOutboxRecord; result: RelayResponse | RelayError } | null> {
    const step = async () => {
      const record = await this.head();
      if (!record) return null;
      this.stateSubject.next('sending');
      try {
        const response = await this.client.send(this.credentialsFor(record), record, AbortSignal.timeout(this.requestTimeoutMs));
        await this.remove(record.seq);
        return { record, result: response };
      } catch (err) {
        const error = err instanceof RelayError ? err : new RelayError('network', errorMessage(err));
        return { record, result: error };
      }
    };
    return this.locks ? this.locks.request(`eye-outbox:${this.dbName}`, step) : step();
  }

  private async drainLoop(): Promise<void> {
    while (!this.closed) {
      const sent = await this.sendHead();
      if (this.isClosed) return; // close() may have run during the send (read through the getter: not narrowed by the loop test)
      if (!sent) {
        this.failures = 0;
        this.stateSubject.next('idle');
        return;
      }
      const { record, result } = sent;
      if (!(result instanceof RelayError)) {
        this.failures = 0;
        this.resultsSubject.next({ outcome: 'delivered', record, response: result });
        continue;
      }
      const isCurrentSession = record.sessionId === this.current?.sessionId;
      if (result.kind === 'rejected' || (result.kind === 'unauthorized' && !isCurrentSession)) {
        // The relay will never accept this message (or nobody can renew its token): report and drop it.
        await this.remove(record.seq);
        this.resultsSubject.next({ outcome: 'rejected', record, error: result });
        continue;
      }
      await this.noteFailure(record, result);
      if (result.kind === 'unauthorized') {
        this.stateSubject.next('unauthorized');
        return;
      }
      this.failures++;
      const delay = Math.max(result.retryAfterMs ?? 0, backoffDelay(this.failures, this.backoff, this.random));
      this.stateSubject.next(this.win && !this.win.navigator.onLine ? 'offline' : 'backoff');
      await this.sleep(delay);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = null;
        done();
      };
    });
  }
}
