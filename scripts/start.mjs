#!/usr/bin/env node
/**
 * `npm start`: everything a fresh clone needs for the demo, then the relay.
 *   1. builds the face model (dist/assets/face_detector.tflite) if it is missing;
 *   2. builds the widget and review console bundles (dist/bundles) if missing or older than the sources;
 *   3. compiles the demo's API proctor view and the Angular host example (npm run build:demo; Angular
 *      only if missing or older than its sources);
 *   4. compiles the relay (backend-stub/dist) if it is missing or older than its sources;
 *   5. starts the relay on http://localhost:8080 (PORT to change) with SQLite in ./data, demo mode,
 *      listening on 127.0.0.1 only (HOST=0.0.0.0 or `-- --host 0.0.0.0` to expose it on the network)
 *      (demo tenant, demo pages, built-in webhook receiver registered as a webhook endpoint);
 *   6. prints the URLs of the demo pages once the relay answers.
 * Extra arguments go to the relay (`npm start -- --port 9000`). Ctrl-C stops it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newestSource, relayBuildIsFresh } from '../backend-stub/bin/source-times.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const portArg = args.findIndex((a) => a === '--port' || a.startsWith('--port='));
const defaultPort = process.env.PORT ?? '8080';
const port = portArg >= 0 ? (args[portArg]?.includes('=') ? args[portArg].split('=')[1] : args[portArg + 1]) : defaultPort;
const base = (process.env.EYE_PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, '');
// Probed over IPv4 loopback: the demo binds 127.0.0.1, and `localhost` may resolve to ::1 first.
const probeBase = process.env.EYE_PUBLIC_URL ? base : `http://127.0.0.1:${port}`;

const [major] = process.versions.node.split('.').map(Number);
if (major < 20) {
  console.error(`Eye needs Node.js >= 20 (this is ${process.version}).`);
  process.exit(1);
}

/** @param {string} label @param {string} script */
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
// The review console's bundle (/console) is built by the same step.
if (!existsSync(bundle) || !existsSync(join(root, 'dist/bundles/eye-console.js')) || sourcesChanged()) step('building the widget and the review console (npm run build)', 'scripts/build-bundles.mjs');

// The compiled demo pages (API proctor view, Angular host example); the rest of the demo runs without them.
try {
  const { buildDemo } = await import('./build-demo.mjs');
  await buildDemo({
    onAngularStart: () => {
      console.log('\n> building the Angular example (npm run build:angular)');
    },
  });
} catch (err) {
  console.error(`npm start: the compiled demo pages were not built (${err.message}); /demo/angular/ and /demo/api-proctor/ will not work`);
}

// The relay runs compiled when its build is fresh (backend-stub/bin/eye-relay.mjs), else from the sources.
const tsc = join(root, 'node_modules/typescript/bin/tsc');
if (existsSync(tsc) && !relayBuildIsFresh(join(root, 'backend-stub'))) {
  console.log('\n> building the relay (npm run build:relay)');
  const result = spawnSync(process.execPath, [tsc, '-p', 'backend-stub/tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) console.error('npm start: the relay build failed; running it from the TypeScript sources');
}

const relayArgs = ['serve', '--demo', ...(portArg >= 0 ? [] : ['--port', defaultPort]), ...args];
console.log(`\n> starting the relay: eye-relay ${relayArgs.join(' ')}`);
// Node flags and environment for the relay (less memory: backend-stub/README.md, docs/BENCHMARKS.md).
/** @type {unknown} */
const nodeFlagsJson = JSON.parse(readFileSync(join(root, 'backend-stub/node-flags.json'), 'utf8'));
const nodeFlags = /** @type {string[]} */ (nodeFlagsJson);
/** @type {unknown} */
const nodeEnvJson = JSON.parse(readFileSync(join(root, 'backend-stub/node-env.json'), 'utf8'));
const nodeEnv = /** @type {Record<string, string>} */ (nodeEnvJson);
const relay = spawn(process.execPath, [...nodeFlags, join(root, 'backend-stub/bin/eye-relay.mjs'), ...relayArgs], {
  cwd: root,
  stdio: 'inherit',
  env: { EYE_DEMO: '1', LOG_LEVEL: 'warn', ...nodeEnv, ...process.env },
});

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => relay.kill(signal));
relay.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));

/**
 * What the demo relay tells about itself (GET /demo/api/info).
 * @typedef {{ webhookEndpointId: string, reviewer: { email: string, password: string } }} DemoInfo
 */

/** @returns {Promise<DemoInfo>} */
async function waitForRelay() {
  for (let i = 0; i < 120; i++) {
    try {
      const health = await fetch(`${probeBase}/healthz`);
      if (health.ok) {
        // Registers the built-in webhook receiver if the relay has not yet.
        const info = await fetch(`${probeBase}/demo/api/info`);
        if (info.ok) {
          /** @type {unknown} */
          const body = await info.json();
          return /** @type {DemoInfo} */ (body);
        }
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`the relay did not answer at ${probeBase}/healthz within 60 s`);
}

const storage = process.env.DATABASE_URL?.startsWith('postgres')
  ? 'PostgreSQL'
  : `SQLite in ${process.env.DATABASE_URL ?? join(process.env.EYE_DATA_DIR ?? './data', 'eye.sqlite')}`;

waitForRelay().then(
  (info) => {
    console.log(`
Eye is running (${storage}, demo tenant, webhooks to the built-in receiver ${info.webhookEndpointId}).

  Candidate exam page (real camera):  ${base}/demo/exam.html
  System check:                       ${base}/demo/system-check.html
  Review console (live):              ${base}/console/?tenant=demo
      sign in as ${info.reviewer.email} / ${info.reviewer.password} (demo account, public)
  API proctor view (typed client):    ${base}/demo/api-proctor/index.html
  React / Vue / Angular examples:     ${base}/demo/
  Relay API (OpenAPI):                ${base}/openapi.json

Open the review console, then the exam page in another window. Ctrl-C stops the relay.
Demo mode listens on 127.0.0.1 only unless HOST / --host says otherwise (docs: demo/README.md).
`);
  },
  /** @param {unknown} err */
  (err) => {
    console.error(`npm start: ${err instanceof Error ? err.message : String(err)}`);
    relay.kill('SIGTERM');
  },
);
