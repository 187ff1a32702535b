import { Migrator, PostgresAdapter, sql, type Kysely, type MigrationResult } from 'kysely';
import { dbOptionsOf, type RelayConfig } from '../config.js';
import { openDatabase } from './connect.js';
import { migrations } from './migrations/index.js';
import type { Database } from './schema.js';

/** Runs every pending migration; throws with the failing migration's error. */
export async function migrateToLatest<DB>(db: Kysely<DB>): Promise<MigrationResult[]> {
  // PostgreSQL: pin Kysely's bookkeeping tables to our schema. Without it the Migrator's
  // introspection sees kysely_migration* tables of ANY schema in the database (other relays, other
  // test runs) and then fails with 'relation "kysely_migration_lock" does not exist'.
  const schema =
    db.getExecutor().adapter instanceof PostgresAdapter
      ? (await sql<{ s: string }>`select current_schema() as s`.execute(db)).rows[0]?.s
      : undefined;
  const migrator = new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve(migrations) },
    // Numbers are reserved per branch (0011 landed before 0006 / 0008): a database that already ran
    // a later-numbered migration still runs an earlier-numbered one merged after it.
    allowUnorderedMigrations: true,
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
  let { error, results } = await migrator.migrateToLatest();
  // Kysely's PostgreSQL introspection reads every schema of the database; one dropped at that very
  // moment (another relay's or test run's) fails the call with 'schema "x" does not exist' (3F000)
  // before anything ran. Not ours: look again.
  for (let retry = 0; retry < 3 && error && isOtherSchemaVanished(error, schema); retry++) {
    await new Promise((r) => setTimeout(r, 50 * (retry + 1)));
    ({ error, results } = await migrator.migrateToLatest());
  }
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    const err = new Error(`migration ${failed?.migrationName ?? '?'} failed: ${error instanceof Error ? error.message : typeof error === 'string' ? error : JSON.stringify(error)}`);
    (err as Error & { cause?: unknown }).cause = error;
    throw err;
  }
  return results ?? [];
}

/**
 * The relay's database for a one-off job (the CLI's commands, the `--workers` primary): opened from
 * `config`, migrated to the latest schema, closed once `fn` settles. `applied`: what this run migrated.
 */
export async function withMigratedDatabase<T>(config: RelayConfig, fn: (db: Kysely<Database>, applied: MigrationResult[]) => Promise<T>): Promise<T> {
  const { db } = openDatabase(dbOptionsOf(config));
  try {
    return await fn(db, await migrateToLatest(db));
  } finally {
    await db.destroy();
  }
}

function isOtherSchemaVanished(error: unknown, ours: string | undefined): boolean {
  const e: { code?: unknown; message?: unknown } = typeof error === 'object' && error !== null ? error : {};
  const m = /schema "([^"]+)" does not exist/.exec(typeof e.message === 'string' ? e.message : '');
  return e.code === '3F000' && m !== null && m[1] !== ours;
}
