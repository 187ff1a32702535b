import pg from 'pg';

/** Storage engines every relay storage test runs on (never skipped: CI has PostgreSQL). */
export const ENGINES = ['sqlite', 'postgres'] as const;
export type Engine = (typeof ENGINES)[number];

/** Admin connection for tests on PostgreSQL (override with TEST_DATABASE_URL). */
export const TEST_PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Runs `fn` on a fresh admin connection to the test server (schemas, databases), then closes it. */
export async function withPgAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_PG_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
