/**
 * `eye-relay serve --workers N` (src/cluster.ts) on a relay store (relay-process.ts): the package's
 * bin with the Node flags and environment `npm start` gives a relay, for the cluster test and the
 * bench. Readiness and which process answered come from the relay's own log lines (pino JSON with
 * `pid`), so it runs at LOG_LEVEL=info (flag posts are not logged at that level: no extra cost).
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../config.js';
import { RELAY_NODE_ENV, RELAY_NODE_FLAGS, type RelayStore } from './relay-process.js';

const BIN = join(PROJECT_ROOT, 'backend-stub/bin/eye-relay.mjs');

export interface RelayCluster {
  url: string;
  port: number;
  /** The cluster's primary (it serves nothing; its children do). */
  primaryPid: number;
  /** Everything the processes printed so far. */
  output: () => string;
  /** pids of the processes that logged a line whose msg matches `msg`, in order. */
  pidsLogging: (msg: RegExp) => number[];
  /** The relay processes that have listened so far (a replaced one stays in the list). */
  listening: () => number[];
  exited: Promise<number | null>;
  /** SIGTERM to the primary (it stops every process); resolves with its exit code. */
  stop: () => Promise<number | null>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts the cluster on `store` and resolves once `workers` relay processes listen. */
export async function spawnRelayCluster(
  store: RelayStore,
  opts: { workers: number; env?: Record<string, string>; /** More Node flags (the processes inherit them), e.g. `--cpu-prof`. */ nodeFlags?: string[]; startTimeoutMs?: number },
): Promise<RelayCluster> {
  const port = await freePort();
  const child = spawn(process.execPath, [...RELAY_NODE_FLAGS, ...(opts.nodeFlags ?? []), BIN, 'serve', '--workers', String(opts.workers)], {
    cwd: store.dir,
    env: { ...RELAY_NODE_ENV, ...process.env, EYE_WEBHOOK_ALLOW_HTTP: '1', EYE_WEBHOOK_ALLOW_LOOPBACK: '1', ...store.env, ...opts.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info' },
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const pidsLogging = (msg: RegExp) => {
    const pids: number[] = [];
    for (const line of out.split('\n')) {
      if (!line.startsWith('{"level"')) continue;
      const entry = JSON.parse(line) as { pid: number; msg?: string };
      if (entry.msg !== undefined && msg.test(entry.msg)) pids.push(entry.pid);
    }
    return pids;
  };
  const listening = () => pidsLogging(/^Server listening/);
  const deadline = Date.now() + (opts.startTimeoutMs ?? 90_000);
  while (listening().length < opts.workers) {
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`relay cluster did not start ${opts.workers} processes:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  if (child.pid === undefined) throw new Error('relay cluster has no pid');
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    primaryPid: child.pid,
    output: () => out,
    pidsLogging,
    listening,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
