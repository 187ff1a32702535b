import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { openDatabase } from './connect.js';

/**
 * A relay connection (openDatabase) and another connection to the same file holding the write lock,
 * as an `eye-relay worker` process does between its BEGIN and COMMIT. In one process, so that a
 * wait that stopped the event loop would also stop the timer that releases the lock.
 */
async function withLockHolder(fn: (relay: ReturnType<typeof openDatabase>['db'], other: BetterSqlite3.Database) => Promise<void>, lockWaitMs?: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'eye-lock-'));
  const file = join(dir, 'relay.db');
  const { db } = openDatabase({ databaseUrl: file, ...(lockWaitMs === undefined ? {} : { sqliteLockWaitMs: lockWaitMs }) });
  const other = new BetterSqlite3(file, { timeout: 0 });
  try {
    await sql`create table t (id integer primary key, who text not null)`.execute(db);
    await fn(db, other);
  } finally {
    if (other.inTransaction) other.exec('rollback');
    other.close();
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Counts timer callbacks while `p` is pending: how often the event loop turned. */
async function ticksWhile<T>(p: Promise<T>): Promise<{ value: T; ticks: number }> {
  let ticks = 0;
  const timer = setInterval(() => { ticks++; }, 5);
  try {
    return { value: await p, ticks };
  } finally {
    clearInterval(timer);
  }
}

const whoIn = (other: BetterSqlite3.Database) => (other.prepare('select who from t order by id').all() as { who: string }[]).map((r) => r.who);

test('a transaction waits for another connection\'s write lock while the event loop keeps turning, then commits', async () => {
  await withLockHolder(async (db, other) => {
    other.exec('begin immediate');
    other.prepare('insert into t (who) values (?)').run('other');
    setTimeout(() => other.exec('commit'), 300);
    const write = db.transaction().execute(async (trx) => {
      await sql`insert into t (who) values ('relay 1')`.execute(trx);
      await sql`insert into t (who) values ('relay 2')`.execute(trx);
    });
    const { ticks } = await ticksWhile(write);
    // SQLite's own busy wait slept inside BEGIN: no timer fired, the commit above never ran, and
    // the write failed with SQLITE_BUSY after the busy timeout.
    assert.ok(ticks >= 10, `the event loop turned while waiting (${ticks} timer ticks in ~300 ms)`);
    assert.deepEqual(whoIn(other), ['other', 'relay 1', 'relay 2']);
  });
});

test('a statement outside a transaction waits the same way', async () => {
  await withLockHolder(async (db, other) => {
    other.exec('begin immediate');
    setTimeout(() => other.exec('commit'), 200);
    const { ticks } = await ticksWhile(db.insertInto('t' as never).values({ who: 'alone' } as never).execute());
    assert.ok(ticks >= 5, `the event loop turned while waiting (${ticks} ticks)`);
    assert.deepEqual(whoIn(other), ['alone']);
  });
});

test('a lock held past the wait fails with SQLITE_BUSY and writes nothing; the connection works afterwards', async () => {
  await withLockHolder(async (db, other) => {
    other.exec('begin immediate');
    const started = performance.now();
    await assert.rejects(
      db.transaction().execute(async (trx) => {
        await sql`insert into t (who) values ('never 1')`.execute(trx);
        await sql`insert into t (who) values ('never 2')`.execute(trx);
      }),
      (err: { code?: string }) => err.code === 'SQLITE_BUSY',
    );
    assert.ok(performance.now() - started >= 250, 'it waited its 250 ms first');
    other.exec('commit');
    assert.deepEqual(whoIn(other), []);
    await sql`insert into t (who) values ('later')`.execute(db);
    assert.deepEqual(whoIn(other), ['later']);
  }, 250);
});
