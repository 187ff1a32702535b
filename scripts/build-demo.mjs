#!/usr/bin/env node
/**
 * `npm run build:demo`: the demo pages that need compiling, into their (git-ignored) build/ folders,
 * served by the demo relay under /demo/:
 *   - demo/api-proctor/build/api-proctor.js: the API proctor view with the typed relay client
 *     (eye-relay/client + openapi-fetch), bundled by esbuild (under a second);
 *   - demo/angular/build/exam-app.js: the Angular host example (scripts/build-angular.mjs; skipped
 *     when fresh, `--force` rebuilds it).
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { buildAngular } from './build-angular.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

export async function buildApiProctorView() {
  await build({
    entryPoints: [join(root, 'demo/api-proctor/main.ts')],
    outfile: join(root, 'demo/api-proctor/build/api-proctor.js'),
    bundle: true,
    format: 'esm',
    target: 'es2022',
    minify: true,
    logLevel: 'warning',
  });
}

/**
 * `onAngularStart` is called when the (minute-long) Angular build begins.
 * @param {{ force?: boolean, onAngularStart?: () => void }} [options]
 */
export async function buildDemo({ force = false, onAngularStart } = {}) {
  await buildApiProctorView();
  return buildAngular({ force, onStart: onAngularStart });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const angular = await buildDemo({ force: process.argv.includes('--force') });
  console.log(`demo/api-proctor/build/api-proctor.js built; demo/angular/build/exam-app.js ${angular.built ? `built in ${(angular.ms / 1000).toFixed(1)} s` : 'up to date'}`);
}
