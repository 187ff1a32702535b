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
