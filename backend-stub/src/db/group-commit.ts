/**
 * Group commit: writes that arrive while a transaction is being committed wait and then share the
 * next one, so N concurrent writers cost one commit (one WAL append on SQLite, one round trip to
 * COMMIT on PostgreSQL) instead of N. Each caller's promise settles only after the transaction that
 * holds its write has committed, so callers keep their durability guarantee.
 *
 * If a shared transaction fails, its items are retried one per transaction, so one bad item
 * cannot fail the others (and the bad one gets its own error).
 */
export interface GroupCommitOptions<T> {
  /** Most items in one transaction (default: no limit). */
  maxBatch?: number;
  /** Transactions in flight at once (default 1). More than one needs `order` when items lock rows. */
  parallel?: number;
  /**
   * With `parallel` > 1: while a transaction is in flight, another starts only once a full batch
   * (`maxBatch`) waits, or once the oldest waiting write has waited this long (a transaction held
   * up by a lock or a slow server). Until then waiting writes go into the next batch of the one in
   * flight: fewer, larger transactions. Default: another starts at once for whatever waits.
   */
  overlapAfterMs?: number;
  /** Sorts a batch before it is written, e.g. by the row it locks, so parallel batches never deadlock. */
  order?: (a: T, b: T) => number;
  /**
   * Wait this long before starting a transaction, so that more writers join it (default 0: the
   * writers of the same turn of the event loop). For writes nobody waits on, such as the worker's
   * attempt outcomes: fewer, larger transactions.
   */
  gatherMs?: number;
  /**
   * While writes arrive less than this far apart, a transaction waits up to this long before it
   * starts (default 0: never), until as many writes wait as the previous transaction held (at least
   * 2). Writers one at a time in a steady flow (flags from thousands of candidates rather than a few
   * busy clients) then share commits too. A write after a quiet spell starts at once, so a lone
   * writer is not delayed, and clients that all wait for their answers (a closed loop) start the
   * next transaction as soon as they are all back, without idling out the time.
   */
  gatherWhenSteadyMs?: number;
  /** Told when a shared transaction failed and its items are being retried one by one. */
  onSharedFailure?: (err: unknown, items: number) => void;
}

/** Gathering waits in a row that no other write joined before gathering pauses, and for how long. */
const GATHER_MISSES_BEFORE_PAUSE = 4;
const GATHER_PAUSE_MS = 1000;

export class GroupCommit<T> {
  private queue: { item: T; resolve: () => void; reject: (err: unknown) => void; at: number }[] = [];
  /** The pending start of an overlapping transaction (overlapAfterMs). */
  private overlapTimer: NodeJS.Timeout | null = null;
  private active = 0;
  private scheduled = false;
  private readonly maxBatch: number;
  private readonly parallel: number;
  private lastWriteAt = -Infinity;
  /** The pending start of a transaction that gathers writes (gatherWhenSteadyMs), and its aim. */
  private gathering: { timer: NodeJS.Timeout; until: number; go: () => void } | null = null;
  private lastBatchSize = 0;
  /** Gathering waits in a row that nobody joined, and until when gathering is off after too many. */
  private gatherMisses = 0;
  private gatherOffUntil = 0;

  /** `commit` writes all items in one transaction (it must roll back entirely if it throws). */
  constructor(
    private readonly commit: (items: T[]) => Promise<void>,
    private readonly opts: GroupCommitOptions<T> = {},
  ) {
    this.maxBatch = opts.maxBatch ?? Infinity;
    this.parallel = opts.parallel ?? 1;
  }

  write(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const steadyMs = this.opts.gatherWhenSteadyMs ?? 0;
      const at = steadyMs > 0 || this.opts.overlapAfterMs !== undefined ? performance.now() : 0;
      this.queue.push({ item, resolve, reject, at });
      const steady = at - this.lastWriteAt < steadyMs && at >= this.gatherOffUntil;
      this.lastWriteAt = at;
      const g = this.gathering;
      if (g && this.queue.length >= g.until) {
        // As many as last time are here: start now (with the writers of this turn).
        clearTimeout(g.timer);
        this.gathering = null;
        this.gatherMisses = 0;
        setImmediate(g.go);
      }
      if (!this.scheduled && this.active < this.parallel) {
        this.scheduled = true;
        // Let writers of the same turn of the event loop (or of the gathering time) join the first transaction.
        const go = () => {
          this.scheduled = false;
          this.fill();
        };
        if (this.opts.gatherMs) setTimeout(go, this.opts.gatherMs);
        else if (steady) {
          const timer = setTimeout(() => {
            this.gathering = null;
            // Nobody joined: one client writing one at a time (each write waits for the last one's
            // answer) would wait out every gathering. After a few such misses, a pause.
            if (this.queue.length > 1) this.gatherMisses = 0;
            else if (++this.gatherMisses >= GATHER_MISSES_BEFORE_PAUSE) {
              this.gatherMisses = 0;
              this.gatherOffUntil = performance.now() + GATHER_PAUSE_MS;
            }
            go();
          }, steadyMs);
          this.gathering = { timer, until: Math.max(2, this.lastBatchSize), go };
        } else setImmediate(go);
      }
    });
  }

  /** Starts drainers until the queue is empty or `parallel` are running (see overlapAfterMs). */
  private fill(): void {
    while (this.queue.length > 0 && this.active < this.parallel && this.mayStartNow()) {
      this.active++;
      void this.drain();
    }
    this.armOverlap();
  }

  /** Another transaction may start: none is in flight, overlapping is eager, or a full batch waits. */
  private mayStartNow(): boolean {
    return this.active === 0 || this.opts.overlapAfterMs === undefined || this.queue.length >= this.maxBatch;
  }

  /** With writes waiting behind a transaction in flight: start another once the oldest has waited overlapAfterMs. */
  private armOverlap(): void {
    const afterMs = this.opts.overlapAfterMs;
    const [oldest] = this.queue;
    if (afterMs === undefined || this.overlapTimer || !oldest || this.active === 0 || this.active >= this.parallel) return;
    const waitMs = Math.max(0, oldest.at + afterMs - performance.now());
    this.overlapTimer = setTimeout(() => {
      this.overlapTimer = null;
      const [first] = this.queue;
      if (first && this.active < this.parallel && performance.now() - first.at >= afterMs) {
        this.active++;
        void this.drain();
      }
      this.armOverlap();
    }, waitMs);
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      // What waits now waits behind this batch: its own time to start another runs from its oldest.
      if (this.overlapTimer) {
        clearTimeout(this.overlapTimer);
        this.overlapTimer = null;
      }
      this.armOverlap();
      this.lastBatchSize = batch.length;
      const order = this.opts.order;
      if (order) batch.sort((a, b) => order(a.item, b.item));
      try {
        await this.commit(batch.map((b) => b.item));
        for (const b of batch) b.resolve();
      } catch (err) {
        const [only] = batch;
        if (batch.length === 1 && only) only.reject(err);
        else {
          this.opts.onSharedFailure?.(err, batch.length);
          await Promise.all(batch.map((b) => this.commit([b.item]).then(b.resolve, b.reject)));
        }
      }
    }
    this.active--;
  }
}
