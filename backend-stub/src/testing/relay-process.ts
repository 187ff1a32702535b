/**
 * A relay in its own OS process, for tests that need a second process on the same database
 * (PostgreSQL NOTIFY wake-ups, several workers). Config and webhook options come as JSON in
 * EYE_TEST_RELAY_CONFIG / EYE_TEST_WEBHOOKS; prints `ready` once the worker runs; SIGTERM closes.
 *   node --import tsx backend-stub/src/testing/relay-process.ts
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { RelayConfig } from '../config.js';
import type { WebhookEngineOptions } from '../webhooks/engine.js';

export interface RelayProcess {
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts the relay process and resolves once it is ready. */
export function spawnRelayProcess(config: RelayConfig, webhooks: WebhookEngineOptions): Promise<RelayProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
    env: { ...process.env, EYE_TEST_RELAY_CONFIG: JSON.stringify(config), EYE_TEST_WEBHOOKS: JSON.stringify(webhooks) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      resolve();
    });
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error('relay process did not become ready'));
    }, 20_000);
    child.once('exit', (code) => {
      reject(new Error(`relay process exited (${code}) before ready`));
    });
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) {
        clearTimeout(timer);
        resolve({
          child,
          async stop() {
            if (child.exitCode === null) child.kill('SIGTERM');
            await exited;
          },
        });
      }
    });
  });
}

async function main(): Promise<void> {
  const { buildServer } = await import('../server.js');
  const config = JSON.parse(process.env.EYE_TEST_RELAY_CONFIG!) as RelayConfig;
  const webhooks = JSON.parse(process.env.EYE_TEST_WEBHOOKS ?? '{}') as WebhookEngineOptions;
  const app = await buildServer({ config, logger: false, webhooks });
  await app.ready();
  process.stdout.write('ready\n');
  process.once('SIGTERM', () => {
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err: unknown) => {
    const detail = err instanceof Error ? (err.stack ?? String(err)) : JSON.stringify(err);
    process.stderr.write(`relay process failed: ${detail}\n`);
    process.exit(1);
  });
}
