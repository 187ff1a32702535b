#!/usr/bin/env node
/**
 * `npm run build`: the widget's distributable files, in order.
 *   1. dist/esm/        unbundled ES modules + .d.ts (tsc -p tsconfig.build.json)
 *   2. dist/bundles/    one-file ESM bundle, one-file IIFE bundle, face worker (rollup -c)
 *   3. custom-elements.json (@custom-elements-manifest/analyzer)
 *   4. dist/bundles/sizes.json and a printed table: raw and gzip bytes of every bundle
 * Fails (exit 1) on the first step that fails, type errors included.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = fileURLToPath(new URL('..', import.meta.url));
/** @param {string} name */
const bin = (name) => join(root, 'node_modules', '.bin', name);

/** @param {string} label @param {string} command @param {string[]} args */
function run(label, command, args) {
  const started = Date.now();
  const result = spawnSync(command, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) {
    console.error(`build: ${label} failed (exit ${result.status ?? result.signal})`);
    process.exit(1);
  }
  console.log(`build: ${label} ok (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

/** Raw and gzip (level 9) sizes of the bundles, the figures the README and benchmarks quote. */
export function bundleSizes(dir = join(root, 'dist', 'bundles')) {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.js'))
    .sort()
    .map((file) => {
      const bytes = readFileSync(join(dir, file));
      return { file, bytes: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
    });
}

/**
 * The widget's own JavaScript without MediaPipe's tasks-vision (which the bundles inline for the
 * main-thread fallback): an in-memory ESM build with tasks-vision external, gzip-measured.
 */
async function sizeWithoutMediaPipe() {
  const { rollup } = await import('rollup');
  const { nodeResolve } = await import('@rollup/plugin-node-resolve');
  const { default: terser } = await import('@rollup/plugin-terser');
  const { RESOLVE_CONDITIONS, terserOptions, eagerCode } = await import('./bundle-options.mjs');
  const build = await rollup({
    input: join(root, 'dist/esm/components/index.js'),
    external: (id) => id.startsWith('@mediapipe/'),
    preserveEntrySignatures: 'allow-extension',
    plugins: [nodeResolve({ browser: true, exportConditions: RESOLVE_CONDITIONS }), terser(terserOptions())],
    onwarn: () => {},
  });
  const { output } = await build.generate({ format: 'es' });
  await build.close();
  const code = eagerCode(output);
  return { file: 'eye-proctor.bundle.js without @mediapipe/tasks-vision (measured, not written)', bytes: Buffer.byteLength(code), gzip: gzipSync(code, { level: 9 }).length };
}

async function main() {
  rmSync(join(root, 'dist', 'esm'), { recursive: true, force: true });
  run('tsc (dist/esm + .d.ts)', bin('tsc'), ['-p', 'tsconfig.build.json']);
  // Only now: a failed compile leaves the previous bundles (and a running demo) intact.
  rmSync(join(root, 'dist', 'bundles'), { recursive: true, force: true });
  run('rollup (dist/bundles)', bin('rollup'), ['-c', '--silent']);
  run('custom-elements.json', bin('cem'), ['analyze']);
  const sizes = bundleSizes();
  const widgetOnly = await sizeWithoutMediaPipe();
  writeFileSync(join(root, 'dist', 'bundles', 'sizes.json'), JSON.stringify({ builtAt: new Date().toISOString(), sizes, widgetOnly }, null, 2) + '\n');
  const kb = (n) => `${(n / 1024).toFixed(1)} KiB`.padStart(10);
  console.log('\nbundle                              raw        gzip');
  for (const s of sizes) console.log(`${s.file.padEnd(32)}${kb(s.bytes)}  ${kb(s.gzip)}`);
  console.log(`${'(widget JS without MediaPipe)'.padEnd(32)}${kb(widgetOnly.bytes)}  ${kb(widgetOnly.gzip)}`);
  const esmFiles = countFiles(join(root, 'dist', 'esm'));
  console.log(`\ndist/esm: ${esmFiles.js} .js, ${esmFiles.dts} .d.ts`);
}

/** @param {string} dir @param {{ js: number, dts: number }} [acc] */
function countFiles(dir, acc = { js: 0, dts: 0 }) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) countFiles(path, acc);
    else if (entry.endsWith('.d.ts')) acc.dts++;
    else if (entry.endsWith('.js')) acc.js++;
  }
  return acc;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
