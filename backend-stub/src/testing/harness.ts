import { createRelayClient } from '../client/index.js';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { loadConfig, type ConfigOverrides, type RelayConfig } from '../config.js';
import type { Database } from '../db/schema.js';
import { buildServer } from '../server.js';
import type { WebhookEngineOptions } from '../webhooks/engine.js';
import { createTenant } from '../tenants.js';
import { TEST_PG_URL, withPgAdmin, type Engine } from './engines.js';

export interface TestRelayOptions {
  engine: Engine;
  /** Overrides on top of test defaults (fresh secret, temp data dir, fresh DB). */
  config?: ConfigOverrides;
  /** Log to stdout (default: only when EYE_TEST_LOG=1). */
  logger?: boolean;
  /** Write the relay's log lines (pino JSON, info level) here instead (tests that read the logs). */
  logStream?: { write(line: string): void };
  /** Webhook engine options passed to buildServer (retry schedule, timeout, loopback targets, worker). */
  webhooks?: WebhookEngineOptions;
  /** Called with the built app before it listens (tests add hooks, e.g. an injected outage). */
  beforeListen?: (app: FastifyInstance) => void;
}

export interface TestSession {
  sessionId: string;
  token: string;
  expiresAt: string;
  examId: string;
  candidateId: string;
}

export interface TestRelay {
  /** `http://127.0.0.1:<port>`, also the relay's publicUrl (media URLs point here). */
  url: string;
  app: FastifyInstance;
  db: Kysely<Database>;
  engine: Engine;
  config: RelayConfig;
  /** API key and id of a tenant created for this relay. */
  apiKey: string;
  tenantId: string;
  mediaDir: string;
  /** PostgreSQL schema of this relay (null on SQLite). */
  pgSchema: string | null;
  /** POST /v1/sessions over HTTP with this relay's API key (or `apiKey`). */
  createSession(opts?: { examId?: string; candidateId?: string; metadata?: Record<string, unknown>; apiKey?: string }): Promise<TestSession>;
  /** Another tenant with its own key. */
  createTenant(name?: string): Promise<{ tenantId: string; apiKey: string }>;
  /** Stops the server, drops the PG schema / removes the temp dir. */
  close(): Promise<void>;
}


/**
 * A real relay listening on 127.0.0.1 (random port) with a fresh database: a temp SQLite file, or
 * a fresh PostgreSQL schema `eye_t_<random>` on the test server (dropped CASCADE on close).
 */
export async function startTestRelay(opts: TestRelayOptions): Promise<TestRelay> {
  const dir = await mkdtemp(join(tmpdir(), 'eye-relay-test-'));
  let pgSchema: string | null = null;
  let databaseUrl = join(dir, 'eye.sqlite');
  if (opts.engine === 'postgres') {
    pgSchema = `eye_t_${randomBytes(6).toString('hex')}`;
    await withPgAdmin((c) => c.query(`create schema ${pgSchema}`));
    databaseUrl = TEST_PG_URL;
  }
  const dropAll = async () => {
    if (pgSchema) await withPgAdmin((c) => c.query(`drop schema if exists ${pgSchema} cascade`));
    await rm(dir, { recursive: true, force: true });
  };

  let app: FastifyInstance;
  try {
    const config = loadConfig({}, [], {
      secret: randomBytes(32).toString('base64url'),
      dataDir: dir,
      mediaDir: join(dir, 'media'),
      databaseUrl,
      dbEngine: opts.engine,
      pgSchema,
      port: 0,
      host: '127.0.0.1',
      logLevel: 'warn',
      ...opts.config,
    });
    const log = opts.logger ?? process.env.EYE_TEST_LOG === '1';
    const logger = opts.logStream ? { level: 'info', stream: opts.logStream } : log ? { level: 'info' } : false;
    app = await buildServer({ config, logger, webhooks: opts.webhooks });
    opts.beforeListen?.(app);
    await app.listen({ port: 0, host: '127.0.0.1' });
  } catch (err) {
    await dropAll();
    throw err;
  }
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  app.relayConfig.publicUrl = url;
  const { tenantId, apiKey } = await createTenant(app.db, 'test tenant');

  let closed = false;
  return {
    url,
    app,
    db: app.db,
    engine: opts.engine,
    config: app.relayConfig,
    apiKey,
    tenantId,
    mediaDir: app.relayConfig.mediaDir,
    pgSchema,
    async createSession(o = {}) {
      const examId = o.examId ?? 'exam-1';
      const candidateId = o.candidateId ?? `cand-${randomBytes(4).toString('hex')}`;
      const { data, response, error } = await createRelayClient({ baseUrl: url, token: o.apiKey ?? apiKey }).POST('/v1/sessions', {
        body: { examId, candidateId, ...(o.metadata ? { metadata: o.metadata } : {}) },
      });
      if (!data) throw new Error(`createSession: HTTP ${response.status} ${JSON.stringify(error)}`);
      const body = { sessionId: data.sessionId, token: data.token, expiresAt: data.expiresAt };
      return { ...body, examId, candidateId };
    },
    createTenant: (name = 'other tenant') => createTenant(app.db, name),
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
      await dropAll();
    },
  };
}
