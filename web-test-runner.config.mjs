import { esbuildPlugin } from '@web/dev-server-esbuild';
import { playwrightLauncher } from '@web/test-runner-playwright';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { relayPlugin } from './test/e2e/relay-plugin.mjs';
import { eyeCommandsPlugin } from './test/wtr-commands.mjs';
import { ensureFaceY4m, FACE_Y4M } from './test/fixtures/make-face-y4m.mjs';

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags every test browser gets: headless as root, no network chatter, fake devices. */
export const baseChromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
];

/** @param {string[]} [extraArgs] */
export function chromium(extraArgs = []) {
  return playwrightLauncher({
    product: 'chromium',
    launchOptions: { executablePath: chromiumPath, headless: true, args: [...baseChromiumArgs, ...extraArgs] },
  });
}

/**
 * A browser where the candidate "clicked Block": without --use-fake-ui-for-media-stream every
 * camera/microphone prompt is denied, so getUserMedia rejects with a real NotAllowedError.
 * Runs `*.permissions-test.ts` files (named so that `*.test.ts` globs never pick them up).
 */
const permissionsDeniedGroup = {
  name: 'permissions-denied',
  files: ['src/**/*.permissions-test.ts', 'components/**/*.permissions-test.ts'],
  browsers: [
    playwrightLauncher({
      product: 'chromium',
      launchOptions: {
        executablePath: chromiumPath,
        headless: true,
        args: [...baseChromiumArgs.filter((a) => a !== '--use-fake-ui-for-media-stream'), '--deny-permission-prompts'],
      },
    }),
  ],
};
/** Focused runs (`wtr --files ...`) skip the extra group; `wtr` and `wtr --group permissions-denied` run it. */
const focusedRun = process.argv.some((a) => a === '--files' || a.startsWith('--files=')) && !process.argv.includes('--group');

/**
 * Chromium's fake camera playing a real face video (.y4m generated from a photo by
 * test/fixtures/make-face-y4m.mjs, pure JS): the real getUserMedia path end to end.
 * Runs `*.camera-file-test.ts` files; `wtr --group camera-file` runs it alone.
 */
const cameraFileGroup = {
  name: 'camera-file',
  files: ['src/**/*.camera-file-test.ts', 'components/**/*.camera-file-test.ts'],
  browsers: [chromium([`--use-file-for-fake-video-capture=${FACE_Y4M}`])],
};
if (!focusedRun) await ensureFaceY4m();

/**
 * The Angular host example is compiled ahead of time (scripts/build-angular.mjs: ngc + esbuild, a
 * minute or two when stale, nothing when fresh) before runs that include test/e2e/host-examples.test.ts.
 */
if (!focusedRun || process.argv.some((a) => a.includes('host-examples'))) await (await import('./scripts/build-angular.mjs')).buildAngular();

/**
 * Serves the MediaPipe assets at the same paths the relay uses in production
 * (`${assetsBaseUrl}/wasm/*`, `${assetsBaseUrl}/face_detector.tflite` and the identity model at
 * `${assetsBaseUrl}/identity/*`, base `/assets/mediapipe`).
 * dist/assets/face_detector.tflite is built by `npm run build:model` (run by pretest).
 * @type {import('koa').Middleware}
 */
function mediapipeAssets(ctx, next) {
  // A relay without the identity model (its weights fail to load; detection still works): tests of IDENTITY_UNAVAILABLE.
  const withoutIdentity = '/assets/no-identity-model/';
  if (ctx.path.startsWith(withoutIdentity) && !ctx.path.startsWith(`${withoutIdentity}identity/`)) ctx.path = `/assets/mediapipe/${ctx.path.slice(withoutIdentity.length)}`;
  const wasm = '/assets/mediapipe/wasm/';
  const identity = '/assets/mediapipe/identity/';
  if (ctx.path.startsWith(wasm)) ctx.path = `/node_modules/@mediapipe/tasks-vision/wasm/${ctx.path.slice(wasm.length)}`;
  else if (ctx.path === '/assets/mediapipe/face_detector.tflite') ctx.path = '/dist/assets/face_detector.tflite';
  else if (ctx.path.startsWith(identity)) ctx.path = `/node_modules/@vladmandic/face-api/model/${ctx.path.slice(identity.length)}`;
  return next();
}

/**
 * Worker scripts are requested by URL (`new URL('./x.worker.js', import.meta.url)`), not imported,
 * so map a missing `.js` to its `.ts` source as the compiled package would have it.
 * @type {import('koa').Middleware}
 */
function workerSources(ctx, next) {
  const rootDir = fileURLToPath(new URL('.', import.meta.url));
  if (ctx.path.endsWith('.worker.js') && !existsSync(join(rootDir, ctx.path))) ctx.path = ctx.path.replace(/\.js$/, '.ts');
  return next();
}

export default {
  rootDir: fileURLToPath(new URL('.', import.meta.url)),
  files: ['src/**/*.test.ts', 'components/**/*.test.ts', 'test/e2e/**/*.test.ts'],
  nodeResolve: true,
  browsers: [chromium()],
  groups: focusedRun ? [] : [permissionsDeniedGroup, cameraFileGroup],
  concurrency: 1,
  testFramework: { config: { timeout: 30000 } },
  testsFinishTimeout: 600000,
  browserStartTimeout: 60000,
  middleware: [mediapipeAssets, workerSources],
  plugins: [
    esbuildPlugin({ ts: true, target: 'es2022', tsconfig: fileURLToPath(new URL('./tsconfig.json', import.meta.url)) }),
    // Real relay + webhook receiver + network controls as server commands; starts lazily.
    relayPlugin(),
    // Real tab switches (another page takes focus) for the focus detector tests.
    eyeCommandsPlugin(),
  ],
};
