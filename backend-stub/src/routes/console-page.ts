import { join } from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import { httpError } from '../errors.js';
import { notBuilt, safeJoin, sendFile } from './assets.js';
import { assetCopiesOf } from './compressed-assets.js';
import { syncPlugin } from '../sync-plugin.js';

/**
 * The review console's page (`/console`, every mode) and its scripts (`/console/assets/*`: the
 * eye-console and eye-session-report bundles that `npm run build` writes to dist/bundles). The page
 * is a shell: `<eye-console>` does the rest through /console/api. Strict CSP: own scripts only,
 * media from the relay's public URL, no framing.
 */
export const consolePageRoutes: FastifyPluginAsync = syncPlugin((app) => {
  const bundleDir = join(app.relayConfig.projectRoot, 'dist', 'bundles');
  const mediaOrigin = new URL(app.relayConfig.publicUrl).origin;
  const csp = [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' ${mediaOrigin} data: blob:`,
    `media-src 'self' ${mediaOrigin} blob:`,
    "connect-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
  ].join('; ');
  const page = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="color-scheme" content="light" />
    <link rel="icon" href="data:," />
    <title>Eye review console</title>
  </head>
  <body>
    <eye-console>
      <p>Loading the review console… If this stays, the console bundle is missing: run <code>npm run build</code>.</p>
    </eye-console>
    <script type="module" src="/console/assets/eye-console.js"></script>
  </body>
</html>
`;
  const hidden = { schema: { hide: true }, config: { rateLimit: false as const } };
  const copies = assetCopiesOf(app.relayConfig.dataDir);
  const sendPage = async (_request: unknown, reply: import('fastify').FastifyReply) =>
    reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .header('content-security-policy', csp)
      .header('x-content-type-options', 'nosniff')
      .header('x-frame-options', 'DENY')
      .header('referrer-policy', 'same-origin')
      .send(page);

  app.get('/console', hidden, sendPage);
  app.get('/console/', hidden, sendPage);

  app.get<{ Params: { '*': string } }>('/console/assets/*', hidden, async (request, reply) => {
    const file = safeJoin(bundleDir, request.params['*']);
    if (!file || !/\.(js|map)$/.test(file)) throw httpError(404, 'asset_not_found', 'asset not found');
    return sendFile(request, reply, file, 300, notBuilt(`console bundle ${request.params['*'].slice(0, 100)} not found; run npm run build`), copies);
  });
});
