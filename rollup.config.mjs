/**
 * Bundles of the widget, built from the unbundled ESM that `tsc -p tsconfig.build.json` writes to
 * dist/esm/ (one TypeScript compile for everything; run `npm run build`, not rollup alone):
 *
 * - dist/bundles/eye-proctor.bundle.js: one-file ES module (`<script type="module">` or import).
 * - dist/bundles/eye-proctor.iife.js: one-file classic script. Drop `<script src>` and
 *   `<eye-proctor>` into any page: it defines the elements and exposes the global `Eye`.
 * - dist/bundles/face-detector.worker.js: the face detection module worker both bundles start with
 *   `new URL('./face-detector.worker.js', import.meta.url)`, so it must sit next to them (the relay
 *   serves the folder at /assets/widget/).
 *
 * - dist/bundles/eye-console.js, eye-session-report.js (+ a shared chunk): the review console and
 *   the embeddable `<eye-session-report>`, served by the relay at /console/assets/.
 * - dist/bundles/identity.worker.js: the identity (face recognition) worker, with face-api and its
 *   TensorFlow.js inlined (~1.3 MB raw). Started with `new URL('./identity.worker.js', import.meta.url)`
 *   only when config `identity` is on, so it is outside the widget's JS budget; the weights
 *   (6.4 MB) come from the relay at `${assetsBaseUrl}/identity/`.
 *
 * - dist/bundles/mediapipe-tasks-vision.js: MediaPipe's JS, loaded by the page bundles only for the
 *   main-thread fallback (see lazyTasksVision).
 *
 * Lit is resolved without the "development" export condition, i.e. in production mode.
 * The MediaPipe wasm and the face model are never bundled: they are fetched from `assetsBaseUrl`
 * (the relay) at run time.
 */
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { RESOLVE_CONDITIONS, terserOptions } from './scripts/bundle-options.mjs';

/**
 * The plugin's ES build exports the function as default; its one declaration file (written for the
 * CommonJS build) makes TypeScript see the module object instead under NodeNext.
 */
const minify = /** @type {(options?: import('@rollup/plugin-terser').Options) => import('rollup').Plugin} */ (/** @type {unknown} */ (terser));

const ENTRY = 'dist/esm/components/index.js';
const WORKER = 'dist/esm/src/vision/face-detector.worker.js';
const IDENTITY_WORKER = 'dist/esm/src/identity/identity.worker.js';
const OUT = 'dist/bundles';
const CONSOLE_ENTRY = 'dist/esm/components/console/index.js';
const REPORT_ENTRY = 'dist/esm/components/eye-session-report/define.js';

/**
 * `module: false` for the classic script: terser must keep its top-level `var Eye`.
 * @param {{ module?: boolean }} [options]
 * @returns {import('rollup').Plugin[]}
 */
const plugins = ({ module = true } = {}) => [nodeResolve({ browser: true, exportConditions: RESOLVE_CONDITIONS }), minify(terserOptions({ module }))];

/** Where the bundles find MediaPipe's JS (copied from node_modules next to them). */
const TASKS_VISION_FILE = 'mediapipe-tasks-vision.js';
const LAZY_ID = '\0eye-lazy-tasks-vision';

/**
 * Keeps MediaPipe's tasks-vision (~40 KB gzip) out of the page bundles. Face detection normally
 * runs in the worker (which bundles it); the page only needs it for the main-thread fallback (no
 * module workers, or a bundle loaded from another origin, where browsers refuse the worker). The
 * page bundles therefore get a stand-in whose two entry points (`FilesetResolver.forVisionTasks`,
 * `FaceDetector.createFromOptions`, the only ones the widget calls) import the real module from
 * next to the bundle on first use. The real file is emitted beside the ESM bundle.
 * @param {{ emit: boolean }} options
 * @returns {import('rollup').Plugin}
 */
