/**
 * The demo's built-in webhook receiver and its live feed (demo mode only).
 *
 * On start the relay registers its own `/demo/webhooks` as a webhook endpoint of the demo
 * tenant (every event type, snapshots included). Each delivery is verified the way an
 * institution would (X-Eye-Signature: timestamp window + HMAC-SHA256 + constant-time compare;
 * webhook-signature: Standard Webhooks), then pushed to the proctor view over Server-Sent Events.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply } from 'fastify';
import { parseJsonText } from '../json-body.js';
import { syncPlugin } from '../sync-plugin.js';
import { DEMO_TENANT_ID } from '../tenants.js';
import { EVENT_TYPES } from '../webhooks/catalog.js';
import { endpointDepsOf } from '../webhooks/endpoint-deps.js';
import { createEndpoint } from '../webhooks/endpoints.js';

export const DEMO_RECEIVER_PATH = '/demo/webhooks';
const FEED_BUFFER = 200;
const TOLERANCE_S = 5 * 60;

/** One received delivery as the proctor view shows it. */
export interface FeedItem {
  receivedAt: string;
  webhookId: string | null;
  verified: { classic: boolean; standard: boolean };
  envelope: unknown;
}

function equalConstantTime(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** X-Eye-Signature: `sha256=<hex HMAC(secret utf-8, ts + "." + body)>`, fresh timestamp. */
export function checkClassic(secret: string, headers: IncomingHttpHeaders, body: string, nowS = Math.floor(Date.now() / 1000)): boolean {
  const ts = String(headers['x-eye-timestamp'] ?? '');
  const given = String(headers['x-eye-signature'] ?? '');
  if (!/^\d{1,12}$/.test(ts) || Math.abs(nowS - Number(ts)) > TOLERANCE_S) return false;
  const want = `sha256=${createHmac('sha256', Buffer.from(secret, 'utf8')).update(`${ts}.${body}`).digest('hex')}`;
  // One value, the newest secret's (docs/WEBHOOKS.md): the whole header is compared.
  return equalConstantTime(given, want);
}

/** Standard Webhooks: `v1,<base64 HMAC(base64-decoded whsec key, id + "." + ts + "." + body)>`. */
export function checkStandard(secret: string, headers: IncomingHttpHeaders, body: string, nowS = Math.floor(Date.now() / 1000)): boolean {
  const id = String(headers['webhook-id'] ?? '');
  const ts = String(headers['webhook-timestamp'] ?? '');
  if (!id || !/^\d{1,12}$/.test(ts) || Math.abs(nowS - Number(ts)) > TOLERANCE_S) return false;
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const want = createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest('base64');
  return String(headers['webhook-signature'] ?? '')
    .split(' ')
    .some((part) => part.startsWith('v1,') && equalConstantTime(part.slice(3), want));
}

/** Live feed: a ring buffer replayed to each new listener, then every new item as it arrives. */
export class DemoFeed {
  private readonly items: FeedItem[] = [];
  private readonly listeners = new Set<(item: FeedItem) => void>();

  push(item: FeedItem): void {
    this.items.push(item);
    if (this.items.length > FEED_BUFFER) this.items.shift();
    for (const listener of this.listeners) listener(item);
  }

  recent(): readonly FeedItem[] {
    return this.items;
  }

  subscribe(listener: (item: FeedItem) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/**
 * The receiver is this very process: reach it over IPv4 loopback when the relay listens on all
 * interfaces or loopback (a public URL naming "localhost" may resolve to ::1 first, which an
 * IPv4 listener refuses); otherwise through the public URL.
 */
function demoReceiverUrl(app: FastifyInstance): string {
  const { host, port, publicUrl } = app.relayConfig;
  const listening = app.server.address();
  const actualPort = typeof listening === 'object' && listening ? listening.port : port;
  if (['0.0.0.0', '::', '127.0.0.1', 'localhost'].includes(host) && actualPort) return `http://127.0.0.1:${actualPort}${DEMO_RECEIVER_PATH}`;
  return `${publicUrl}${DEMO_RECEIVER_PATH}`;
}

/** The demo tenant's endpoint for the built-in receiver: reused across restarts, its secret unsealed. */
async function ensureDemoEndpoint(app: FastifyInstance): Promise<{ id: string; secret: string }> {
  const url = demoReceiverUrl(app);
  const existing = await app.db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('tenant_id', '=', DEMO_TENANT_ID)
    .where('url', '=', url)
    .executeTakeFirst();
  if (existing) {
    if (existing.enabled !== 1) {
      await app.db.updateTable('webhook_endpoints').set({ enabled: 1, disabled_reason: null, disabled_at: null }).where('id', '=', existing.id).execute();
    }
    return { id: existing.id, secret: app.webhooks.secrets.open(existing.secret_sealed) };
  }
  // A receiver URL from an earlier start (other port or host): retire it, one feed per relay.
  await app.db
    .updateTable('webhook_endpoints')
    .set({ enabled: 0, disabled_reason: 'demo receiver moved', disabled_at: new Date().toISOString() })
    .where('tenant_id', '=', DEMO_TENANT_ID)
    .where('url', 'like', `%${DEMO_RECEIVER_PATH}`)
    .where('enabled', '=', 1)
    .execute();
  const eventTypes = EVENT_TYPES.filter((t) => t !== 'webhook.test');
  const { endpoint, secret } = await createEndpoint(endpointDepsOf(app), DEMO_TENANT_ID, {
    url,
    eventTypes,
    description: 'Built-in demo receiver (proctor view)',
  });
  return { id: endpoint.id, secret };
}

export interface DemoReceiverState {
  endpointId: string | null;
  /** Registers the endpoint once (at start when the port is known, else on the first demo request). */
  ensureEndpoint: () => Promise<void>;
}

export function demoReceiver(feed: DemoFeed, state: DemoReceiverState): FastifyPluginAsync {
  return syncPlugin((app) => {
    let secret: string | null = null;
    let registering: Promise<void> | null = null;
    state.ensureEndpoint = () =>
      (registering ??= ensureDemoEndpoint(app).then(
        (endpoint) => {
          secret = endpoint.secret;
          state.endpointId = endpoint.id;
          app.log.info({ endpointId: endpoint.id, url: demoReceiverUrl(app) }, 'demo webhook receiver registered');
        },
        (err: unknown) => {
          registering = null;
          throw err;
        },
      ));
    // With a fixed port the public URL is known now; with port 0 (tests) only once listening.
    app.addHook('onReady', async () => {
      if (app.relayConfig.port !== 0) await state.ensureEndpoint();
    });

    // Signatures cover the exact bytes: keep the body as text (this plugin's scope only).
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: 1024 * 1024 }, (_req, body, done) => { done(null, body); });

    app.post(DEMO_RECEIVER_PATH, { schema: { hide: true }, config: { rateLimit: false } }, async (request, reply) => {
      const body = typeof request.body === 'string' ? request.body : '';
      const headers = request.headers;
      const verified = { classic: !!secret && checkClassic(secret, headers, body), standard: !!secret && checkStandard(secret, headers, body) };
      const envelope = parseJsonText(body, 'webhook body');
      feed.push({ receivedAt: new Date().toISOString(), webhookId: typeof headers['webhook-id'] === 'string' ? headers['webhook-id'] : null, verified, envelope });
      // A receiver that cannot verify a delivery refuses it; the relay retries (and logs it).
      if (!verified.classic || !verified.standard) return reply.code(401).send({ error: 'bad_signature', message: 'signature did not verify' });
      return reply.code(204).send();
    });

    // Open event streams never go idle: end them so the relay can shut down.
    const streams = new Set<FastifyReply['raw']>();
    app.addHook('preClose', (done) => {
      for (const res of streams) res.end();
      done();
    });

    app.get('/demo/feed', { schema: { hide: true } }, async (request, reply: FastifyReply) => {
      reply.hijack();
      const res = reply.raw;
      streams.add(res);
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      const send = (item: FeedItem) => res.write(`event: webhook\ndata: ${JSON.stringify(item)}\n\n`);
      for (const item of feed.recent()) send(item);
      const unsubscribe = feed.subscribe(send);
      const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
      heartbeat.unref();
      request.raw.on('close', () => {
        streams.delete(res);
        clearInterval(heartbeat);
        unsubscribe();
      });
    });
  });
}
