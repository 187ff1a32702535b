/**
 * `eye-relay serve --workers N`: N relay processes on one port, one machine's cores without a load
 * balancer. node:cluster's primary accepts the connections and hands them to the processes in turn;
 * each is a whole relay (its own event loop, delivery worker and retention job) on the one
 * PostgreSQL database, exactly as several relays behind a load balancer (README "Several relays on
 * one PostgreSQL"): everything a request may need is in the database, never in one process.
 *
 * The primary serves nothing itself. It migrates the database once (the processes start with
 * EYE_AUTO_MIGRATE=0), starts the processes, and starts another when one dies (1 s later, doubling
 * with each death in the last minute, up to 30 s). Until the first has listened, a death stops them
 * all instead (a port in use, a bad setting: the next would fail too). On SIGTERM or
 * SIGINT stops each gracefully (SIGTERM: in-flight requests finish), then SIGKILL after
 * `stopTimeoutMs`.
 */
import cluster, { type Worker } from 'node:cluster';
import type { RelayConfig } from './config.js';
import { withMigratedDatabase } from './db/migrate.js';

export interface RelayClusterOptions {
  /** First restart delay after a process died, ms (default 1000). */
  restartDelayMs?: number;
  /** How long stopping processes get before SIGKILL, ms (default 15000: a relay's own shutdown gives up after 10 s). */
  stopTimeoutMs?: number;
  log?: (line: string) => void;
}

const MAX_RESTART_DELAY_MS = 30_000;
const RESTART_WINDOW_MS = 60_000;

/** Runs the cluster's primary; resolves with the exit code once every relay process has stopped. */
export async function runRelayCluster(config: RelayConfig, opts: RelayClusterOptions = {}): Promise<number> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const restartDelayMs = opts.restartDelayMs ?? 1000;
  if (config.autoMigrate) await withMigratedDatabase(config, () => Promise.resolve());
  return new Promise<number>((resolve) => {
    const live = new Set<Worker>();
    const restarts: number[] = [];
    const restartTimers = new Set<NodeJS.Timeout>();
    let anyListened = false;
    let stopping = false;
    let exitCode = 0;
    let killTimer: NodeJS.Timeout | undefined;
    const finishIfStopped = () => {
      if (!stopping || live.size > 0) return;
      clearTimeout(killTimer);
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      resolve(exitCode);
    };
    const stop = (code: number) => {
      if (stopping) return;
      stopping = true;
      exitCode = code;
      for (const t of restartTimers) clearTimeout(t);
      for (const w of live) w.process.kill('SIGTERM');
      killTimer = setTimeout(() => {
        for (const w of live) w.process.kill('SIGKILL');
      }, opts.stopTimeoutMs ?? 15_000);
      finishIfStopped();
    };
    function onSignal(signal: NodeJS.Signals): void {
      log(`eye-relay: ${signal}: stopping ${live.size} relay processes`);
      stop(0);
    }
    const start = () => {
      const worker = cluster.fork({ EYE_AUTO_MIGRATE: '0' });
      live.add(worker);
      worker.on('listening', () => {
        anyListened = true;
      });
      worker.on('exit', (code, signal) => {
        live.delete(worker);
        if (stopping) {
          finishIfStopped();
          return;
        }
        const how = signal ? `signal ${signal}` : `exit code ${code}`;
        if (!anyListened) {
          log(`eye-relay: relay process ${worker.process.pid} stopped before any listened (${how}); stopping the others`);
          stop(1);
          return;
        }
        const now = Date.now();
        while (restarts.length > 0 && (restarts[0] ?? 0) < now - RESTART_WINDOW_MS) restarts.shift();
        const delay = Math.min(MAX_RESTART_DELAY_MS, restartDelayMs * 2 ** restarts.length);
        restarts.push(now);
        log(`eye-relay: relay process ${worker.process.pid} stopped (${how}); starting another in ${delay} ms`);
        const timer = setTimeout(() => {
          restartTimers.delete(timer);
          start();
        }, delay);
        restartTimers.add(timer);
      });
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    for (let i = 0; i < config.workers; i++) start();
  });
}
