import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Kysely } from 'kysely';
import './app-types.js';
import { dbOptionsOf, loadConfig, type RelayConfig } from './config.js';
import { openDatabase, type DbEngine } from './db/connect.js';
import { migrateToLatest } from './db/migrate.js';
import type { Database } from './db/schema.js';
import { installCors } from './cors.js';
import { installErrorHandlers } from './errors.js';
import { redactingLogger } from './log-redaction.js';
import { requestLogController } from './request-logging.js';
import { mediaStorePlugin } from './media/plugin.js';
import { databasePlugin } from './db/plugin.js';
import { authPlugin } from './auth.js';
import { routes } from './routes/index.js';
import { ensureDemoTenant } from './tenants.js';
import { installJsonBodyParser, JSON_MAX_DEPTH } from './json-body.js';
import { installStrictValidation } from './validation.js';
import { webhookEnginePlugin, type WebhookEngineOptions } from './webhooks/engine.js';
import { openapiOptions } from './openapi/document.js';

export interface BuildServerOptions {
  /** Full configuration; default: loadConfig() from the environment. */
  config?: RelayConfig;
  /** Fastify logger option; default: pino at config.logLevel. */
  logger?: FastifyServerOptions['logger'];
  /** Use this database instead of opening config.databaseUrl (it is still closed with the app). */
  db?: { db: Kysely<Database>; engine: DbEngine };
  /** Webhook engine settings over the environment's (tests: fast retry schedule, loopback receivers, worker off). */
  webhooks?: WebhookEngineOptions;
}

/** Builds the relay (not listening). `app.close()` closes the database too. */
export async function buildServer(opts: BuildServerOptions = {}): Promise<FastifyInstance> {
  const config = opts.config ?? loadConfig();
  const { db, engine } = opts.db ?? openDatabase({ ...dbOptionsOf(config), timedCheckpoints: true });
  try {
    if (config.autoMigrate) await migrateToLatest(db);
    if (config.demo) await ensureDemoTenant(db);
  } catch (err) {
    await db.destroy();
    throw err;
  }

  const app = Fastify({
    logger: redactingLogger(opts.logger ?? { level: config.logLevel }),
    bodyLimit: config.limits.jsonBodyBytes,
    trustProxy: config.trustProxy,
    keepAliveTimeout: config.keepAliveMs,
    return503OnClosing: true,
    logController: requestLogController(config.logLevel),
  });
  installStrictValidation(app);
  installJsonBodyParser(app);
  app.decorate('relayConfig', config);
  await app.register(databasePlugin, { db, engine });
  await app.register(mediaStorePlugin);
  installErrorHandlers(app, config.limits.drainBytes);

  installCors(app, config.allowedOrigins);
  await app.register(rateLimit, { global: false });
  await app.register(multipart, {
    limits: {
      fileSize: Math.max(config.limits.imageBytes, config.limits.audioBytes) + 1,
      files: 1,
      fields: 16,
      parts: 17,
      fieldSize: config.limits.jsonBodyBytes,
      fieldNameSize: 100,
      headerPairs: 100,
    },
  });
  await app.register(
    swagger,
    openapiOptions(
      config.publicUrl,
      {
        title: 'Eye relay',
        version: '1',
        description:
          'Sessions, flags and media of the Eye proctoring widget. API-key routes: `Authorization: Bearer <api key>` or `X-Api-Key`. ' +
          'Widget routes: `Authorization: Bearer <session token>` from POST /v1/sessions. Errors: `{ error, message }`. ' +
          'Authentication comes first: a request without valid credentials gets 401 whatever its body. ' +
          `JSON bodies (and JSON fields of multipart bodies): at most EYE_JSON_BODY_LIMIT bytes (default 256 KiB; 413 payload_too_large), ` +
          `objects/arrays nested at most ${JSON_MAX_DEPTH} levels (400 json_too_deep), no \`__proto__\` key and no \`constructor\` key holding a \`prototype\` (400 forbidden_json_key). ` +
          'A refused oversized body is read to its end (up to EYE_DRAIN_LIMIT, default 64 MiB) before the answer, so a client still uploading receives it.',
      },
      {
        apiKey: { type: 'http', scheme: 'bearer', description: 'Tenant API key' },
        apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-Api-Key' },
        sessionToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Short-lived session token' },
        reportToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Read-only report token (POST /v1/sessions/{id}/report-token)' },
      },
    ),
  );
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());

  await app.register(webhookEnginePlugin, opts.webhooks ?? {});
  await app.register(authPlugin);
  for (const { plugin, prefix } of routes) await app.register(plugin, { prefix });
  return app;
}

/**
 * Starts a relay from `config`, prints where it listens, and closes it cleanly on SIGTERM / SIGINT.
 * `deliveryOnly` (`eye-relay worker`): no HTTP listener, only the webhook delivery worker and the
 * retention job, so deliveries run on their own event loop (and core) beside relays started with
 * EYE_WEBHOOK_WORKER=0; it is woken by NOTIFY at each commit on PostgreSQL, by changes of the WAL
 * file on SQLite.
 */
export async function serve(config: RelayConfig, opts: { deliveryOnly?: boolean } = {}): Promise<FastifyInstance> {
  const app = await buildServer({ config, ...(opts.deliveryOnly ? { webhooks: { worker: true, watchWal: true } } : {}) });
  if (opts.deliveryOnly) await app.ready();
  else await app.listen({ port: config.port, host: config.host });
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        app.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => { shutdown('SIGTERM'); });
  process.once('SIGINT', () => { shutdown('SIGINT'); });
  return app;
}
