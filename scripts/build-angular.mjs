#!/usr/bin/env node
/**
 * `npm run build:angular`: the Angular host example (demo/angular) compiled ahead of time, offline,
 * with no Angular CLI:
 *   1. ngc (@angular/compiler-cli) compiles demo/angular with strict template checks into
 *      node_modules/.cache/eye-angular/ngc;
 *   2. esbuild bundles that output with Angular's runtime into one ES module,
 *      demo/angular/build/exam-app.js (served at /demo/angular/build/ by the demo relay and the
 *      test runner). Angular's packages ship partially compiled (ɵɵngDeclare*); its linker
 *      (a Babel plugin) finishes them at bundle time, so no JIT compiler goes to the browser.
 * The widget is not bundled: the page defines <eye-proctor> (widget bundle or `import 'eye-proctor'`).
 * Skips the work when the bundle is newer than demo/angular's sources (`--force` to rebuild).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as babelModule from '@babel/core';
import * as linkerModule from '@angular/compiler-cli/linker';
import linkerPlugin from '@angular/compiler-cli/linker/babel';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const sourceDir = join(root, 'demo/angular');
const ngcOut = join(root, 'node_modules/.cache/eye-angular/ngc');
export const ANGULAR_BUNDLE = join(sourceDir, 'build/exam-app.js');

const newestSource = () =>
  Math.max(...readdirSync(sourceDir).filter((f) => /\.(ts|json)$/.test(f)).map((f) => statSync(join(sourceDir, f)).mtimeMs));

// Neither module's types resolve here (no @types/babel__core; the linker's declarations need Angular's
// tsconfig): what this script calls, declared once.
/** @type {unknown} */
const babelApi = babelModule;
/** @type {unknown} */
const linkerApi = linkerModule;
const { transformAsync } = /** @type {{ transformAsync: (code: string, options: object) => Promise<{ code?: string | null } | null> }} */ (babelApi);
const { needsLinking } = /** @type {{ needsLinking: (path: string, source: string) => boolean }} */ (linkerApi);

/** Angular's partially compiled packages, linked as esbuild loads them. */
const angularLinker = {
  name: 'angular-linker',
  /** @param {import('esbuild').PluginBuild} builder */
  setup(builder) {
    builder.onLoad({ filter: /[\\/]node_modules[\\/]@angular[\\/].*\.m?js$/ }, async ({ path }) => {
      const code = readFileSync(path, 'utf8');
      if (!needsLinking(path, code)) return { contents: code, loader: 'js' };
      const linked = await transformAsync(code, { filename: path, babelrc: false, configFile: false, compact: false, sourceMaps: false, plugins: [linkerPlugin] });
      if (typeof linked?.code !== 'string') throw new Error(`Angular linker produced no code for ${path}`);
      return { contents: linked.code, loader: 'js' };
    });
  },
};

/** `onStart` is called when the bundle is stale and the (minute-long) build begins. */
export async function buildAngular({ force = false, onStart = () => {} } = {}) {
  if (!force && existsSync(ANGULAR_BUNDLE) && statSync(ANGULAR_BUNDLE).mtimeMs > newestSource()) return { built: false };
  onStart();
  const started = performance.now();
  const ngc = spawnSync(process.execPath, [join(root, 'node_modules/@angular/compiler-cli/bundles/src/bin/ngc.js'), '-p', join(sourceDir, 'tsconfig.json')], { cwd: root, stdio: 'inherit' });
  if (ngc.status !== 0) throw new Error('ngc failed (demo/angular)');
  await build({
    entryPoints: [join(ngcOut, 'demo/angular/main.js')],
    outfile: ANGULAR_BUNDLE,
    bundle: true,
    format: 'esm',
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    // Angular's production switches: dev-mode checks and the JIT path are dropped from the bundle.
    define: { ngDevMode: 'false', ngJitMode: 'false', ngI18nClosureMode: 'false' },
    plugins: [angularLinker],
    logLevel: 'warning',
  });
  return { built: true, ms: Math.round(performance.now() - started), bytes: statSync(ANGULAR_BUNDLE).size };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await buildAngular({ force: process.argv.includes('--force') });
  console.log(result.built ? `demo/angular/build/exam-app.js: ${(result.bytes / 1024).toFixed(1)} KB in ${(result.ms / 1000).toFixed(1)} s` : 'demo/angular/build/exam-app.js is up to date');
}
