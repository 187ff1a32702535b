#!/usr/bin/env node
/**
 * `npm start`: everything a fresh clone needs for the demo, then the relay.
 *   1. builds the face model (dist/assets/face_detector.tflite) if it is missing;
 *   2. builds the widget bundles (dist/bundles) if they are missing or older than the sources;
 *   3. compiles the relay (backend-stub/dist) if it is missing or older than its sources;
 *   4. starts the relay on http://localhost:8080 (PORT to change) with SQLite in ./data, demo mode
 *      (demo tenant, demo pages, built-in webhook receiver registered as a webhook endpoint);
 *   5. prints the URLs of the demo pages once the relay answers.
 * Extra arguments go to the relay (`npm start -- --port 9000`). Ctrl-C stops it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newestSource, relayBuildIsFresh } from './source-times.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const portArg = args.findIndex((a) => a === '--port' || a.startsWith('--port='));
const port = portArg >= 0 ? (args[portArg].includes('=') ? args[portArg].split('=')[1] : args[portArg + 1]) : (process.env.PORT ?? '8080');
const base = (process.env.EYE_PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, '');

const [major] = process.versions.node.split('.').map(Number);
if (major < 20) {
  console.error(`Eye needs Node.js >= 20 (this is ${process.version}).`);
  process.exit(1);
}

function step(label, script) {
  console.log(`\n> ${label}`);
  const result = spawnSync(process.execPath, [join(root, script)], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`npm start: ${label} failed`);
    process.exit(1);
  }
}

if (!existsSync(join(root, 'dist/assets/face_detector.tflite'))) step('building the face model (npm run build:model)', 'scripts/build-face-model.mjs');

const bundle = join(root, 'dist/bundles/eye-proctor.bundle.js');
const sourcesChanged = () => Math.max(newestSource(join(root, 'src')), newestSource(join(root, 'components'))) > statSync(bundle).mtimeMs;
if (!existsSync(bundle) || sourcesChanged()) step('building the widget (npm run build)', 'scripts/build-bundles.mjs');

// The relay runs compiled when its build is fresh (backend-stub/bin/eye-relay.mjs), else from the sources.
const tsc = join(root, 'node_modules/typescript/bin/tsc');
if (existsSync(tsc) && !relayBuildIsFresh(root)) {
  console.log('\n> building the relay (npm run build:relay)');
  const result = spawnSync(process.execPath, [tsc, '-p', 'backend-stub/tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) console.error('npm start: the relay build failed; running it from the TypeScript sources');
}

const relayArgs = ['serve', '--demo', ...(portArg >= 0 ? [] : ['--port', port]), ...args];
console.log(`\n> starting the relay: eye-relay ${relayArgs.join(' ')}`);
// Node flags for the relay (a smaller young generation: ~20 MB less RSS; docs/BENCHMARKS.md).
const nodeFlags = JSON.parse(readFileSync(join(root, 'backend-stub/node-flags.json'), 'utf8'));
const relay = spawn(process.execPath, [...nodeFlags, join(root, 'backend-stub/bin/eye-relay.mjs'), ...relayArgs], {
  cwd: root,
  stdio: 'inherit',
  env: { EYE_DEMO: '1', LOG_LEVEL: 'warn', ...process.env },
});

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => relay.kill(signal));
relay.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));

async function waitForRelay() {
  for (let i = 0; i < 120; i++) {
    try {
      const health = await fetch(`${base}/healthz`);
      if (health.ok) {
        // Registers the built-in webhook receiver if the relay has not yet.
        const info = await fetch(`${base}/demo/api/info`);
        if (info.ok) return (await info.json()).webhookEndpointId;
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`the relay did not answer at ${base}/healthz within 60 s`);
}

const storage = process.env.DATABASE_URL?.startsWith('postgres')
  ? 'PostgreSQL'
  : `SQLite in ${process.env.DATABASE_URL ?? join(process.env.EYE_DATA_DIR ?? './data', 'eye.sqlite')}`;

waitForRelay().then(
  (endpointId) => {
    console.log(`
Eye is running (${storage}, demo tenant, webhooks to the built-in receiver ${endpointId}).

  Candidate exam page (real camera):  ${base}/demo/exam.html
  System check:                       ${base}/demo/system-check.html
  Proctor view (live):                ${base}/demo/proctor.html
  React / Vue / Angular examples:     ${base}/demo/
  Relay API (OpenAPI):                ${base}/openapi.json

Open the proctor view, then the exam page in another window. Ctrl-C stops the relay.
`);
  },
  (err) => {
    console.error(`npm start: ${err.message}`);
    relay.kill('SIGTERM');
  },
);
