import cluster from 'node:cluster';
import { runRelayCluster } from './cluster.js';
import { describeConfig, isLoopbackHost, loadConfig } from './config.js';
import { withMigratedDatabase } from './db/migrate.js';
import { serve } from './server.js';
import { createTenant, DEMO_API_KEY } from './tenants.js';
import { REVIEWER_USAGE, reviewerCommand } from './console/cli-reviewer.js';
import { DEMO_REVIEWER } from './console/demo-reviewer.js';

const USAGE = `Usage:
  eye-relay [serve] [options]        start the relay (migrates the database first)
  eye-relay worker [options]         deliver webhooks only (no HTTP); run the HTTP relays with
                                     EYE_WEBHOOK_WORKER=0 so ingest and delivery use separate processes
  eye-relay migrate [options]        apply pending database migrations and exit
  eye-relay tenant create <name> [options]
                                     create a tenant; prints its API key once
${REVIEWER_USAGE}
Options (each also read from the environment variable in brackets):
  --port <n> [PORT, default 8080]          --host <h> [HOST, default 0.0.0.0; 127.0.0.1 with --demo]
  --database-url <url|path> [DATABASE_URL, default ./data/eye.sqlite; postgres://... for PostgreSQL]
  --pg-schema <name> [EYE_PG_SCHEMA]       --data-dir <dir> [EYE_DATA_DIR, default ./data]
  --media-dir <dir> [MEDIA_DIR, default ./data/media]
  --allowed-origins <a,b> [ALLOWED_ORIGINS] --public-url <url> [EYE_PUBLIC_URL]
  --token-ttl <s> [EYE_TOKEN_TTL_SECONDS, default 10800]
  --media-url-ttl <s> [EYE_MEDIA_URL_TTL_SECONDS, default 86400]
  --rate-limit <n per minute window> [EYE_RATE_LIMIT_MAX, default 300; 0 = off]
  --log-level <level> [LOG_LEVEL]          --demo [EYE_DEMO=1: demo tenant with the dev API key]
  --no-migrate [EYE_AUTO_MIGRATE=0]
  --workers <n|auto> [EYE_WORKERS, default 1]  relay processes sharing the port (auto: one per CPU
                                     core); more than one needs PostgreSQL
Secret for tokens and media URLs: EYE_SECRET (>= 32 chars), else generated once into <data dir>/relay-secret.
`;

/** Runs one CLI command; resolves to the process exit code (serve keeps running). */
export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    if (cmd === '--help' || cmd === '-h' || cmd === 'help') {
      process.stdout.write(USAGE);
      return 0;
    }
    if (cmd === undefined || cmd === 'serve' || cmd.startsWith('--')) {
      const config = loadConfig(process.env, cmd === 'serve' ? rest : argv);
      if (cluster.isWorker) {
        // One of `--workers N` relay processes (src/cluster.ts): the primary printed the banner.
        await serve(config);
        return 0;
      }
      process.stdout.write(`Eye relay\n${describeConfig(config)}\n`);
      if (config.workers > 1) return await runRelayCluster(config);
      if (config.demo) {
        process.stdout.write(`demo API key  ${DEMO_API_KEY} (public: development only)\n`);
        if (!isLoopbackHost(config.host)) {
          process.stdout.write(`WARNING: demo mode listening on ${config.host}: anyone who can reach it can use the public demo key and register webhooks to loopback targets\n`);
        }
        process.stdout.write(`demo console  ${config.publicUrl}/console/?tenant=demo  ${DEMO_REVIEWER.email} / ${DEMO_REVIEWER.password} (public)\n`);
      }
      await serve(config);
      return 0;
    }
    if (cmd === 'worker') {
      const config = loadConfig(process.env, rest);
      if (config.workers > 1) throw new Error('--workers is for eye-relay serve; for more delivery processes start more eye-relay worker processes');
      process.stdout.write(`Eye relay: webhook delivery worker\n${describeConfig(config)}\n`);
      await serve(config, { deliveryOnly: true });
      return 0;
    }
    if (cmd === 'migrate') {
      await withMigratedDatabase(loadConfig(process.env, rest), (_db, applied) => {
        process.stdout.write(applied.length ? applied.map((r) => `applied ${r.migrationName}\n`).join('') : 'database is up to date\n');
        return Promise.resolve();
      });
      return 0;
    }
    if (cmd === 'tenant' && rest[0] === 'create') {
      const name = rest[1];
      if (!name || name.startsWith('--')) throw new Error('tenant create needs a name');
      const { tenantId, apiKey } = await withMigratedDatabase(loadConfig(process.env, rest.slice(2)), (db) => createTenant(db, name));
      process.stdout.write(`tenant  ${tenantId} (${name})\napi key ${apiKey}\nThe key is shown only now; the relay stores only its hash.\n`);
      return 0;
    }
    if (cmd === 'reviewer') return await reviewerCommand(rest, (text) => process.stdout.write(text));
    process.stderr.write(`unknown command: ${argv.join(' ')}\n\n${USAGE}`);
    return 2;
  } catch (err) {
    process.stderr.write(`eye-relay: ${(err as Error).message}\n`);
    return 1;
  }
}
