import type { FastifyPluginAsync, onRequestAsyncHookHandler } from 'fastify';
import { requireApiKey, requireSessionToken } from '../auth.js';
import { assetRoutes } from './assets.js';
import { flagRoutes } from './flags.js';
import { healthRoutes } from './health.js';
import { mediaRoutes } from './media.js';
import { sessionRoutes, sessionTokenRenewalRoutes } from './sessions.js';
import { speedtestRoutes } from './speedtest.js';
import { webhookRoutes } from './webhooks.js';
import { incidentRoutes } from './incidents.js';
import { replayRoutes } from './replay.js';
import { riskRoutes } from './risk.js';
import { demoRoutes } from './demo.js';
import { reviewerRoutes } from './reviewers.js';
import { reportRoutes, reportTokenRoutes } from './reports.js';
import { consoleAuthRoutes } from './console-auth.js';
import { consoleSessionRoutes } from './console-sessions.js';
import { consoleAdminRoutes } from './console-admin.js';
import { consolePageRoutes } from './console-page.js';

/** Route plugins registered in order in one encapsulated context; `authenticate` runs in onRequest for all of them. */
function group(plugins: FastifyPluginAsync[], authenticate?: onRequestAsyncHookHandler): FastifyPluginAsync {
  return async (app) => {
    if (authenticate) app.addHook('onRequest', authenticate);
    for (const plugin of plugins) await app.register(plugin);
  };
}

/** The tenant's server-to-server API: every route authenticates its API key in onRequest (sets `request.tenant`). */
const apiKeyRoutes = group(
  [sessionRoutes, webhookRoutes, incidentRoutes, replayRoutes, riskRoutes, reviewerRoutes, reportTokenRoutes],
  requireApiKey,
);

/** The widget's API: every route checks its session token in onRequest (sets `request.session`). */
const sessionTokenRoutes = group([sessionTokenRenewalRoutes, flagRoutes], requireSessionToken);

/**
 * `/v1`: route plugins declare paths without the prefix. Signed media, the speed test and
 * report-token reports authenticate on their own (signature, none, report token).
 */
export const v1Routes = group([apiKeyRoutes, sessionTokenRoutes, mediaRoutes, speedtestRoutes, reportRoutes]);

/**
 * Every route plugin, registered in this order by buildServer. To add routes: export a
 * FastifyPluginAsync from `routes/<name>.ts` (`routePlugin` from sync-plugin.ts types params,
 * querystrings and bodies from the route's `as const` JSON schemas) and add it to its group (API-key routes to
 * `apiKeyRoutes`, widget routes to `sessionTokenRoutes`: the group's hook authenticates them).
 * Plugins see `app.db`, `app.relayConfig`, `app.mediaStore`, `app.webhooks`; use `httpError` from errors.ts.
 */
export const routes: { plugin: FastifyPluginAsync; prefix?: string }[] = [
  { plugin: healthRoutes },
  { plugin: v1Routes, prefix: '/v1' },
  { plugin: assetRoutes },
  // The review console (/console, every mode): page, cookie sign-in, reviewer and admin API.
  { plugin: consolePageRoutes },
  { plugin: consoleAuthRoutes },
  { plugin: consoleSessionRoutes },
  { plugin: consoleAdminRoutes },
  { plugin: demoRoutes }, // only with EYE_DEMO=1 (npm start): demo pages, demo sessions, built-in webhook receiver
];
