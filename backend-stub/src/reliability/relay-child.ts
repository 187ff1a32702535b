/**
 * Entry point of a relay run as a child process by benchmarks and chaos tests (see
 * relay-process.ts): the production `buildServer` on the database named by the environment,
 * listening on 127.0.0.1, reporting its URL over IPC. With EYE_BENCH_NOOP=1 it also registers
 * `POST /bench/noop` (parses the JSON body, answers a small JSON; no auth, no database), the
 * baseline the ingest benchmark compares against. The parent may shift the relay's clock (IPC
 * `{ type: 'clock', offsetMs }`, see clock.ts). Never part of a production start.
 */
import type { AddressInfo } from 'node:net';
import { shiftClock } from '../clock.js';
import { loadConfig } from '../config.js';
import { buildServer } from '../server.js';
import { createTenant } from '../tenants.js';

export type ChildMessage =
  | { type: 'ready'; url: string; tenantId: string | null; apiKey: string | null }
  | { type: 'memory'; rss: number; heapUsed: number; external: number }
  | { type: 'clock'; offsetMs: number }
  | { type: 'error'; message: string };

const send = (m: ChildMessage) => process.send?.(m);

async function main(): Promise<void> {
  const config = loadConfig(process.env, [], { host: '127.0.0.1' });
  const app = await buildServer({
    config,
    logger: process.env.EYE_CHILD_LOG === '1' ? { level: 'info' } : false,
    ...(process.env.EYE_CHILD_ROLE === 'worker' ? { webhooks: { worker: true, watchWal: true } } : {}),
  });
  if (process.env.EYE_BENCH_NOOP === '1') {
    app.post('/bench/noop', { schema: { hide: true } }, (request) => ({ ok: true, bytes: JSON.stringify(request.body ?? null).length }));
  }
  // EYE_CHILD_ROLE=worker: `eye-relay worker` (deliveries only, no listener; url is empty).
  const deliveryOnly = process.env.EYE_CHILD_ROLE === 'worker';
  if (deliveryOnly) await app.ready();
  else await app.listen({ port: config.port, host: '127.0.0.1' });
  const url = deliveryOnly ? '' : `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  if (url) app.relayConfig.publicUrl = url;
  let tenant: { tenantId: string; apiKey: string } | null = null;
  if (process.env.EYE_CHILD_CREATE_TENANT === '1') tenant = await createTenant(app.db, 'bench tenant');
  send({ type: 'ready', url, tenantId: tenant?.tenantId ?? null, apiKey: tenant?.apiKey ?? null });

  process.on('message', (msg: { type?: string; gc?: boolean; offsetMs?: number } | null) => {
    if (msg?.type === 'memory') {
      // With --expose-gc, a full collection first: what is retained, not where the GC cycle is.
      if (msg.gc) (globalThis as { gc?: () => void }).gc?.();
      const m = process.memoryUsage();
      send({ type: 'memory', rss: m.rss, heapUsed: m.heapUsed, external: m.external });
    } else if (msg?.type === 'clock' && typeof msg.offsetMs === 'number') {
      // A clock jump of the relay's host (chaos tests): the relay's clock moves, timers do not.
      shiftClock(msg.offsetMs);
      send({ type: 'clock', offsetMs: msg.offsetMs });
    } else if (msg?.type === 'stop') {
      app.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    }
  });
  // The parent going away (test runner killed) must not leave a relay behind.
  process.on('disconnect', () => {
    void app.close().finally(() => process.exit(0));
  });
}

main().catch((err: unknown) => {
  send({ type: 'error', message: err instanceof Error ? err.stack ?? err.message : String(err) });
  process.exit(1);
});
