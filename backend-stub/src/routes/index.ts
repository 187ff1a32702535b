import type { FastifyPluginAsync } from 'fastify';
import { assetRoutes } from './assets.js';
import { flagRoutes } from './flags.js';
import { healthRoutes } from './health.js';
import { mediaRoutes } from './media.js';
import { sessionRoutes } from './sessions.js';
import { speedtestRoutes } from './speedtest.js';
import { webhookRoutes } from './webhooks.js';
import { incidentRoutes } from './incidents.js';
import { replayRoutes } from './replay.js';
import { riskRoutes } from './risk.js';
import { demoRoutes } from './demo.js';

/**
 * Every route plugin, registered in this order by buildServer. To add routes: export a
 * FastifyPluginAsync from `routes/<name>.ts` and add ONE line below. Plugins see `app.db`,
 * `app.relayConfig`, `app.mediaStore`; use `requireApiKey` / `requireSessionToken` from auth.ts
 * and `httpError` from errors.ts.
 */
export const routes: FastifyPluginAsync[] = [
  healthRoutes,
  sessionRoutes,
  flagRoutes,
  mediaRoutes,
  assetRoutes,
  speedtestRoutes,
  webhookRoutes,
  incidentRoutes,
  replayRoutes,
  riskRoutes,
  demoRoutes, // only with EYE_DEMO=1 (npm start): demo pages, demo sessions, built-in webhook receiver
];
