/** Shared helpers for webhook engine tests: fast settings, API calls, flags, waiting on the DB. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRelayClient, type RelayClient } from '../client/index.js';
import { PROJECT_ROOT } from '../config.js';
import type { WebhookEngineOptions } from '../webhooks/engine.js';
import type { Envelope } from '../webhooks/envelope.js';
import { SecretBox } from '../webhooks/secret-box.js';
import { loadWebhookSettings } from '../webhooks/settings.js';
import { DeliveryWorker } from '../webhooks/worker.js';
import { after, before, type TestContext } from 'node:test';
import type { components } from '../client/relay-api.js';
import type { Answered, ApiBody, FlagAnswer } from './client.js';
import type { Engine } from './engines.js';
import { startTestRelay, type TestRelay, type TestSession } from './harness.js';
import { startReceiver, type Receiver } from './receiver.js';

/** Fast schedule for tests (the default is 30 s, 5 min, 30 min), loopback http receivers allowed. */
export const FAST_WEBHOOKS: WebhookEngineOptions = {
  retry: { scheduleMs: [200, 400, 800], jitter: 0.1 },
  timeoutMs: 1000,
  pollIntervalMs: 250,
  leaseMs: 3000,
  targets: { allowHttp: true, allowLoopback: true, allowPrivate: false },
};

const quietLog = { info() {}, warn() {}, error() {} };

/**
 * A delivery worker on `relay`'s database (and its secret) that the test drives itself: not started,
 * so nothing is claimed or sent until the test calls claim() or start(). `webhooks` goes on top of
 * FAST_WEBHOOKS.
 */
export function manualWorker(relay: Pick<TestRelay, 'db' | 'config'>, webhooks: WebhookEngineOptions = {}): DeliveryWorker {
  const settings = loadWebhookSettings({}, false, { ...FAST_WEBHOOKS, ...webhooks });
  return new DeliveryWorker({ db: relay.db, config: relay.config, settings, secrets: new SecretBox(relay.config.secret), log: quietLog });
}

/**
 * A relay with its delivery worker off, an endpoint at `url` for every proctoring event, and
 * `flags` EXIT_FULLSCREEN flags of a started session: as many pending deliveries for a test to claim
 * by hand (manualWorker). The relay closes after test `t`.
 */
export async function relayWithPendingDeliveries(t: TestContext, engine: Engine, url: string, flags: number) {
  const relay = await startTestRelay({ engine, webhooks: { ...FAST_WEBHOOKS, worker: false } });
  t.after(() => relay.close());
  const endpoint = await registerEndpoint(relay, url, ['proctoring_event.*']);
  const session = await startedSession(relay);
  for (let i = 0; i < flags; i++) {
    const r = await postFlag(relay, session, { type: 'EXIT_FULLSCREEN' });
    if (r.status !== 201) throw new Error(`flag ${i}: ${r.status} ${JSON.stringify(r.body)}`);
  }
  return { relay, endpoint, session };
}

export interface ApiResult<T = unknown> {
  status: number;
  body: T;
}

/** GET /v1/webhooks/endpoints/{id}/deliveries. */
export type DeliveryList = ApiBody<'/v1/webhooks/endpoints/{id}/deliveries', 'get'>;
/** One delivery with its attempts (also GET /v1/webhooks/deliveries/{id}). */
export type Delivery = DeliveryList['deliveries'][number];
/** GET /v1/webhooks/endpoints/{id} (and its enable / disable answers). */
export type EndpointAnswer = ApiBody<'/v1/webhooks/endpoints/{id}', 'get'>;
/** POST /v1/webhooks/endpoints/{id}/test and POST /v1/webhooks/deliveries/{id}/redeliver. */
export type TestSent = ApiBody<'/v1/webhooks/endpoints/{id}/test', 'post', 202>;
type Schemas = components['schemas'];
/** Every webhook event body the relay sends (the documented catalog, openapi.json `webhooks`), its fields present. */
export type WebhookBody = Answered<Schemas[Exclude<Extract<keyof Schemas, `Webhook${string}`>, 'WebhookMeta'>]>;

/** GET /v1/events/replay: its events are the envelopes the webhooks carry. */
export type ReplayAnswer = Omit<ApiBody<'/v1/events/replay', 'get'>, 'events'> & { events: WebhookBody[] };
/** The webhook event body of one event type. */
export type WebhookOf<T extends WebhookBody['event_type']> = Extract<WebhookBody, { event_type: T }>;

/** The events of one type among `events`. */
export function ofType<T extends WebhookBody['event_type']>(events: WebhookBody[], type: T): WebhookOf<T>[] {
  return events.filter((e): e is WebhookOf<T> => e.event_type === type);
}

