/**
 * A relay in its own process, for benchmarks (RSS, load from another process) and chaos tests
 * (SIGKILL, restart on the same database). `createRelayStore` makes the durable part (a temp dir
 * with the SQLite file and media, or a fresh PostgreSQL schema); `spawnRelay` starts a relay
 * process on it, as often as needed.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROJECT_ROOT } from '../config.js';
import { TEST_PG_URL, withPgAdmin, type Engine } from '../testing/engines.js';
import type { ChildMessage } from './relay-child.js';

const CHILD = fileURLToPath(new URL('./relay-child.ts', import.meta.url));
/** The same child compiled by `npm run build:relay` (plain node, no TypeScript loader). */
const COMPILED_CHILD = join(PROJECT_ROOT, 'backend-stub/dist/backend-stub/src/reliability/relay-child.js');
/** The Node flags and environment `npm start` runs the relay with (backend-stub/node-flags.json, node-env.json), so children measure the same. */
export const RELAY_NODE_FLAGS = JSON.parse(readFileSync(join(PROJECT_ROOT, 'backend-stub/node-flags.json'), 'utf8')) as string[];
export const RELAY_NODE_ENV = JSON.parse(readFileSync(join(PROJECT_ROOT, 'backend-stub/node-env.json'), 'utf8')) as Record<string, string>;

export interface RelayStore {
  engine: Engine;
  dir: string;
  mediaDir: string;
  /** Same secret across restarts, so tokens and signed URLs stay valid. */
  secret: string;
  env: Record<string, string>;
  pgSchema: string | null;
  /** Drops the PostgreSQL schema and removes the temp dir. */
  destroy(): Promise<void>;
}

