/**
 * custom-elements.json for IDEs, Storybook and framework wrappers: every element under
 * components/, with attributes, properties, events (@fires), CSS parts and custom properties.
 * Module paths point at the published JavaScript (dist/esm/...js), not the TypeScript sources.
 */
const toPublished = (path) => (path && /\.ts$/.test(path) && !path.startsWith('dist/') ? `dist/esm/${path.replace(/\.ts$/, '.js')}` : path);

function publishedPaths() {
  return {
    name: 'eye-published-paths',
    packageLinkPhase({ customElementsManifest }) {
      const visit = (node) => {
        if (Array.isArray(node)) return node.forEach(visit);
        if (!node || typeof node !== 'object') return;
        for (const [key, value] of Object.entries(node)) {
          if ((key === 'path' || key === 'module') && typeof value === 'string') node[key] = toPublished(value);
          else visit(value);
        }
      };
      visit(customElementsManifest.modules);
    },
  };
}

export default {
  globs: ['components/**/*.ts'],
  exclude: ['**/*.test.ts', '**/*.styles.ts', 'components/controllers/**'],
  outdir: '.',
  litelement: true,
  dependencies: false,
  packagejson: false,
  plugins: [publishedPaths()],
};
