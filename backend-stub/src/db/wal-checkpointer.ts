import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type BetterSqlite3 from 'better-sqlite3';

/** How often WAL pages are checkpointed, ms: short ticks keep each checkpoint on the event loop short. */
export const CHECKPOINT_INTERVAL_MS = 100;
/**
 * Pages one tick may copy on the relay's own connection. A PASSIVE checkpoint costs ~1 ms per 100
 * pages, fsyncs included (measured here: 200 pages ~2 ms, 1,600 pages 8-10 ms), all of it on the
 * event loop; past this the thread takes over. 400 pages per 100 ms is 16 MB/s of WAL: 10,000 live
 * sessions flagging once a minute write ~1,800 pages/s (~11 pages a flag), group-committed ingest
 * at full speed several times this threshold.
 */
export const THREAD_ABOVE_PAGES = 400;
/**
 * The thread exits once the last this many ticks (30 s) copied under half the threshold on
 * average: steady writes a little over half (10,000 sessions flagging once a minute, ~140 pages a
 * tick with bursts past 200) go back to the relay's connection instead of keeping a thread forever.
 */
export const THREAD_IDLE_TICKS = 300;

/** Whether the pages copied by the last `ticks` ticks average under `pagesPerTick` (a sliding window). */
export function quietWindow(ticks: number, pagesPerTick: number): (copied: number) => boolean {
  const window = new Float64Array(ticks);
  let seen = 0;
  let sum = 0;
  return (copied) => {
    const at = seen % ticks;
    sum += copied - (window[at] ?? 0);
    window[at] = copied;
    seen++;
    return seen >= ticks && sum < ticks * pagesPerTick;
  };
}

/** Frames a PASSIVE checkpoint copied since the previous one (the WAL restarts after a complete one). */
function pagesCopier(): (r: { log: number; checkpointed: number }) => number {
  let lastLog = 0;
  let lastDone = 0;
  return ({ log, checkpointed }) => {
    const copied = log >= lastLog && checkpointed >= lastDone ? checkpointed - lastDone : Math.max(0, checkpointed);
    lastLog = log;
    lastDone = checkpointed;
    return copied;
  };
}

/**
 * The thread's code (a CommonJS script: one file that works from TypeScript sources and from the
 * compiled package alike). Its own connection runs PASSIVE checkpoints, which never wait for or
 * block the relay's writers and readers, and reports each one's WAL frame counts; `wal_autocheckpoint
 * = 0` is set on this connection too, so closing it never checkpoints (the relay's own connection
 * does that when it closes last).
 */
const THREAD_CODE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 0');
db.pragma('wal_autocheckpoint = 0');
const tick = () => {
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)');
    if (r) parentPort.postMessage([r.log, r.checkpointed]);
  } catch { /* busy or gone: the next tick tries again */ }
};
const timer = setInterval(tick, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  Atomics.store(workerData.closed, 0, 1);
  Atomics.notify(workerData.closed, 0);
  parentPort.close();
});
`;

/** Defaults: CHECKPOINT_INTERVAL_MS, THREAD_ABOVE_PAGES, THREAD_IDLE_TICKS (tests shorten them). */
export interface CheckpointerOptions {
  intervalMs?: number;
  threadAbovePages?: number;
  threadIdleTicks?: number;
}

export interface WalCheckpointer {
  /** Whether the thread runs the checkpoints right now. */
  readonly threaded: boolean;
  /** How often a thread was started (each exits again once `threadIdleTicks` ticks averaged quiet). */
  readonly threadStarts: number;
  /**
   * Stops checkpointing and waits (briefly, synchronously) until the thread's connection is closed,
   * so the caller's close is the last one: SQLite then checkpoints everything and removes the WAL.
   */
  stop(): void;
}

/**
 * Checkpoints a SQLite WAL database outside of commits. SQLite's automatic checkpoint runs inside
 * the commit that crosses 1,000 WAL pages: it copies those pages into the database file and fsyncs
 * both, on the event loop of whichever request committed, and was most of the ingest path's stalls.
 * Here the caller sets `wal_autocheckpoint = 0` and every `intervalMs` a PASSIVE checkpoint runs:
 * on `sqlite` itself (right after its open transaction, if any) as long as a tick copies at most
 * `threadAbovePages` pages, a few milliseconds; when a tick copies more, a worker thread with its
 * own connection takes over, so heavy ingest never waits for a checkpoint, and exits once the
 * last `threadIdleTicks` ticks averaged under half that. A thread is a V8 isolate of its own, ~8-10 MB
 * of RSS that an idle or lightly loaded relay does not need. Call `stop()` before closing `sqlite`.
 */
export function startWalCheckpointer(sqlite: BetterSqlite3.Database, file: string, opts: CheckpointerOptions = {}): WalCheckpointer {
  const intervalMs = opts.intervalMs ?? CHECKPOINT_INTERVAL_MS;
  const threadAbove = opts.threadAbovePages ?? THREAD_ABOVE_PAGES;
  const idleTicks = opts.threadIdleTicks ?? THREAD_IDLE_TICKS;
  let thread: { worker: Worker; closed: Int32Array; leaving: boolean } | null = null;
  let threadStarts = 0;
  let stopped = false;
  // After a thread, the first tick here counts from wherever the WAL is then.
  let copiedHere = pagesCopier();

  const startThread = () => {
    const closed = new Int32Array(new SharedArrayBuffer(4));
    let worker: Worker;
    try {
      worker = new Worker(THREAD_CODE, {
        eval: true,
        workerData: { file, driver: createRequire(import.meta.url).resolve('better-sqlite3'), intervalMs, closed },
        // The relay's loader flags (tsx in development) are not needed by this plain script.
        execArgv: [],
        resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 1 },
      });
    } catch {
      return; // no thread: the ticks here go on
    }
    worker.unref();
    const t = { worker, closed, leaving: false };
    thread = t;
    threadStarts++;
    const copiedThere = pagesCopier();
    const quiet = quietWindow(idleTicks, threadAbove / 2);
    worker.on('message', ([log, checkpointed]: [number, number]) => {
      if (quiet(copiedThere({ log, checkpointed })) && !t.leaving) {
        t.leaving = true;
        worker.postMessage('stop');
      }
    });
    worker.on('error', () => undefined);
    worker.on('exit', () => {
      if (thread === t) thread = null;
      copiedHere = pagesCopier();
    });
  };

  let retry: NodeJS.Timeout | null = null;
  const tick = () => {
    if (thread || stopped || !sqlite.open) return;
    if (sqlite.inTransaction) {
      // A checkpoint fails on a connection inside a transaction; this one ends within milliseconds.
      retry ??= setTimeout(() => {
        retry = null;
        tick();
      }, 2).unref();
      return;
    }
    let copied: number;
    try {
      const [r] = sqlite.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
      if (!r) return;
      copied = copiedHere(r);
    } catch {
      return; // busy: the next tick tries again
    }
    if (copied > threadAbove) startThread();
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();

  return {
    get threaded() {
      return thread !== null;
    },
    get threadStarts() {
      return threadStarts;
    },
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      if (retry) clearTimeout(retry);
      const t = thread;
      if (!t) return;
      if (!t.leaving) t.worker.postMessage('stop');
      Atomics.wait(t.closed, 0, 0, 2000);
    },
  };
}
