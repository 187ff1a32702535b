import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** How often the thread checkpoints, ms: often enough that the WAL stays a few MB under load. */
export const CHECKPOINT_INTERVAL_MS = 250;

/**
 * The thread's code (a CommonJS script: one file that works from TypeScript sources and from the
 * compiled package alike). Its own connection runs PASSIVE checkpoints, which never wait for or
 * block the relay's writers and readers; `wal_autocheckpoint = 0` is set on this connection too,
 * so closing it never checkpoints (the relay's own connection does that when it closes last).
 */
const THREAD_CODE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 0');
db.pragma('wal_autocheckpoint = 0');
const tick = () => { try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* busy or gone: the next tick tries again */ } };
const timer = setInterval(tick, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  Atomics.store(workerData.closed, 0, 1);
  Atomics.notify(workerData.closed, 0);
  parentPort.close();
});
`;

/**
 * Checkpoints a SQLite WAL database from a worker thread. SQLite's automatic checkpoint runs
 * inside the commit that crosses 1,000 WAL pages: it copies those pages into the database file
 * and fsyncs both, on the event loop of whichever request committed, and was most of the ingest
 * path's stalls. The caller sets `wal_autocheckpoint = 0` on its connection and calls `stop()`
 * before closing it; `onFailure` runs if the thread dies, so the caller can turn SQLite's automatic
 * checkpoints back on. Returns null when the thread cannot start.
 */
export function startWalCheckpointer(file: string, onFailure: () => void, intervalMs = CHECKPOINT_INTERVAL_MS): { stop(): void } | null {
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
    return null;
  }
  worker.unref();
  let stopping = false;
  let exited = false;
  worker.on('error', () => undefined);
  worker.on('exit', () => {
    exited = true;
    if (!stopping) onFailure();
  });
  return {
    /**
     * Stops the thread and waits (briefly, synchronously) until its connection is closed, so the
     * caller's close is the last one: SQLite then checkpoints everything and removes the WAL.
     */
    stop() {
      if (stopping || exited) return;
      stopping = true;
      worker.postMessage('stop');
      Atomics.wait(closed, 0, 0, 2000);
    },
  };
}