export async function createRelayStore(engine: Engine, prefix = 'eye_r'): Promise<RelayStore> {
  const dir = await mkdtemp(join(tmpdir(), `${prefix}-`));
  const secret = randomBytes(32).toString('base64url');
  const mediaDir = join(dir, 'media');
  let pgSchema: string | null = null;
  const env: Record<string, string> = { EYE_SECRET: secret, EYE_DATA_DIR: dir, MEDIA_DIR: mediaDir };
  if (engine === 'postgres') {
    pgSchema = `${prefix}_${randomBytes(6).toString('hex')}`;
    await withPgAdmin((c) => c.query(`create schema ${pgSchema}`));
    env.DATABASE_URL = TEST_PG_URL;
    env.EYE_PG_SCHEMA = pgSchema;
  } else {
    env.DATABASE_URL = join(dir, 'eye.sqlite');
  }
  return {
    engine,
    dir,
    mediaDir,
    secret,
    env,
    pgSchema,
    async destroy() {
      if (pgSchema) await withPgAdmin((c) => c.query(`drop schema if exists ${pgSchema} cascade`));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface RelayProcess {
  url: string;
  pid: number;
  /** Set only when spawned with createTenant. */
  tenantId: string | null;
  apiKey: string | null;
  child: ChildProcess;
  /** Resident set size read from /proc (bytes), independent of the child's cooperation. */
  rss(): number;
  /** The child's own process.memoryUsage(). */
  /** `gc`: collect garbage first (needs `exposeGc` at spawn), so samples compare retained memory. */
  memory(opts?: { gc?: boolean }): Promise<{ rss: number; heapUsed: number; external: number }>;
  /** Sets the relay's clock to the system clock + `offsetMs` (a clock jump); resolves when applied. */
  shiftClock(offsetMs: number): Promise<void>;
  /** SIGKILL: no shutdown hooks, no flushing. Resolves when the process is gone. */
  kill(): Promise<void>;
  /** Graceful close (drains the webhook worker), then exit. */
  stop(): Promise<void>;
  exited: Promise<number | null>;
}

export interface SpawnOptions {
  createTenant?: boolean;
  /** Register POST /bench/noop. */
  noopRoute?: boolean;
  /** Extra environment (e.g. EYE_RATE_LIMIT_MAX, EYE_WEBHOOK_RETRY_SCHEDULE). */
  env?: Record<string, string>;
  /** Forward the child's stdout/stderr (default: stderr only). */
  verbose?: boolean;
  /** Start the child with --expose-gc (for `memory({ gc: true })`). */
  exposeGc?: boolean;
  /** Run the compiled relay (backend-stub/dist, `npm run build:relay`) with plain node; default: EYE_RELAY_COMPILED=1. */
  compiled?: boolean;
  /** More Node flags for the child (e.g. `--cpu-prof` to profile the relay under load); env EYE_RELAY_NODE_FLAGS adds more. */
  nodeFlags?: string[];
  startTimeoutMs?: number;
}

/** Reads VmRSS of a process from /proc (Linux). */
export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(status);
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

export async function spawnRelay(store: RelayStore, opts: SpawnOptions = {}): Promise<RelayProcess> {
  const env: Record<string, string> = {
    ...RELAY_NODE_ENV,
    ...(process.env as Record<string, string>),
    PORT: '0',
    LOG_LEVEL: 'warn',
    EYE_WEBHOOK_ALLOW_HTTP: '1',
    EYE_WEBHOOK_ALLOW_LOOPBACK: '1',
    ...store.env,
    ...(opts.createTenant ? { EYE_CHILD_CREATE_TENANT: '1' } : {}),
    ...(opts.noopRoute ? { EYE_BENCH_NOOP: '1' } : {}),
    ...opts.env,
  };
  const compiled = opts.compiled ?? process.env.EYE_RELAY_COMPILED === '1';
  if (compiled && !existsSync(COMPILED_CHILD)) throw new Error(`${COMPILED_CHILD} is missing: run npm run build:relay`);
  const child = fork(compiled ? COMPILED_CHILD : CHILD, [], {
    execArgv: [...(compiled ? [] : ['--import', 'tsx']), ...RELAY_NODE_FLAGS, ...(opts.exposeGc ? ['--expose-gc'] : []), ...(opts.nodeFlags ?? []), ...(process.env.EYE_RELAY_NODE_FLAGS?.split(' ').filter(Boolean) ?? [])],
    env,
    stdio: ['ignore', opts.verbose ? 'inherit' : 'ignore', 'inherit', 'ipc'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => { resolve(code); }));
  const ready = await new Promise<Extract<ChildMessage, { type: 'ready' }>>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('relay child did not start in time'));
    }, opts.startTimeoutMs ?? 60_000);
    const onMessage = (m: ChildMessage) => {
      if (m.type === 'ready') {
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve(m);
      } else if (m.type === 'error') {
        clearTimeout(timer);
        reject(new Error(`relay child failed: ${m.message}`));
      }
    };
    child.on('message', onMessage);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`relay child exited with ${code} before it was ready`));
    });
  });
  const { pid } = child;
  if (pid === undefined) throw new Error('relay child has no pid');
  return {
    url: ready.url,
    pid,
    tenantId: ready.tenantId,
    apiKey: ready.apiKey,
    child,
    exited,
    rss: () => rssOf(pid),
    memory: (o = {}) =>
      new Promise((resolve, reject) => {
        const onMessage = (m: ChildMessage) => {
          if (m.type !== 'memory') return;
          child.off('message', onMessage);
          resolve(m);
        };
        child.on('message', onMessage);
        if (!child.send({ type: 'memory', gc: o.gc === true })) reject(new Error('relay child is gone'));
      }),
    shiftClock: (offsetMs) =>
      new Promise((resolve, reject) => {
        const onMessage = (m: ChildMessage) => {
          if (m.type !== 'clock') return;
          child.off('message', onMessage);
          resolve();
        };
        child.on('message', onMessage);
        if (!child.send({ type: 'clock', offsetMs })) reject(new Error('relay child is gone'));
      }),
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Every file under the media dir (including temp uploads), for "nothing stored" checks. */
export async function listMediaFiles(mediaDir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string, rel: string) => {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.isDirectory()) await walk(join(d, e.name), `${rel}${e.name}/`);
      else out.push(`${rel}${e.name}`);
    }
  };
  await walk(mediaDir, '');
  return out.sort();
}
