import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { dbOptionsOf, describeConfig, loadConfig, parseFlags } from './config.js';
import { openDatabase, SQLITE_PAGE_SIZE } from './db/connect.js';
import { DEMO_API_KEY, findTenantByKey } from './tenants.js';
import { runCli } from './testing/cli-run.js';
import { TEST_PG_URL } from './testing/engines.js';
import pg from 'pg';
import { sql } from 'kysely';
import BetterSqlite3 from 'better-sqlite3';
import { randomBytes } from 'node:crypto';

const BIN = fileURLToPath(new URL('../bin/eye-relay.mjs', import.meta.url));

const RELAY_SECRET = 'q'.repeat(48);

/** `eye-relay <args>` as a child process, once it listens (address from Fastify's start line). */
async function startRelayProcess(args: string[], dir: string) {
  const child = spawn(process.execPath, [BIN, ...args, '--log-level', 'info'], { cwd: dir, env: { ...process.env, EYE_DATA_DIR: dir, EYE_SECRET: RELAY_SECRET, HOST: '' } });
  let out = '';
  child.stdout.on('data', (d: Buffer | string) => {
    out += d.toString();
  });
  child.stderr.on('data', (d: Buffer | string) => {
    out += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const [, host, port] = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`relay did not start:\n${out}`));
    }, 60_000);
    const check = () => {
      const m = /Server listening at http:\/\/([\d.]+):(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      } else setTimeout(check, 100);
    };
    check();
  });
  return {
    host: host!,
    port: Number(port),
    output: () => out,
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

const run = runCli;

describe('relay configuration', () => {
  it('EYE_SQLITE_CACHE_MB sizes the SQLite page cache of the relay connection', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'eye-cache-'));
    const cacheOf = async (env: Record<string, string>) => {
      const { db } = openDatabase(dbOptionsOf(loadConfig({ EYE_SECRET: 's'.repeat(40), DATABASE_URL: join(dir, 'eye.sqlite'), ...env })));
      try {
        return (await sql<{ cache_size: number }>`pragma cache_size`.execute(db)).rows[0]?.cache_size;
      } finally {
        await db.destroy();
      }
    };
    try {
      assert.equal(await cacheOf({}), -2048, 'default 2 MiB (negative: KiB)');
      assert.equal(await cacheOf({ EYE_SQLITE_CACHE_MB: '8' }), -8192);
      assert.throws(() => loadConfig({ EYE_SECRET: 's'.repeat(40), EYE_SQLITE_CACHE_MB: '0' }), /EYE_SQLITE_CACHE_MB must be an integer >= 1/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a new SQLite database gets 1 KiB pages; an existing one keeps its own and opens as before', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'eye-pages-'));
    const pageSizeOf = async (file: string) => {
      const { db } = openDatabase(dbOptionsOf(loadConfig({ EYE_SECRET: 's'.repeat(40), DATABASE_URL: join(dir, file) })));
      try {
        await sql`create table if not exists t (x integer)`.execute(db);
        await sql`insert into t values (1)`.execute(db);
        const rows = (await sql<{ n: number }>`select count(*) as n from t`.execute(db)).rows;
        return { pageSize: (await sql<{ page_size: number }>`pragma page_size`.execute(db)).rows[0]?.page_size, rows: rows[0]?.n };
      } finally {
        await db.destroy();
      }
    };
    try {
      assert.deepEqual(await pageSizeOf('new.sqlite'), { pageSize: SQLITE_PAGE_SIZE, rows: 1 });
      assert.equal(SQLITE_PAGE_SIZE, 1024);
      // A database made with SQLite's default page size (an earlier relay's) is not rewritten.
      const old = new BetterSqlite3(join(dir, 'old.sqlite'));
      old.pragma('journal_mode = WAL');
      old.exec('create table t (x integer)');
      old.close();
      assert.deepEqual(await pageSizeOf('old.sqlite'), { pageSize: 4096, rows: 1 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reads flags over environment over defaults', () => {
    const c = loadConfig(
      { PORT: '9000', DATABASE_URL: 'postgres://u:pw@db:5432/eye', ALLOWED_ORIGINS: 'https://a.example, https://b.example', EYE_SECRET: 's'.repeat(40) },
      ['--port', '9100', '--media-dir=/srv/eye-media', '--token-ttl', '600', '--keep-alive-ms', '15000'],
    );
    assert.equal(c.keepAliveMs, 15000);
    assert.equal(loadConfig({ EYE_SECRET: 's'.repeat(40) }).keepAliveMs, 72_000);
    assert.equal(c.port, 9100);
    assert.equal(c.dbEngine, 'postgres');
    assert.equal(c.mediaDir, '/srv/eye-media');
    assert.equal(c.tokenTtlSeconds, 600);
    assert.deepEqual(c.allowedOrigins, ['https://a.example', 'https://b.example']);
    const text = describeConfig(c);
    assert.ok(!text.includes('s'.repeat(40)), 'secret never printed');
    assert.ok(!text.includes(':pw@'), 'database password never printed');
    assert.match(text, /9100/);
  });

  it('demo mode listens on 127.0.0.1 unless HOST / --host says otherwise; without demo, 0.0.0.0', () => {
    const secret = { EYE_SECRET: 's'.repeat(40) };
    assert.equal(loadConfig(secret, ['--demo']).host, '127.0.0.1');
    assert.equal(loadConfig({ ...secret, EYE_DEMO: '1' }).host, '127.0.0.1');
    assert.equal(loadConfig({ ...secret, EYE_DEMO: '1', HOST: '0.0.0.0' }).host, '0.0.0.0');
    assert.equal(loadConfig(secret, ['--demo', '--host', '0.0.0.0']).host, '0.0.0.0');
    assert.equal(loadConfig(secret).host, '0.0.0.0');
  });

    it('rejects bad values and unknown flags', () => {
    assert.throws(() => parseFlags(['--prot', '1']), /unknown option/);
    assert.throws(() => loadConfig({ PORT: 'eighty', EYE_SECRET: 's'.repeat(40) }), /PORT/);
    assert.throws(() => loadConfig({ EYE_SECRET: 'short' }), /EYE_SECRET/);
  });

  it('generates the secret once and keeps it (mode 0600) in the data dir', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'eye-cfg-'));
    try {
      const a = loadConfig({ EYE_DATA_DIR: dir });
      const b = loadConfig({ EYE_DATA_DIR: dir });
      assert.equal(a.secret, b.secret);
      assert.ok(a.secret.length >= 32);
      assert.equal((await stat(join(dir, 'relay-secret'))).mode & 0o777, 0o600);
      assert.equal(a.databaseUrl, join(dir, 'eye.sqlite'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('eye-relay CLI', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'eye-cli-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('migrate, then tenant create prints a working key once', async () => {
    const env = { EYE_DATA_DIR: dir };
    const m = await run(['migrate'], env, dir);
    assert.equal(m.code, 0, m.stderr);
    assert.match(m.stdout, /applied 0001_core/);
    const t = await run(['tenant', 'create', 'Acme University'], env, dir);
    assert.equal(t.code, 0, t.stderr);
    const key = /api key (eye_live_\S+)/.exec(t.stdout)?.[1];
    assert.ok(key, t.stdout);
    const { db } = openDatabase({ databaseUrl: join(dir, 'eye.sqlite') });
    try {
      const tenant = await findTenantByKey(db, key);
      assert.equal(tenant?.name, 'Acme University');
    } finally {
      await db.destroy();
    }
    const bad = await run(['tenant', 'create'], env, dir);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /needs a name/);
  });

  it('migrate and tenant create work on PostgreSQL (DATABASE_URL + EYE_PG_SCHEMA)', async () => {
    const schema = `eye_t_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: TEST_PG_URL });
    await admin.connect();
    try {
      await admin.query(`create schema ${schema}`);
      const env = { EYE_DATA_DIR: dir, DATABASE_URL: TEST_PG_URL, EYE_PG_SCHEMA: schema };
      const m = await run(['migrate'], env, dir);
      assert.equal(m.code, 0, m.stderr);
      assert.match(m.stdout, /applied 0001_core/);
      const t = await run(['tenant', 'create', 'PG College'], env, dir);
      assert.equal(t.code, 0, t.stderr);
      const key = /api key (eye_live_\S+)/.exec(t.stdout)![1]!;
      const { db } = openDatabase({ databaseUrl: TEST_PG_URL, pgSchema: schema });
      try {
        assert.equal((await findTenantByKey(db, key))?.name, 'PG College');
      } finally {
        await db.destroy();
      }
      const tables = await admin.query<{ n: number }>(`select count(*)::int as n from information_schema.tables where table_schema = $1 and table_name = 'flags'`, [schema]);
      assert.equal(tables.rows[0]!.n, 1);
    } finally {
      await admin.query(`drop schema if exists ${schema} cascade`);
      await admin.end();
    }
  });

  it('demo mode is not reachable on a non-loopback address unless --host asks for it', async (t) => {
    const lan = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
    const probe = async (host: string, port: number) => {
      try {
        return (await fetch(`http://${host}:${port}/healthz`)).status;
      } catch (err) {
        return ((err as Error).cause as NodeJS.ErrnoException | undefined)?.code ?? 'error';
      }
    };
    const loopbackOnly = await startRelayProcess(['--port', '0', '--demo'], dir);
    try {
      assert.equal(loopbackOnly.host, '127.0.0.1');
      assert.doesNotMatch(loopbackOnly.output(), /WARNING: demo mode listening/);
      assert.equal(await probe('127.0.0.1', loopbackOnly.port), 200);
      if (lan) assert.equal(await probe(lan, loopbackOnly.port), 'ECONNREFUSED', `demo relay answered on ${lan}`);
      else t.diagnostic('no non-loopback IPv4 interface: only the bound address is checked');
    } finally {
      assert.equal(await loopbackOnly.stop(), 0);
    }
    const exposed = await startRelayProcess(['--port', '0', '--demo', '--host', '0.0.0.0'], dir);
    try {
      assert.match(exposed.output(), /WARNING: demo mode listening on 0\.0\.0\.0/);
      if (lan) assert.equal(await probe(lan, exposed.port), 200);
    } finally {
      assert.equal(await exposed.stop(), 0);
    }
  });

  it('serves with the demo tenant, prints its config without the secret, and stops cleanly on SIGTERM', async () => {
    const relay = await startRelayProcess(['--port', '0', '--host', '127.0.0.1', '--demo'], dir);
    try {
      assert.equal(relay.host, '127.0.0.1');
      assert.match(relay.output(), /database +sqlite/);
      assert.ok(!relay.output().includes(RELAY_SECRET), 'secret not printed');
      const res = await fetch(`http://127.0.0.1:${relay.port}/v1/sessions`, {
        method: 'POST',
        headers: { 'x-api-key': DEMO_API_KEY, 'content-type': 'application/json' },
        body: JSON.stringify({ examId: 'demo-exam', candidateId: 'demo-candidate' }),
      });
      assert.equal(res.status, 201);
    } finally {
      assert.equal(await relay.stop(), 0, relay.output());
    }
    assert.ok((await readFile(join(dir, 'eye.sqlite'))).length > 0);
  });
});
