/**
 * `eye-relay reviewer create|list|disable ...`: review console accounts from the command line.
 * The password comes from EYE_REVIEWER_PASSWORD (never from argv, which other users can read in
 * the process list), else a random one is generated and printed once.
 */
import { loadConfig } from '../config.js';
import { withMigratedDatabase } from '../db/migrate.js';
import { createReviewer, listReviewers, normaliseEmail, updateReviewer } from './reviewers.js';
import { REVIEWER_ROLES, type ReviewerRole } from './tables.js';

export const REVIEWER_USAGE = `  eye-relay reviewer create --tenant <id> --email <address> [--role admin|reviewer] [options]
                                     create a review console account (role default: reviewer);
                                     password from EYE_REVIEWER_PASSWORD, else generated and printed once
  eye-relay reviewer list --tenant <id> [options]
  eye-relay reviewer disable --tenant <id> --email <address> [options]
`;

/** Takes `--name value` / `--name=value` of `names` out of argv; the rest are relay options. */
function takeOptions(argv: string[], names: string[]): { picked: Record<string, string>; rest: string[] } {
  const picked: Record<string, string> = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === undefined) break;
    const name = arg.includes('=') ? arg.slice(0, arg.indexOf('=')) : arg;
    if (!names.includes(name)) {
      rest.push(arg);
      continue;
    }
    const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
    if (value === undefined) throw new Error(`option ${name} needs a value`);
    picked[name.slice(2)] = value;
  }
  return { picked, rest };
}

export async function reviewerCommand(argv: string[], out: (text: string) => void): Promise<number> {
  const [sub, ...args] = argv;
  const { picked, rest } = takeOptions(args, ['--tenant', '--email', '--role']);
  if (!['create', 'list', 'disable'].includes(sub ?? '')) throw new Error(`reviewer needs create, list or disable\n${REVIEWER_USAGE}`);
  const tenantId = picked.tenant;
  if (!tenantId) throw new Error('--tenant <id> is required');
  const config = loadConfig(process.env, rest);
  return withMigratedDatabase(config, async (db) => {
    const tenant = await db.selectFrom('tenants').select('id').where('id', '=', tenantId).executeTakeFirst();
    if (!tenant) throw new Error(`no tenant ${tenantId}`);
    if (sub === 'list') {
      for (const r of await listReviewers(db, tenantId)) out(`${r.email}\t${r.role}${r.disabled_at ? '\tdisabled' : ''}\n`);
      return 0;
    }
    if (!picked.email) throw new Error('--email <address> is required');
    if (sub === 'disable') {
      const row = await db.selectFrom('reviewers').select('id').where('tenant_id', '=', tenantId).where('email', '=', normaliseEmail(picked.email)).executeTakeFirst();
      if (!row) throw new Error(`no reviewer ${picked.email} in tenant ${tenantId}`);
      await updateReviewer(db, tenantId, row.id, { disabled: true });
      out(`reviewer ${normaliseEmail(picked.email)} disabled and signed out\n`);
      return 0;
    }
    const role = (picked.role ?? 'reviewer') as ReviewerRole;
    if (!REVIEWER_ROLES.includes(role)) throw new Error(`--role must be one of ${REVIEWER_ROLES.join(', ')}`);
    const fromEnv = process.env.EYE_REVIEWER_PASSWORD;
    const { reviewer, password, generated } = await createReviewer(db, tenantId, { email: picked.email, role, ...(fromEnv ? { password: fromEnv } : {}) });
    out(`reviewer ${reviewer.email} (${reviewer.role}) in tenant ${tenantId}\n`);
    if (generated) out(`password ${password}\nThe password is shown only now; the relay stores only its scrypt hash.\n`);
    out(`sign in at ${config.publicUrl}/console/?tenant=${encodeURIComponent(tenantId)}\n`);
    return 0;
  });
}
