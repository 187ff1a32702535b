import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openDatabase } from '../db/connect.js';
import { runCli } from '../testing/cli-run.js';
import { ENGINES, TEST_PG_URL, withPgAdmin } from '../testing/engines.js';
import { signIn } from './sign-in.js';

/** The CLI, with no password in the environment unless a test gives one. */
const run = (args: string[], env: Record<string, string>, cwd: string) => runCli(args, { EYE_REVIEWER_PASSWORD: '', ...env }, cwd);

for (const engine of ENGINES) {
  describe(`eye-relay reviewer [${engine}]`, () => {
    let dir: string;
    let env: Record<string, string>;
    let schema: string | null = null;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'eye-cli-reviewer-'));
      env = { EYE_DATA_DIR: dir };
      if (engine === 'postgres') {
        schema = `eye_t_${randomBytes(6).toString('hex')}`;
        await withPgAdmin((c) => c.query(`create schema ${schema}`));
        env = { ...env, DATABASE_URL: TEST_PG_URL, EYE_PG_SCHEMA: schema };
      }
    });
    after(async () => {
      if (schema) await withPgAdmin((c) => c.query(`drop schema if exists ${schema} cascade`));
      await rm(dir, { recursive: true, force: true });
    });

    it('creates accounts (generated or given password), lists and disables them', async () => {
      const t = await run(['tenant', 'create', 'Acme'], env, dir);
      assert.equal(t.code, 0, t.stderr);
      const tenantId = /tenant {2}(\S+)/.exec(t.stdout)![1]!;

      const created = await run(['reviewer', 'create', '--tenant', tenantId, '--email', 'Ada@Acme.edu', '--role', 'admin'], env, dir);
      assert.equal(created.code, 0, created.stderr);
      const password = /password (\S+)/.exec(created.stdout)?.[1];
      assert.ok(password, created.stdout);
      assert.match(created.stdout, new RegExp(`/console/\\?tenant=${tenantId}`));

      const given = await run(['reviewer', 'create', `--tenant=${tenantId}`, '--email', 'bob@acme.edu'], { ...env, EYE_REVIEWER_PASSWORD: 'a long given password' }, dir);
      assert.equal(given.code, 0, given.stderr);
      assert.doesNotMatch(given.stdout, /password/, 'a given password is not printed');

      const { db } = openDatabase({ databaseUrl: env.DATABASE_URL ?? join(dir, 'eye.sqlite'), pgSchema: schema });
      try {
        const ada = await signIn(db, { tenantId, email: 'ada@acme.edu', password });
        assert.equal(ada.reviewer.role, 'admin');
        const bob = await signIn(db, { tenantId, email: 'bob@acme.edu', password: 'a long given password' });
        assert.equal(bob.reviewer.role, 'reviewer');
      } finally {
        await db.destroy();
      }

      const list = await run(['reviewer', 'list', '--tenant', tenantId], env, dir);
      assert.equal(list.stdout, 'ada@acme.edu\tadmin\nbob@acme.edu\treviewer\n');
      const disabled = await run(['reviewer', 'disable', '--tenant', tenantId, '--email', 'bob@acme.edu'], env, dir);
      assert.equal(disabled.code, 0, disabled.stderr);
      assert.match((await run(['reviewer', 'list', '--tenant', tenantId], env, dir)).stdout, /bob@acme.edu\treviewer\tdisabled/);

      const dup = await run(['reviewer', 'create', '--tenant', tenantId, '--email', 'ada@acme.edu'], env, dir);
      assert.equal(dup.code, 1);
      assert.match(dup.stderr, /already exists/);
      const badRole = await run(['reviewer', 'create', '--tenant', tenantId, '--email', 'c@acme.edu', '--role', 'root'], env, dir);
      assert.equal(badRole.code, 1);
      assert.match(badRole.stderr, /--role must be/);
      const noTenant = await run(['reviewer', 'create', '--tenant', 'nope', '--email', 'c@acme.edu'], env, dir);
      assert.equal(noTenant.code, 1);
      assert.match(noTenant.stderr, /no tenant nope/);
    });
  });
}
