/**
 * Starts the durable-ingest floor (ingest-floor-server.ts) as a child process on a relay store's
 * database (its SQLite file's directory, or its fresh PostgreSQL schema).
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RelayStore } from '../../backend-stub/src/reliability/relay-process.js';

const SERVER = fileURLToPath(new URL('./ingest-floor-server.ts', import.meta.url));

export interface IngestFloor {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export async function spawnIngestFloor(store: RelayStore): Promise<IngestFloor> {
  const env = { ...process.env, ...store.env, ...(store.engine === 'sqlite' ? { DATABASE_URL: join(store.dir, 'floor.sqlite') } : {}) };
  const child = fork(SERVER, [], { execArgv: ['--import', 'tsx'], env, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => { resolve(); }));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error('ingest floor did not start in time')); }, 30_000);
    child.once('message', (m: { port: number }) => {
      clearTimeout(timer);
      resolve(m.port);
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error('ingest floor exited before it listened'));
    });
  });
  if (child.pid === undefined) throw new Error('ingest floor has no pid');
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