/** `T`: the body the test expects. */
export async function api<T = unknown>(relay: Pick<TestRelay, 'url' | 'apiKey'>, method: string, path: string, body?: unknown, key?: string): Promise<ApiResult<T>> {
  const res = await fetch(relay.url + path, {
    method,
    headers: {
      ...(key === '' ? {} : { authorization: `Bearer ${key ?? relay.apiKey}` }),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as T) : (undefined as T) };
}

/** The tenant's typed client (eye-relay/client), with the relay's API key. */
export function relayClient(relay: Pick<TestRelay, 'url' | 'apiKey'>, token = relay.apiKey): RelayClient {
  return createRelayClient({ baseUrl: relay.url, token });
}

export async function registerEndpoint(relay: TestRelay, url: string, eventTypes?: string[]): Promise<{ id: string; secret: string }> {
  const { data, error, response } = await relayClient(relay).POST('/v1/webhooks/endpoints', { body: { url, ...(eventTypes ? { eventTypes } : {}) } });
  if (response.status !== 201 || !data?.id || !data.secret) throw new Error(`register endpoint: ${response.status} ${JSON.stringify(error)}`);
  return { id: data.id, secret: data.secret };
}

let flagSeq = 0;

/** POST a flag as JSON with the session token; returns the flag response. */
export async function postFlag<T = FlagAnswer>(relay: TestRelay, session: TestSession, flag: Record<string, unknown>): Promise<ApiResult<T>> {
  const body = { id: `f-${process.pid}-${++flagSeq}`, createdAt: new Date().toISOString(), ...flag };
  return api<T>(relay, 'POST', `/v1/sessions/${session.sessionId}/flags`, body, session.token);
}

/** POST a flag with a media file (multipart). */
export async function postMediaFlag<T = FlagAnswer>(
  relay: TestRelay,
  session: TestSession,
  flag: Record<string, unknown>,
  file: { bytes: Buffer; type: string; name: string },
): Promise<ApiResult<T>> {
  const form = new FormData();
  form.set('flag', JSON.stringify({ id: `f-${process.pid}-${++flagSeq}`, createdAt: new Date().toISOString(), ...flag }));
  form.set('mediaFile', new Blob([file.bytes], { type: file.type }), file.name);
  const res = await fetch(`${relay.url}/v1/sessions/${session.sessionId}/flags`, {
    method: 'POST',
    headers: { authorization: `Bearer ${session.token}` },
    body: form,
  });
  return { status: res.status, body: (await res.json()) as T };
}

/** A session that has started (STARTED posted: status IN_PROGRESS, session.started emitted). */
export async function startedSession(relay: TestRelay, opts: Parameters<TestRelay['createSession']>[0] = {}): Promise<TestSession> {
  const s = await relay.createSession(opts);
  const r = await postFlag(relay, s, { type: 'STARTED' });
  if (r.status !== 201) throw new Error(`STARTED: ${r.status} ${JSON.stringify(r.body)}`);
  return s;
}

/** A real JPEG (group photo shipped by @vladmandic/face-api). */
export function sampleJpeg(): Buffer {
  return readFileSync(join(PROJECT_ROOT, 'node_modules/@vladmandic/face-api/demo/sample2.jpg'));
}

/** A valid 16-bit mono PCM WAV of `ms` milliseconds of a 440 Hz tone. */
export function toneWav(ms = 300, rate = 8000): Buffer {
  const n = Math.round((rate * ms) / 1000);
  const buf = Buffer.alloc(44 + n * 2);
  buf.write('RIFF', 0);
  buf.writeUInt32LE(36 + n * 2, 4);
  buf.write('WAVEfmt ', 8);
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20);
  buf.writeUInt16LE(1, 22);
  buf.writeUInt32LE(rate, 24);
  buf.writeUInt32LE(rate * 2, 28);
  buf.writeUInt16LE(2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36);
  buf.writeUInt32LE(n * 2, 40);
  for (let i = 0; i < n; i++) buf.writeInt16LE(Math.round(12000 * Math.sin((2 * Math.PI * 440 * i) / rate)), 44 + i * 2);
  return buf;
}

/** Polls `check` until it returns a truthy value; throws with `what` after `timeoutMs`. */
export async function waitUntil<T>(what: string, check: () => Promise<T | null | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const reason = last instanceof Error ? last.toString() : JSON.stringify(last);
  throw new Error(`timed out waiting for ${what}${last ? `: ${reason}` : ''}`);
}

/** Parsed JSON bodies of the requests a receiver got (`T`: the envelope type the test expects). */
export function bodies<T = Envelope>(requests: { body: string }[]): T[] {
  return requests.map((r) => JSON.parse(r.body) as T);
}

/**
 * In the current suite: a test relay (fast webhook settings) and a receiver, started before and
 * closed after its tests. Read them as `env.relay` / `env.rx` inside tests.
 */
export function relayAndReceiver(engine: Engine, webhooks: WebhookEngineOptions = FAST_WEBHOOKS): { relay: TestRelay; rx: Receiver } {
  const env = {} as { relay: TestRelay; rx: Receiver };
  before(async () => {
    env.relay = await startTestRelay({ engine, webhooks });
    env.rx = await startReceiver();
  });
  after(async () => {
    // Either may be missing when `before` failed.
    await (env.relay as TestRelay | undefined)?.close();
    await (env.rx as Receiver | undefined)?.close();
  });
  return env;
}
