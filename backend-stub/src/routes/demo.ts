/**
 * Demo-only routes, registered only with EYE_DEMO=1 / --demo (`npm start`):
 * - `/demo/*`: the demo pages (demo/), `/` redirects to `/demo/`;
 * - `/demo/vendor/*`: the few host-framework files the React / Vue examples load (from node_modules);
 * - `POST /demo/api/sessions`: a session of the demo tenant for the exam page (what an LMS backend
 *   does with its API key: the key never reaches the candidate's browser);
 * - `GET /demo/api/sessions`: recent demo sessions; `GET /demo/api/info`: relay URL, keys, console account;
 * - `/demo/proctor.html`: redirects to the review console (/console) of the demo tenant, whose
 *   demo reviewer account (console/demo-reviewer.ts) is created here;
 * - the built-in webhook receiver and its live feed (demo-receiver.ts).
 * Never enable demo mode on a relay others can reach: the demo tenant's key is public.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { httpError } from '../errors.js';
import { createSession, type Ctx } from '../sessions/service.js';
import { DEMO_REVIEWER, ensureDemoReviewer } from '../console/demo-reviewer.js';
import { DEMO_API_KEY, DEMO_TENANT_ID } from '../tenants.js';
import { signSessionToken } from '../tokens.js';
import { safeJoin } from './assets.js';
import { DemoFeed, demoReceiver, type DemoReceiverState } from './demo-receiver.js';

export const DEMO_EXAM_ID = 'demo-exam';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.md': 'text/plain; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
};

/** Framework files the host examples load, by public name (an allowlist, not a node_modules mirror). */
const VENDOR: Record<string, string> = {
  'react.js': 'react/umd/react.production.min.js',
  'react-dom.js': 'react-dom/umd/react-dom.production.min.js',
  'vue.js': 'vue/dist/vue.esm-browser.prod.js',
};

async function sendStatic(reply: FastifyReply, file: string | null): Promise<FastifyReply> {
  if (!file) throw httpError(404, 'not_found', 'no such demo file');
  const info = await stat(file).catch(() => null);
  if (!info?.isFile()) throw httpError(404, 'not_found', 'no such demo file');
  return reply
    .header('content-type', TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream')
    .header('cache-control', 'no-cache')
    .header('x-content-type-options', 'nosniff')
    .send(createReadStream(file));
}

export const demoRoutes: FastifyPluginAsync = async (app) => {
  const config = app.relayConfig;
  if (!config.demo) return;
  await ensureDemoReviewer(app.db);
  const demoDir = join(config.projectRoot, 'demo');
  const modulesDir = join(config.projectRoot, 'node_modules');
  const feed = new DemoFeed();
  const receiver: DemoReceiverState = { endpointId: null, ensureEndpoint: async () => {} };
  const ctx = (): Ctx => ({ db: app.db, engine: app.dbEngine, config });
  const hidden = { schema: { hide: true }, config: { rateLimit: false as const } };

  await app.register(demoReceiver(feed, receiver));

  app.get('/', hidden, async (_request, reply) => reply.redirect('/demo/'));
  app.get('/demo', hidden, async (_request, reply) => reply.redirect('/demo/'));
  app.get('/demo/', hidden, async (_request, reply) => sendStatic(reply, join(demoDir, 'index.html')));

  app.get<{ Params: { name: string } }>('/demo/vendor/:name', hidden, async (request, reply) => {
    const rel = VENDOR[request.params.name];
    return sendStatic(reply, rel ? join(modulesDir, rel) : null);
  });

  // The proctor view is the review console, signed in as the demo reviewer.
  app.get('/demo/proctor.html', hidden, async (_request, reply) => reply.redirect(`/console/?tenant=${DEMO_TENANT_ID}`));

  app.get<{ Params: { '*': string } }>('/demo/*', hidden, async (request, reply) => sendStatic(reply, safeJoin(demoDir, request.params['*'])));

  app.post<{ Body: { candidateId?: unknown; examId?: unknown } | undefined }>('/demo/api/sessions', hidden, async (request, reply) => {
    await receiver.ensureEndpoint();
    const body = request.body ?? {};
    const pick = (v: unknown, fallback: string) => (typeof v === 'string' && /^[\w.@-]{1,64}$/.test(v) ? v : fallback);
    const candidateId = pick(body.candidateId, `candidate-${Math.random().toString(36).slice(2, 8)}`);
    const examId = pick(body.examId, DEMO_EXAM_ID);
    const userAgent = (request.headers['user-agent'] ?? '').slice(0, 300);
    const session = await createSession(ctx(), DEMO_TENANT_ID, { examId, candidateId, metadata: { browser_ua: userAgent, sdk_version: 'demo' } });
    const { token, expiresAt } = await signSessionToken(
      config.secret,
      { sessionId: session.id, tenantId: DEMO_TENANT_ID, examId, candidateId },
      config.tokenTtlSeconds,
    );
    return reply.code(201).send({ sessionId: session.id, token, expiresAt, examId, candidateId, relayUrl: config.publicUrl });
  });

  app.get('/demo/api/sessions', hidden, async () => {
    const rows = await app.db
      .selectFrom('sessions')
      .select(['id', 'exam_id', 'candidate_id', 'status', 'risk_score', 'created_at', 'updated_at'])
      .where('tenant_id', '=', DEMO_TENANT_ID)
      .orderBy('created_at', 'desc')
      .limit(50)
      .execute();
    return { sessions: rows };
  });

  app.get('/demo/api/info', hidden, async () => {
    await receiver.ensureEndpoint();
    return {
    relayUrl: config.publicUrl,
    tenantId: DEMO_TENANT_ID,
    // Public development key of the demo tenant (see tenants.ts); the proctor view calls the
    // real API with it, as an LMS backend would with its own key.
    apiKey: DEMO_API_KEY,
    webhookEndpointId: receiver.endpointId,
    consoleUrl: `${config.publicUrl}/console/?tenant=${DEMO_TENANT_ID}`,
    reviewer: { email: DEMO_REVIEWER.email, password: DEMO_REVIEWER.password },
    };
  });
};
