/**
 * Wires the webhook engine into the relay: `app.webhooks` (settings, secret box, worker), the
 * delivery worker and the retention job start when the app is ready and stop before it closes.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import '../app-types.js';
import { purgeExpired } from './retention.js';
import { SecretBox } from './secret-box.js';
import { loadWebhookSettings, type WebhookSettings, type WebhookSettingsInput } from './settings.js';
import type { Resolver } from './ssrf.js';
import { DeliveryWorker } from './worker.js';
import { syncPlugin } from '../sync-plugin.js';

export interface WebhookEngine {
  settings: WebhookSettings;
  secrets: SecretBox;
  /** null when disabled (settings.worker = false). */
  worker: DeliveryWorker | null;
  resolver: Resolver | undefined;
  /** Runs the retention job now (also runs every settings.retentionIntervalMs). */
  purge(now?: number): ReturnType<typeof purgeExpired>;
}

declare module 'fastify' {
  interface FastifyInstance {
    webhooks: WebhookEngine;
  }
}

export type WebhookEngineOptions = WebhookSettingsInput & {
  /** DNS resolver used for target checks (tests); default: the system resolver. */
  resolver?: Resolver;
};

function installWebhookEngine(app: FastifyInstance, opts: WebhookEngineOptions): void {
  const { resolver, ...input } = opts;
  const settings = loadWebhookSettings(process.env, app.relayConfig.demo, input);
  const secrets = new SecretBox(app.relayConfig.secret);
  const worker = settings.worker
    ? new DeliveryWorker({ db: app.db, config: app.relayConfig, settings, secrets, log: app.log, resolver })
    : null;
  const engine: WebhookEngine = {
    settings,
    secrets,
    worker,
    resolver,
    purge: (now) => purgeExpired(app.db, app.mediaStore, settings.retentionMs, now),
  };
  app.decorate('webhooks', engine);

  let retentionTimer: NodeJS.Timeout | null = null;
  app.addHook('onReady', (done) => {
    if (worker) {
      worker.start();
      app.log.info(
        { workerId: worker.id, targets: settings.targets, retryScheduleMs: settings.retry.scheduleMs, timeoutMs: settings.timeoutMs },
        'webhook delivery worker started',
      );
      const runRetention = () => {
        engine.purge().then(
          (r) => {
            if (r.events || r.media || r.heldExpired) app.log.info(r, 'retention: purged expired events and media');
          },
          (err: unknown) => {
            app.log.error({ err }, 'retention job failed');
          },
        );
      };
      retentionTimer = setInterval(runRetention, settings.retentionIntervalMs);
      retentionTimer.unref();
    }
    done();
  });
  app.addHook('preClose', async () => {
    if (retentionTimer) clearInterval(retentionTimer);
    await worker?.stop();
  });
}

/** `app.webhooks`; the worker and retention job run between ready and close. */
export const webhookEnginePlugin = fp<WebhookEngineOptions>(syncPlugin(installWebhookEngine), {
  name: 'webhook-engine',
  fastify: '5.x',
  dependencies: ['database', 'media-store'],
});
