import type { Kysely, Transaction } from 'kysely';
import type { DbEngine } from '../db/connect.js';
import { GroupCommit } from '../db/group-commit.js';
import type { Database } from '../db/schema.js';
import type { SharedTransactions } from './ingest.js';
import { lockSessionsAhead } from './service.js';

interface Unit {
  sessionId: string;
  body: (trx: Transaction<Database>) => Promise<unknown>;
  result?: unknown;
}

/**
 * PostgreSQL: bodies of different sessions run at the same time, so that their flag writes go out
 * as one statement (sessions/flag-batch.ts); a session's own bodies run one after another, in
 * order. Settles when every body has (none is left running on the connection), then fails with the
 * first failure, if any.
 */
async function runBySession(units: Unit[], trx: Transaction<Database>): Promise<void> {
  const last = new Map<string, Promise<void>>();
  const runs = units.map((u) => {
    const run = (last.get(u.sessionId) ?? Promise.resolve()).then(async () => {
      u.result = await u.body(trx);
    });
    last.set(u.sessionId, run);
    return run;
  });
  const failed = (await Promise.allSettled(runs)).find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** How long flags wait behind a transaction in flight before another starts for them (PostgreSQL). */
const OVERLAP_AFTER_MS = 30;

/**
 * Group commit for plain flags: flags that arrive together are stored in one transaction (one
 * commit, one WAL append on SQLite) and each is answered only after that commit. A flag whose body
 * fails (a 409, a lost connection) rolls the shared transaction back; then every flag of it runs
 * again in its own transaction, so the others are stored and the failing one gets its own error.
 * The transaction first locks all its sessions in one statement, in session-id order, so parallel
 * shared transactions (PostgreSQL) lock sessions in the same order and never deadlock each other.
 * Then bodies run: on SQLite one after another, on PostgreSQL those of different sessions together.
 * While flags arrive less than `gatherMs` apart, a transaction waits that long for more before it
 * starts (config.ingestGatherMs), so flags of many candidates arriving one at a time share commits.
 */
export function groupIngest(
  db: Kysely<Database>,
  engine: DbEngine,
  opts: { maxBatch?: number; parallel?: number; overlapAfterMs?: number; gatherMs?: number; log?: { warn(obj: object, msg: string): void } } = {},
): SharedTransactions {
  const group = new GroupCommit<Unit>(
    (units) =>
      db.transaction().execute(async (trx) => {
        await lockSessionsAhead(trx, engine, units.map((u) => u.sessionId));
        if (engine === 'postgres') await runBySession(units, trx);
        else for (const u of units) u.result = await u.body(trx);
      }),
    {
      maxBatch: opts.maxBatch ?? 64,
      gatherWhenSteadyMs: opts.gatherMs ?? 0,
      // SQLite has one connection; PostgreSQL overlaps a few transactions, leaving pool connections
      // to the webhook worker and the other routes.
      parallel: opts.parallel ?? (engine === 'postgres' ? 4 : 1),
      // A second transaction only for a full batch or one held up: at 32 clients, transactions of
      // 7 flags each from eager overlapping cost PostgreSQL twice the CPU per flag of batches of ~16.
      overlapAfterMs: opts.overlapAfterMs ?? OVERLAP_AFTER_MS,
      onSharedFailure: (err, items) => opts.log?.warn({ err, items }, 'shared ingest transaction failed; storing its flags one by one'),
      order: (a, b) => (a.sessionId < b.sessionId ? -1 : a.sessionId > b.sessionId ? 1 : 0),
    },
  );
  return async <R>(sessionId: string, body: (trx: Transaction<Database>) => Promise<R>): Promise<R> => {
    const unit: Unit = { sessionId, body };
    await group.write(unit);
    return unit.result as R;
  };
}
