/**
 * Kysely's PostgreSQL introspection reads every schema in the database, so another relay or test
 * run dropping its schema at the same moment used to fail our migration ('schema "x" does not
 * exist'). migrateToLatest retries that case; this churns schemas while migrating fresh ones.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { TEST_PG_URL } from '../testing/engines.js';
import { openDatabase } from './connect.js';
import { migrateToLatest } from './migrate.js';

test('migrations survive other schemas being dropped concurrently (PostgreSQL)', async () => {
  const tag = randomBytes(4).toString('hex');
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  const churn = { stop: false };
  let churned = 0;
  const churner = (async () => {
    while (!churn.stop) {
      const n = `eye_churn_${tag}_${churned++ % 3}`;
      await admin.query(`create schema if not exists ${n}; create table if not exists ${n}.t (id serial primary key, a text)`);
      await admin.query(`drop schema ${n} cascade`);
    }
  })();
  const failures: string[] = [];
  try {
    for (let i = 0; i < 6; i++) {
      const schema = `eye_race_${tag}_${i}`;
      await admin.query(`create schema ${schema}`);
      const { db } = openDatabase({ databaseUrl: TEST_PG_URL, pgSchema: schema });
      try {
        const results = await migrateToLatest(db);
        assert.deepEqual(results.map((r) => r.status), results.map(() => 'Success'));
      } catch (err) {
        failures.push(String(err));
      } finally {
        await db.destroy();
        await admin.query(`drop schema ${schema} cascade`);
      }
    }
  } finally {
    churn.stop = true;
    await churner;
    await admin.end();
  }
  assert.deepEqual(failures, [], `while ${churned} schemas came and went`);
});
