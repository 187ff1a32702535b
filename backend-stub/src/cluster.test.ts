/**
 * `eye-relay serve --workers N` (src/cluster.ts) as an operator runs it: the package's bin on one
 * port and a fresh PostgreSQL schema. Every request here opens its own connection, since the
 * cluster hands out connections (not requests) to its processes; which process answered is read
 * from the relay's own log lines (pino's `pid`).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openDatabase } from './db/connect.js';
import { spawnRelayCluster, type RelayCluster } from './reliability/relay-cluster.js';
import { request, type RequestSpec } from './reliability/http-load.js';
import { createRelayStore } from './reliability/relay-process.js';
import { createTenant } from './tenants.js';
import { runCli } from './testing/cli-run.js';
import { waitUntil } from './testing/webhook-fixtures.js';

/** One request on a connection of its own (http-load's `request` without an agent), its JSON answer. */
async function call(port: number, method: RequestSpec['method'], path: string, headers: Record<string, string> = {}, json?: unknown): Promise<{ status: number; body: unknown }> {
  const body = json === undefined ? undefined : JSON.stringify(json);
  const res = await request(`http://127.0.0.1:${port}`, { method, path, headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) }, body });
  const text = res.body.toString('utf8');
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
}

/** waitUntil with the cluster's output in the error, for a failure that says why. */
function until<T>(what: string, check: () => T | undefined | false, output: () => string, timeoutMs = 90_000): Promise<T> {
  return waitUntil(what, () => Promise.resolve(check()), timeoutMs).catch((err: unknown) => {
    throw new Error(`${String(err)}; output:\n${output()}`);
  });
}

const parentOf = (pid: number) => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ')[1]);
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('eye-relay serve --workers', () => {
  it('runs N relay processes on one port and one PostgreSQL, replaces one that dies, and stops them all on SIGTERM', async () => {
    const store = await createRelayStore('postgres', 'eye_cluster');
    let relay: RelayCluster | null = null;
    try {
      relay = await spawnRelayCluster(store, { workers: 2 });
      const { port, primaryPid, output } = relay;
      const first = relay.listening();
      assert.equal(new Set(first).size, 2, 'two distinct processes');
      for (const pid of first) assert.equal(parentOf(pid), primaryPid, `relay process ${pid} is a child of the primary`);
      assert.match(output(), /processes {5}2 relay processes on one port/);

      const { db } = openDatabase({ databaseUrl: store.env.DATABASE_URL ?? '', pgSchema: store.pgSchema });
      const { apiKey } = await createTenant(db, 'cluster tenant');
      await db.destroy();

      // Sessions created over separate connections land on both processes; each flag is stored
      // whichever process takes it, and every process reads it back.
      const sessions: { sessionId: string; token: string }[] = [];
      for (let i = 0; i < 6; i++) {
        const r = await call(port, 'POST', '/v1/sessions', { 'x-api-key': apiKey }, { examId: 'exam-1', candidateId: `cand-${i}` });
        assert.equal(r.status, 201, JSON.stringify(r.body));
        sessions.push(r.body as { sessionId: string; token: string });
      }
      const cluster = relay;
      await until('sessions answered by both processes', () => {
        const served = new Set(cluster.pidsLogging(/^request completed/));
        return first.every((pid) => served.has(pid));
      }, output);
      for (const [i, s] of sessions.entries()) {
        const flag = { id: `flag-${i}`, type: 'TAB_NOT_FOCUS', examId: 'exam-1', candidateId: `cand-${i}`, description: 'left the tab', createdAt: new Date().toISOString() };
        const posted = await call(port, 'POST', `/v1/sessions/${s.sessionId}/flags`, { authorization: `Bearer ${s.token}` }, flag);
        assert.equal(posted.status, 201, JSON.stringify(posted.body));
      }
      for (let round = 0; round < 2; round++) {
        for (const [i, s] of sessions.entries()) {
          const view = await call(port, 'GET', `/v1/sessions/${s.sessionId}`, { 'x-api-key': apiKey });
          assert.equal(view.status, 200);
          const flags = (view.body as { flags: { id: string }[] }).flags.map((f) => f.id);
          assert.ok(flags.includes(`flag-${i}`), `session ${i} shows its flag: ${flags.join(', ')}`);
        }
      }

      // A relay process killed outright is replaced; the port keeps answering meanwhile.
      const [victim, survivor] = first as [number, number];
      process.kill(victim, 'SIGKILL');
      const replacement = await until('a replacement process', () => cluster.listening().find((pid) => !first.includes(pid)), output);
      assert.match(output(), new RegExp(`relay process ${victim} stopped \\(signal SIGKILL\\); starting another in 1000 ms`));
      assert.equal(parentOf(replacement), primaryPid);
      for (let i = 0; i < 4; i++) assert.equal((await call(port, 'GET', '/healthz')).status, 200);

      assert.equal(await relay.stop(), 0, output());
      for (const pid of [survivor, replacement]) await until(`relay process ${pid} gone`, () => !alive(pid), output, 15_000);
    } finally {
      await relay?.stop();
      await store.destroy();
    }
  });

  it('refuses several processes on SQLite and a count below 1, naming the setting', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'eye-cluster-'));
    try {
      const env = { EYE_DATA_DIR: dir, DATABASE_URL: join(dir, 'eye.sqlite'), EYE_SECRET: 'c'.repeat(40) };
      const sqlite = await runCli(['serve', '--workers', '2'], env, dir);
      assert.equal(sqlite.code, 1);
      assert.match(sqlite.stderr, /EYE_WORKERS \(--workers\) 2 needs PostgreSQL/);
      const zero = await runCli(['serve', '--workers', '0'], env, dir);
      assert.equal(zero.code, 1);
      assert.match(zero.stderr, /EYE_WORKERS \(--workers\) must be an integer >= 1/);
      const worker = await runCli(['worker', '--workers', '2'], { ...env, DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test' }, dir);
      assert.equal(worker.code, 1);
      assert.match(worker.stderr, /--workers is for eye-relay serve/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
