import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openDatabase } from './connect.js';

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

test('the checkpoint thread copies committed pages into the database file; closing leaves no WAL behind', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'eye-ckpt-'));
  const file = join(dir, 'relay.sqlite');
  try {
    const { db } = openDatabase({ databaseUrl: file, checkpointThread: true });
    await writeRows(db, 3000);
    const before = statSync(file).size;
    // In WAL mode only a checkpoint grows the main file; below 1,000 pages SQLite itself would not have run one.
    await until('the database file to hold the rows', () => statSync(file).size >= before + 3000 * 1024);
    const [row] = (await sql<{ n: number }>`select count(*) as n from t`.execute(db)).rows;
    assert.equal(row?.n, 3000);
    await db.destroy();
    // The thread's connection closed before the relay's, so the relay's close checkpointed and removed the WAL.
    assert.equal(existsSync(`${file}-wal`), false, 'no -wal file after close');
    const reopened = openDatabase({ databaseUrl: file });
    const [again] = (await sql<{ n: number }>`select count(*) as n from t`.execute(reopened.db)).rows;
    assert.equal(again?.n, 3000);
    await reopened.db.destroy();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without the thread, a short-lived connection keeps SQLite automatic checkpoints', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'eye-ckpt-'));
  const file = join(dir, 'cli.sqlite');
  try {
    const { db } = openDatabase({ databaseUrl: file });
    const [row] = (await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(db)).rows;
    assert.equal(row?.wal_autocheckpoint, 1000);
    await db.destroy();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