function lazyTasksVision({ emit }) {
  return {
    name: 'eye-lazy-tasks-vision',
    /** @param {string} id */
    resolveId(id) {
      return id === '@mediapipe/tasks-vision' ? LAZY_ID : null;
    },
    /** @param {string} id */
    load(id) {
      if (id !== LAZY_ID) return null;
      return `
let loading;
const load = () => (loading ??= import(new URL('./${TASKS_VISION_FILE}', import.meta.url).href));
export const FilesetResolver = { forVisionTasks: async (...args) => (await load()).FilesetResolver.forVisionTasks(...args) };
export const FaceDetector = { createFromOptions: async (...args) => (await load()).FaceDetector.createFromOptions(...args) };
`;
    },
    generateBundle() {
      if (!emit) return;
      const source = readFileSync(new URL('./node_modules/@mediapipe/tasks-vision/vision_bundle.mjs', import.meta.url), 'utf8').replace(/\n\/\/# sourceMappingURL=.*\s*$/, '\n');
      this.emitFile({ type: 'asset', fileName: TASKS_VISION_FILE, source });
    },
  };
}

/**
 * tsc output refers to its own source maps; the bundles carry fresh ones.
 * @type {import('rollup').WarningHandlerWithDefault}
 */
const onwarn = (warning, warn) => {
  if (warning.code === 'SOURCEMAP_ERROR') return;
  // Lit and RxJS use `this` at module top level in code paths that are dead in ESM.
  if (warning.code === 'THIS_IS_UNDEFINED') return;
  warn(warning);
};

/**
 * `eye-proctor-<name>-<hash>.js`; a folder's index module (src/detectors/index.ts) is named after its folder.
 * @param {import('rollup').PreRenderedChunk} chunk
 */
function chunkFileName(chunk) {
  const name = chunk.name === 'index' && chunk.facadeModuleId ? basename(dirname(chunk.facadeModuleId)) : '[name]';
  return `eye-proctor-${name}-[hash].js`;
}

export default [
  {
    input: ENTRY,
    plugins: [lazyTasksVision({ emit: true }), ...plugins()],
    onwarn,
    // Shared code stays in eye-proctor.bundle.js itself (no facade + shared chunk): the lazily
    // imported identity chunks import from it.
    preserveEntrySignatures: 'allow-extension',
    output: {
      // One file today; a lazily imported module (e.g. a main-thread MediaPipe fallback loaded with
      // `import()`) would become a content-hashed chunk beside it, fetched only when needed.
      dir: OUT,
      entryFileNames: 'eye-proctor.bundle.js',
      chunkFileNames: chunkFileName,
      format: 'es',
      sourcemap: true,
    },
  },
  {
    input: ENTRY,
    plugins: [lazyTasksVision({ emit: false }), ...plugins({ module: false })],
    onwarn,
    output: {
      file: `${OUT}/eye-proctor.iife.js`,
      format: 'iife',
      name: 'Eye',
      sourcemap: true,
      inlineDynamicImports: true,
    },
  },
  {
    // The review console (served by the relay at /console) and the embeddable report element, for
    // LMS pages; they share Lit through a content-hashed chunk.
    input: { 'eye-console': CONSOLE_ENTRY, 'eye-session-report': REPORT_ENTRY },
    plugins: plugins(),
    onwarn,
    output: { dir: OUT, entryFileNames: '[name].js', chunkFileNames: 'eye-console-[name]-[hash].js', format: 'es', sourcemap: true },
  },
  {
    input: WORKER,
    plugins: plugins(),
    onwarn,
    output: { file: `${OUT}/face-detector.worker.js`, format: 'es', sourcemap: true, inlineDynamicImports: true },
  },
  {
    input: IDENTITY_WORKER,
    plugins: plugins(),
    onwarn,
    output: { file: `${OUT}/identity.worker.js`, format: 'es', sourcemap: false, inlineDynamicImports: true },
  },
];
