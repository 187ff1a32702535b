/**
 * custom-elements.json for IDEs, Storybook and framework wrappers: every element under
 * components/, with attributes, properties, events (@fires), CSS parts and custom properties.
 * Module paths point at the published JavaScript (dist/esm/...js), not the TypeScript sources.
 */
import { readFileSync } from 'node:fs';

/** @param {string} path */
const toPublished = (path) => (path && /\.ts$/.test(path) && !path.startsWith('dist/') ? `dist/esm/${path.replace(/\.ts$/, '.js')}` : path);

/** @returns {import('@custom-elements-manifest/analyzer').Plugin} */
function publishedPaths() {
  return {
    name: 'eye-published-paths',
    /** @param {{ customElementsManifest: import('custom-elements-manifest/schema.js').Package }} params */
    packageLinkPhase({ customElementsManifest }) {
      /** @param {unknown} node any part of the manifest */
      const visit = (node) => {
        if (Array.isArray(node)) {
          node.forEach(visit);
          return;
        }
        if (!node || typeof node !== 'object') return;
        const object = /** @type {Record<string, unknown>} */ (node);
        for (const [key, value] of Object.entries(object)) {
          if ((key === 'path' || key === 'module') && typeof value === 'string') object[key] = toPublished(value);
          else visit(value);
        }
      };
      visit(customElementsManifest.modules);
    },
  };
}

/**
 * Detail type of each widget event, read from EventPayloadMap in src/events.ts (the single source of
 * truth): `[Event.FACE_ABSENCE]: FlagDataWithFile;` gives FACE_ABSENCE `CustomEvent<FlagDataWithFile>`.
 */
function eventDetailTypes() {
  const source = readFileSync(new URL('./src/events.ts', import.meta.url), 'utf8');
  const map = source.slice(source.indexOf('export interface EventPayloadMap'));
  const body = map.slice(0, map.indexOf('\n}'));
  return new Map([...body.matchAll(/^\s*\[Event\.(\w+)\]: (.+);\s*$/gm)].map(([, name, type]) => [String(name), String(type).trim()]));
}

/**
 * Events: the ones documented with @fires only (the analyzer also reports `new CustomEvent(type)`
 * of a generic dispatcher as an event named "type"), each with its `CustomEvent<detail>` type.
 */
/** @returns {import('@custom-elements-manifest/analyzer').Plugin} */
function typedEvents() {
  const details = eventDetailTypes();
  return {
    name: 'eye-typed-events',
    /** @param {{ customElementsManifest: import('custom-elements-manifest/schema.js').Package }} params */
    packageLinkPhase({ customElementsManifest }) {
      for (const declaration of customElementsManifest.modules.flatMap((m) => m.declarations ?? [])) {
        if (!('events' in declaration) || !declaration.events) continue;
        declaration.events = declaration.events.filter((e) => e.description !== undefined || !/^[a-z][a-zA-Z0-9]*$/.test(e.name));
        for (const event of declaration.events) {
          const detail = details.get(event.name);
          if (detail) event.type = { text: `CustomEvent<${detail === 'undefined' ? 'null' : detail}>` };
        }
      }
    },
  };
}

export default {
  globs: ['components/**/*.ts'],
  exclude: ['**/*.test.ts', '**/*-test.ts', '**/test-helpers.ts', '**/*.styles.ts', 'components/controllers/**'],
  outdir: '.',
  litelement: true,
  dependencies: false,
  packagejson: false,
  plugins: [publishedPaths(), typedEvents()],
};
