import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openDatabase } from './connect.js';
import { quietWindow } from './wal-checkpointer.js';

/** Rows of 1 KiB: 3,000 of them fill ~800 WAL pages, fewer than SQLite's automatic checkpoint waits for (1,000). */
async function writeRows(db: ReturnType<typeof openDatabase>['db'], rows: number): Promise<void> {
  await sql`create table if not exists t (id integer primary key, v blob)`.execute(db);
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < rows; i++) await sql`insert into t (v) values (randomblob(1024))`.execute(trx);
  });
}

async function until(what: string, ok: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Runs `fn` with a database file path in a fresh temp dir, removed afterwards. */
async function withDbFile(name: string, fn: (file: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'eye-ckpt-'));
  try {
    await fn(join(dir, name));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** After `db.destroy()`: no WAL left behind (the relay connection closed last and checkpointed), and `table` holds `rows` when opened again. */
async function assertClosedCleanly(file: string, table: 's' | 't', rows: number): Promise<void> {
  assert.equal(existsSync(`${file}-wal`), false, 'no -wal file after close');
  const reopened = openDatabase({ databaseUrl: file });
  const [row] = (await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(reopened.db)).rows;
  assert.equal(row?.n, rows);
  await reopened.db.destroy();
}

/** Small rows of one page each, committed one per transaction: a light load. */
async function writeSmallRows(db: ReturnType<typeof openDatabase>['db'], rows: number): Promise<void> {
  await sql`create table if not exists s (id integer primary key, v blob)`.execute(db);
  for (let i = 0; i < rows; i++) await sql`insert into s (v) values (randomblob(100))`.execute(db);
}

test('at light load the relay connection checkpoints by itself: no thread, pages reach the database file', () =>
  withDbFile('relay.sqlite', async (file) => {
    const { db, checkpointer } = openDatabase({ databaseUrl: file, timedCheckpoints: true, checkpointer: { intervalMs: 20 } });
    assert.ok(checkpointer);
    const [auto] = (await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(db)).rows;
    assert.equal(auto?.wal_autocheckpoint, 0, 'no checkpoint inside commits');
    const before = statSync(file).size;
    // 400 rows of 100 bytes, 20 per tick at most: a few pages per tick, then a growing database file.
    for (let k = 0; k < 20; k++) {
      await writeSmallRows(db, 20);
      await new Promise((r) => setTimeout(r, 25));
    }
    await until('the database file to hold the rows', () => statSync(file).size >= before + 400 * 100);
    assert.equal(checkpointer.threadStarts, 0, 'a light load needs no thread');
    await db.destroy();
    await assertClosedCleanly(file, 's', 400);
  }),
);

test('a burst of writes hands checkpoints to a thread, which exits once writes are quiet again; closing leaves no WAL behind', () =>
  withDbFile('relay.sqlite', async (file) => {
    const { db, checkpointer } = openDatabase({ databaseUrl: file, timedCheckpoints: true, checkpointer: { intervalMs: 20, threadAbovePages: 400, threadIdleTicks: 10 } });
    assert.ok(checkpointer);
    await writeRows(db, 3000);
    const before = statSync(file).size;
    // In WAL mode only a checkpoint grows the main file; below 1,000 pages SQLite itself would not have run one.
    await until('the database file to hold the rows', () => statSync(file).size >= before + 3000 * 1024);
    await until('the thread to start', () => checkpointer.threadStarts === 1);
    // The thread runs the checkpoints of a second burst...
    await writeRows(db, 3000);
    const mid = statSync(file).size;
    await until('the second burst in the database file', () => statSync(file).size >= mid + 3000 * 1024);
    // ...and leaves after 10 quiet ticks, handing back to the relay connection.
    await until('the thread to exit', () => !checkpointer.threaded);
    await writeSmallRows(db, 50);
    const [row] = (await sql<{ n: number }>`select count(*) as n from t`.execute(db)).rows;
    assert.equal(row?.n, 6000);
    await db.destroy();
    await assertClosedCleanly(file, 's', 50);
  }),
);

test('the thread leaves on the average of its last ticks, not on a run of quiet ones', () => {
  // 4 ticks, quiet below 10 pages a tick on average (40 over the window).
  const quiet = quietWindow(4, 10);
  assert.deepEqual([0, 0, 500, 0].map(quiet), [false, false, false, false], 'a burst in the window keeps the thread');
  assert.deepEqual([0, 0].map(quiet), [false, false], 'still within 4 ticks of the burst');
  assert.equal(quiet(0), true, 'the burst has left the window');
  // A steady load under the average whose every other tick exceeds it (a run-of-quiet-ticks rule never leaves).
  const steady = quietWindow(4, 10);
  assert.deepEqual([15, 4, 15, 4, 15, 4].map(steady), [false, false, false, true, true, true]);
  const busy = quietWindow(4, 10);
  assert.deepEqual([15, 5, 15, 5, 15].map(busy), [false, false, false, false, false], 'an average of exactly 10 is not under it');
});

test('closing while the thread runs stops it first, so the relay connection closes last and removes the WAL', () =>
  withDbFile('relay.sqlite', async (file) => {
    const { db, checkpointer } = openDatabase({ databaseUrl: file, timedCheckpoints: true, checkpointer: { intervalMs: 20, threadAbovePages: 100 } });
    assert.ok(checkpointer);
    await writeRows(db, 1000);
    await until('the thread to start', () => checkpointer.threaded);
    await db.destroy();
    await assertClosedCleanly(file, 't', 1000);
  }),
);

test('without timed checkpoints, a short-lived connection keeps SQLite automatic checkpoints', () =>
  withDbFile('cli.sqlite', async (file) => {
    const { db } = openDatabase({ databaseUrl: file });
    const [row] = (await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(db)).rows;
    assert.equal(row?.wal_autocheckpoint, 1000);
    await db.destroy();
  }),
);
