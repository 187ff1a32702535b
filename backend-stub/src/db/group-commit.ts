/**
 * Group commit: writes that arrive while a transaction is being committed wait and then share the
 * next one, so N concurrent writers cost one commit (one WAL append on SQLite, one round trip to
 * COMMIT on PostgreSQL) instead of N. Each caller's promise settles only after the transaction that
 * holds its write has committed, so callers keep their durability guarantee.
 *
 * If a shared transaction fails, its items are retried one per transaction, so one bad item
 * cannot fail the others.
 */
export class GroupCommit<T> {
  private queue: { item: T; resolve: () => void; reject: (err: unknown) => void }[] = [];
  private running = false;

  /** `commit` writes all items in one transaction (it must roll back entirely if it throws). */
  constructor(private readonly commit: (items: T[]) => Promise<void>) {}

  write(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.running) {
        this.running = true;
        // Let writers of the same turn of the event loop join the first transaction.
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      try {
        await this.commit(batch.map((b) => b.item));
        for (const b of batch) b.resolve();
      } catch (err) {
        if (batch.length === 1) batch[0]!.reject(err);
        else await Promise.all(batch.map((b) => this.commit([b.item]).then(b.resolve, b.reject)));
      }
    }
    this.running = false;
  }
}
