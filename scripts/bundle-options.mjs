/**
 * Resolution and minification shared by the bundles (rollup.config.mjs) and every measurement of
 * them (scripts/build-bundles.mjs, bench/bundles.ts), so a measured size is a shipped size.
 *
 * `es2015` picks RxJS's ES2015 build (its default ESM build is ES5 with tslib helpers); no
 * `development` condition, so Lit runs in production mode.
 */
export const RESOLVE_CONDITIONS = ['browser', 'production', 'es2015', 'module', 'import', 'default'];

/** Terser options; `module: false` for the classic script (terser must keep its top-level `var Eye`). */
export function terserOptions({ module = true } = {}) {
  return { ecma: 2020, module, toplevel: module, compress: { passes: 3, pure_getters: true }, format: { comments: false } };
}

/**
 * The code every page loads from a rollup `generate()` output (no `inlineDynamicImports`): the
 * entry chunk and the chunks it imports statically. Chunks reached only through `import()`
 * (identity checking, loaded when config `identity` is on) are left out of the widget's budget.
 */
export function eagerCode(output) {
  const chunks = new Map(output.filter((c) => c.type === 'chunk').map((c) => [c.fileName, c]));
  const seen = new Set();
  const stack = [...chunks.values()].filter((c) => c.isEntry).map((c) => c.fileName);
  while (stack.length) {
    const file = stack.pop();
    if (seen.has(file) || !chunks.has(file)) continue; // externals (@mediapipe/*) are not chunks
    seen.add(file);
    stack.push(...chunks.get(file).imports);
  }
  return [...seen].map((f) => chunks.get(f).code).join('');
}
