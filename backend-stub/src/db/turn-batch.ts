/**
 * Statements gathered over one turn of the event loop: the flag bodies of a shared PostgreSQL
 * ingest transaction run at the same time (sessions/group-ingest.ts), so what each adds in the
 * same turn can go out as one statement, one round trip for all of them instead of one each.
 */
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

interface Pending<I, R> {
  item: I;
  resolve: (r: R) => void;
  reject: (err: unknown) => void;
}

export interface TurnBatchOptions<I> {
  /**
   * Items with the same key never share a statement: adding one whose key is pending sends the
   * pending ones first (a later item was worked out after the earlier one was written).
   */
  keyOf?: (item: I) => string;
}

/**
 * Items added before the end of the current turn are sent together by `send`, which answers one
 * result per item, in order; a failed send rejects every item of it.
 */
export class TurnBatch<I, R> {
  private pending: Pending<I, R>[] = [];
  private keys = new Set<string>();

  constructor(
    private readonly send: (items: I[]) => Promise<R[]>,
    private readonly opts: TurnBatchOptions<I> = {},
  ) {}

  add(item: I): Promise<R> {
    const key = this.opts.keyOf?.(item);
    if (key !== undefined && this.keys.has(key)) this.flush();
    return new Promise<R>((resolve, reject) => {
      if (this.pending.length === 0) {
        process.nextTick(() => {
          this.flush();
        });
      }
      this.pending.push({ item, resolve, reject });
      if (key !== undefined) this.keys.add(key);
    });
  }

  private flush(): void {
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    this.keys = new Set();
    this.send(batch.map((p) => p.item)).then(
      (results) => {
        batch.forEach((p, i) => {
          p.resolve(results[i] as R);
        });
      },
      (err: unknown) => {
        for (const p of batch) p.reject(err);
      },
    );
  }
}

/** One TurnBatch per transaction (its statements run on that transaction's connection). */
export function turnBatchesPerTransaction<I, R>(
  send: (trx: Kysely<Database>, items: I[]) => Promise<R[]>,
  opts: TurnBatchOptions<I> = {},
): (trx: Kysely<Database>) => TurnBatch<I, R> {
  const batches = new WeakMap<Kysely<Database>, TurnBatch<I, R>>();
  return (trx) => {
    let batch = batches.get(trx);
    if (!batch) batches.set(trx, (batch = new TurnBatch((items) => send(trx, items), opts)));
    return batch;
  };
}
