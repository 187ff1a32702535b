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
  /** Sorts a batch before it is written, e.g. by the row it locks, so parallel batches never deadlock. */
  order?: (a: T, b: T) => number;
  /**
   * Wait this long before starting a transaction, so that more writers join it (default 0: the
   * writers of the same turn of the event loop). For writes nobody waits on, such as the worker's
   * attempt outcomes: fewer, larger transactions.
   */
  gatherMs?: number;
  /** Told when a shared transaction failed and its items are being retried one by one. */
  onSharedFailure?: (err: unknown, items: number) => void;
}

export class GroupCommit<T> {
  private queue: { item: T; resolve: () => void; reject: (err: unknown) => void }[] = [];
  private active = 0;
  private scheduled = false;
  private readonly maxBatch: number;
  private readonly parallel: number;

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
      this.queue.push({ item, resolve, reject });
      if (!this.scheduled && this.active < this.parallel) {
        this.scheduled = true;
        // Let writers of the same turn of the event loop (or of gatherMs) join the first transaction.
        const go = () => {
          this.scheduled = false;
          this.fill();
        };
        if (this.opts.gatherMs) setTimeout(go, this.opts.gatherMs);
        else setImmediate(go);
      }
    });
  }

  /** Starts drainers until the queue is empty or `parallel` are running. */
  private fill(): void {
    while (this.queue.length > 0 && this.active < this.parallel) {
      this.active++;
      void this.drain();
    }
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
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
