import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { openDatabase } from './connect.js';
import { TEST_PG_URL, withPgAdmin } from '../testing/engines.js';

/** A fresh schema and a one-connection relay database in it (so every query meets the same session). */
async function withSchema(fn: (db: ReturnType<typeof openDatabase>['db'], schema: string) => Promise<void>, pgPrepare?: boolean): Promise<void> {
  const schema = `eye_prep_${randomBytes(5).toString('hex')}`;
  await withPgAdmin((c) => c.query(`create schema ${schema}`));
  const { db } = openDatabase({ databaseUrl: TEST_PG_URL, pgSchema: schema, poolMax: 1, pgPrepare });
  try {
    await sql`create table t (id integer primary key, v text)`.execute(db);
    await sql`insert into t values (1, 'one'), (2, 'two')`.execute(db);
    await fn(db, schema);
  } finally {
    await db.destroy();
    await withPgAdmin((c) => c.query(`drop schema ${schema} cascade`));
  }
}

const preparedTexts = async (db: ReturnType<typeof openDatabase>['db']) =>
  (await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(db)).rows.map((r) => r.statement);

test('parameterised queries run as prepared statements, once per text per connection', async () => {
  await withSchema(async (db) => {
    for (const id of [1, 2, 1]) {
      const row = await db.selectFrom('t' as never).selectAll().where('id' as never, '=', id as never).executeTakeFirst();
      assert.deepEqual(row, { id, v: id === 1 ? 'one' : 'two' });
    }
    const texts = await preparedTexts(db);
    assert.equal(texts.filter((t) => /from "t" where "id" = \$1/.test(t)).length, 1, `one prepared statement for the select: ${texts.join(' | ')}`);
  });
});

test('EYE_PG_PREPARE=0 (pgPrepare false): nothing is prepared', async () => {
  await withSchema(async (db) => {
    await db.selectFrom('t' as never).selectAll().where('id' as never, '=', 1 as never).execute();
    assert.deepEqual(await preparedTexts(db), []);
  }, false);
});

test('a statement whose columns changed (another relay migrated) is prepared again: at once outside a transaction, on the next try inside one', async () => {
  await withSchema(async (db, schema) => {
    const byId = (id: number) => sql<Record<string, unknown>>`select * from t where id = ${id}`.execute(db);
    assert.deepEqual((await byId(1)).rows, [{ id: 1, v: 'one' }]);
    await withPgAdmin((c) => c.query(`alter table ${schema}.t add column w integer default 7`));
    // Outside a transaction the failed execution is sent again under a fresh name.
    assert.deepEqual((await byId(1)).rows, [{ id: 1, v: 'one', w: 7 }]);

    await withPgAdmin((c) => c.query(`alter table ${schema}.t add column x text default 'x'`));
    // Inside one the transaction has failed and must end; the next transaction works.
    await assert.rejects(
      db.transaction().execute((trx) => sql`select * from t where id = ${2}`.execute(trx)),
      /cached plan must not change result type/,
    );
    const again = await db.transaction().execute((trx) => sql<Record<string, unknown>>`select * from t where id = ${2}`.execute(trx));
    assert.deepEqual(again.rows, [{ id: 2, v: 'two', w: 7, x: 'x' }]);
  });
});
