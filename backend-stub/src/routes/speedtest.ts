import { randomFillSync } from 'node:crypto';
import { Readable } from 'node:stream';
import rateLimit from '@fastify/rate-limit';
import type {} from '@fastify/swagger'; // schema tags / summary
import type { FastifyPluginAsync } from 'fastify';
import { errorSchema, httpError } from '../errors.js';

/**
 * Speed-test routes for the widget's system check (<eye-system-check>, "internetSpeed"):
 *
 * - `GET  /v1/speedtest/ping`                tiny response to time round trips
 * - `GET  /v1/speedtest/download?bytes=N`    N random (incompressible) bytes, N capped
 * - `POST /v1/speedtest/upload`              application/octet-stream body up to a cap, counted and discarded
 *
 * Public (a candidate runs the check before any session exists), never cached, rate-limited per
 * client address, and nothing is stored. CORS comes from the relay core like every other route.
 */
export interface SpeedtestOptions {
  /** Largest download a client may ask for. */
  maxDownloadBytes?: number;
  /** Largest upload accepted. */
  maxUploadBytes?: number;
  /** Requests per minute and client address: pings, and transfers (download + upload each). */
  pingsPerMinute?: number;
  transfersPerMinute?: number;
}

export const SPEEDTEST_DEFAULTS: Required<SpeedtestOptions> = {
  maxDownloadBytes: 32 * 1024 * 1024,
  maxUploadBytes: 8 * 1024 * 1024,
  pingsPerMinute: 300,
  transfersPerMinute: 60,
};

const CHUNK = 64 * 1024;

/** A stream of `total` random bytes, made chunk by chunk so a big download never sits in memory. */
function randomBytesStream(total: number): Readable {
  let left = total;
  return new Readable({
    read() {
      if (left <= 0) return void this.push(null);
      const n = Math.min(CHUNK, left);
      left -= n;
      this.push(randomFillSync(Buffer.allocUnsafe(n)));
    },
  });
}

const NO_STORE = { 'cache-control': 'no-store, no-transform', pragma: 'no-cache' };

interface UploadBody {
  bytes: number;
  durationMs: number;
}

export const speedtestRoutes: FastifyPluginAsync<SpeedtestOptions> = async (app, opts) => {
  const o = { ...SPEEDTEST_DEFAULTS, ...opts };
  // Per-route limits need the rate-limit plugin; register it here (scoped) unless the core already did.
  if (!app.hasDecorator('rateLimit')) await app.register(rateLimit, { global: false });
  const perMinute = (max: number) => ({ rateLimit: { max, timeWindow: 60_000 } });

  app.get(
    '/speedtest/ping',
    {
      config: perMinute(o.pingsPerMinute),
      schema: {
        tags: ['speedtest'],
        summary: 'Round-trip probe for the system check',
        querystring: { type: 'object', properties: { n: { type: 'string', maxLength: 64 } } },
        response: { 200: { type: 'object', required: ['serverTime'], properties: { serverTime: { type: 'number' } } }, 429: errorSchema },
      },
    },
    async (_request, reply) => {
      reply.headers(NO_STORE);
      return { serverTime: Date.now() };
    },
  );

  app.get<{ Querystring: { bytes?: number; n?: string } }>(
    '/speedtest/download',
    {
      config: perMinute(o.transfersPerMinute),
      schema: {
        tags: ['speedtest'],
        summary: 'Random bytes to measure download throughput',
        querystring: {
          type: 'object',
          properties: {
            bytes: { type: 'integer', minimum: 1, maximum: o.maxDownloadBytes, default: 1024 * 1024 },
            n: { type: 'string', maxLength: 64 },
          },
        },
        response: { 400: errorSchema, 429: errorSchema },
      },
    },
    async (request, reply) => {
      const bytes = request.query.bytes ?? 1024 * 1024;
      reply.headers({ ...NO_STORE, 'content-type': 'application/octet-stream', 'content-length': String(bytes), 'content-encoding': 'identity' });
      return reply.send(randomBytesStream(bytes));
    },
  );

  // Count the upload as it streams in and drop it: nothing is buffered or stored.
  if (app.hasContentTypeParser('application/octet-stream')) app.removeContentTypeParser('application/octet-stream');
  app.addContentTypeParser('application/octet-stream', (request, payload, done) => {
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > o.maxUploadBytes) {
      done(httpError(413, 'payload_too_large', `upload is limited to ${o.maxUploadBytes} bytes`), undefined);
      return;
    }
    const started = performance.now();
    let bytes = 0;
    let finished = false;
    const finish = (err: Error | null, body?: UploadBody) => {
      if (finished) return;
      finished = true;
      payload.removeListener('data', onData);
      done(err, body);
    };
    const onData = (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > o.maxUploadBytes) finish(httpError(413, 'payload_too_large', `upload is limited to ${o.maxUploadBytes} bytes`));
    };
    payload.on('data', onData);
    payload.on('end', () => {
      finish(null, { bytes, durationMs: performance.now() - started });
    });
    payload.on('error', (err) => {
      finish(err);
    });
  });

  app.post<{ Body: UploadBody }>(
    '/speedtest/upload',
    {
      config: perMinute(o.transfersPerMinute),
      schema: {
        tags: ['speedtest'],
        summary: 'Counts and discards an upload to measure upload throughput',
        consumes: ['application/octet-stream'],
        response: {
          200: {
            type: 'object',
            required: ['bytes', 'durationMs', 'serverTime'],
            properties: { bytes: { type: 'integer' }, durationMs: { type: 'number' }, serverTime: { type: 'number' } },
          },
          413: errorSchema,
          415: errorSchema,
          429: errorSchema,
        },
      },
    },
    async (request, reply) => {
      reply.headers(NO_STORE);
      const body = request.body as UploadBody | undefined;
      if (!body || typeof body.bytes !== 'number') throw httpError(400, 'bad_request', 'send the upload as application/octet-stream');
      return { bytes: body.bytes, durationMs: Math.round(body.durationMs * 10) / 10, serverTime: Date.now() };
    },
  );
};

export default speedtestRoutes;
