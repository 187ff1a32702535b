// ESLint (flat config): typescript-eslint's strict type-checked rules on every TypeScript and JavaScript file.
// `npm run lint`; runs in `pretest`, so CI fails on a lint error.
import js from '@eslint/js';
import globals from 'globals';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  {
    ignores: [
      '**/node_modules/',
      '**/dist/',
      'custom-elements.json',
      // Generated from openapi.json by `npm run generate:client`.
      'backend-stub/src/client/relay-api.ts',
      // Generated host-example bundles (scripts/build-angular.mjs, scripts/build-demo.mjs); git ignores build/ too.
      '**/build/',
    ],
  },
  js.configs.recommended,
  tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        // One program per tsconfig; a file is checked with the first project that contains it.
        // tsconfig.tools.json gives the untyped build, test and demo scripts (JavaScript) their types.
        project: [
          './tsconfig.json',
          './backend-stub/tsconfig.json',
          './bench/tsconfig.json',
          './test/types/tsconfig.react18.json',
          './test/types/tsconfig.react19.json',
          './tsconfig.tools.json',
        ],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // Numbers in messages, ids and CSS values are interpolated on purpose (`${ms} ms`, `${n}px`);
      // other non-strings (null, undefined, objects) still need an explicit conversion.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      // Declaration merging (module augmentation, HTMLElementEventMap entries) adds a supertype with an
      // interface that declares nothing else; that is how TypeScript spells it.
      '@typescript-eslint/no-empty-object-type': ['error', { allowInterfaces: 'with-single-extends' }],
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          // node:test's test()/describe() return a promise the runner itself awaits (documented option).
          allowForKnownSafeCalls: [
            { from: 'package', name: ['test', 'it', 'describe', 'suite'], package: 'node:test' },
            // @open-wc/semantic-dom-diff types chai's `equal` as returning a promise (only its `.dom` diffs are
            // async); `expect(x).to.equal(y)` on values is synchronous and throws on mismatch.
            { from: 'package', name: 'Equal', package: '@open-wc/semantic-dom-diff' },
          ],
        },
      ],
    },
  },
  {
    // Tests: a `!` on what the test just produced (a query result, the first event) throws a TypeError that
    // fails the test, which is what an explicit check would do; production code narrows instead.
    files: ['**/*.test.ts', '**/*-test.ts', '**/testing/**', '**/test-helpers.ts', 'test/**'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    // Plain JavaScript: Node scripts and configs, browser demos. TypeScript files get undefined names from tsc.
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
  {
    // Not in any program: the Angular example needs @angular/core, which this repository does not install,
    // and bundle-options.mjs is shadowed by its own declaration file (bundle-options.d.mts).
    files: ['demo/angular/**', 'scripts/bundle-options.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
);
