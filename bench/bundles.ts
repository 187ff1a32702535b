/**
 * Bundle sizes (gzip -9) of dist/bundles (built by `npm run build`), plus the widget bundle built
 * again with @mediapipe/* left external: the widget's own JS "without MediaPipe" (the bundle
 * carries tasks-vision for the main-thread fallback engine; the worker carries it too).
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { rollup, type Plugin } from 'rollup';
import { eagerCode, RESOLVE_CONDITIONS, terserOptions } from '../scripts/bundle-options.mjs';

// The plugin's CJS typings make the default import look uncallable under NodeNext; at run time it is the function.
const terserPlugin = terser as unknown as (options: object) => Plugin;

const gz = (b: Buffer | string) => gzipSync(b, { level: 9 }).length;

export async function benchBundles(root: string) {
  const dir = join(root, 'dist/bundles');
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.js')) : [];
  const sizes = files.map((f) => {
    const b = readFileSync(join(dir, f));
    return { file: f, bytes: b.length, gzipBytes: gz(b) };
  });
  let withoutMediaPipe: { bytes: number; gzipBytes: number } | null = null;
  const entry = join(root, 'dist/esm/components/index.js');
  if (existsSync(entry)) {
    const build = await rollup({
      input: entry,
      external: (id) => id.startsWith('@mediapipe/'),
      preserveEntrySignatures: 'allow-extension',
      plugins: [
        nodeResolve({ browser: true, exportConditions: RESOLVE_CONDITIONS }),
        terserPlugin(terserOptions()),
      ],
      onwarn: () => {},
    });
    const { output } = await build.generate({ format: 'es' });
    await build.close();
    const code = eagerCode(output);
    withoutMediaPipe = { bytes: Buffer.byteLength(code), gzipBytes: gz(code) };
  }
  return { sizes, withoutMediaPipe };
}
