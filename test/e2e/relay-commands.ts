/**
 * Typed wrappers over the server commands of test/e2e/relay-plugin.mjs: a real relay, a real
 * webhook receiver and Playwright network controls, for browser tests.
 */
import { executeServerCommand } from '@web/test-runner-commands';

export { makeJpeg, makePaddedJpeg, sha256Hex } from './media-fixtures.js';

export interface RelaySession {
  sessionId: string;
  token: string;
  expiresAt: string;
}

export interface SessionFlagView {
  id: string;
  type: string;
  created_at: string;
  received_at: string;
  details: Record<string, unknown> | null;
  payload: Record<string, unknown> | null;
  media: { id: string; content_type: string; size: number; sha256: string } | null;
  media_url: string | null;
}

export interface SessionView {
  id: string;
  status: string;
  exit_reason: string | null;
  flags: SessionFlagView[];
  events_summary: Record<string, number>;
  incidents: unknown[];
}

export interface Download {
  status: number;
  contentType: string | null;
  size: number;
  sha256: string;
  base64: string;
}

export interface WebhookWait {
  envelope: { id: string; event_type: string; data: Record<string, unknown> & { media_url?: string; session_id?: string; flag_id?: string } };
  deliveries: number;
  webhookIds: string[];
  verified: { standard: boolean; classic: boolean; classicReason: string | null };
}

async function command<T>(name: string, payload?: unknown): Promise<T> {
  const result = await executeServerCommand<T, unknown>(name, payload);
  return result;
}

/** Starts the shared test relay (or finds it started): polls while a slow start is in progress. */
export async function startRelay(): Promise<{ url: string; tenantId: string }> {
  const deadline = Date.now() + 300_000;
  for (;;) {
    const r = await command<{ ready: boolean; url?: string; tenantId?: string }>('eye-relay:start');
    if (r.ready && r.url && r.tenantId) return { url: r.url, tenantId: r.tenantId };
    if (Date.now() > deadline) throw new Error('the test relay did not start within 5 minutes');
  }
}

export const relayUrl = async () => (await startRelay()).url;

export const createRelaySession = (examId = 'exam-e2e', candidateId = `cand-${Math.random().toString(36).slice(2, 10)}`) =>
  command<RelaySession>('eye-relay:session', { examId, candidateId }).then((s) => ({ ...s, examId, candidateId }));

/** A relay API answer; `T` is what the caller expects the body to be. */
export interface RelayAnswer<T> {
  status: number;
  body: T;
}

export async function relayApi<T = unknown>(method: string, path: string, body?: unknown): Promise<RelayAnswer<T>> {
  return command<RelayAnswer<T>>('eye-relay:api', { method, path, body });
}

export const getSession = async (sessionId: string): Promise<SessionView> => {
  const res = await relayApi<SessionView>('GET', `/v1/sessions/${sessionId}`);
  if (res.status !== 200) throw new Error(`GET session: HTTP ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
};

/** The relay answers flag posts with a JSON 503 and `Retry-After: retryAfterSeconds` for `forMs`. */
export const startRelayOutage = (forMs: number, retryAfterSeconds = 1) => command<boolean>('eye-relay:outage', { forMs, retryAfterSeconds });
export const relayOutageStats = () => command<{ refused: number; passed: number; active: boolean }>('eye-relay:outage-stats');

export const setSessionStatus = (sessionId: string, status: string) => relayApi('POST', `/v1/sessions/${sessionId}/status`, { status });

export const download = (url: string) => command<Download>('eye-relay:download', { url });

export const startReceiver = () => command<{ url: string; endpointId: string }>('eye-receiver:start');

/** Waits (at most 15 s: a server command must answer within 20 s) for a webhook, verifying its signatures. */
export const waitForWebhook = (eventType: string, match: { sessionId?: string; flagId?: string } = {}, timeoutMs = 15_000) =>
  command<WebhookWait>('eye-receiver:wait', { eventType, ...match, timeoutMs });

/** The next `times` requests whose URL contains `match` get `status` (or are aborted). */
export const injectFault = (match: string, opts: { status?: number; headers?: Record<string, string>; times?: number; abort?: boolean } = {}) =>
  command<boolean>('eye-net:fault', { match, ...opts });

/** Opens `url` in another page; `isolated` gives it its own browser context (needed for `setPageOffline`). */
export async function openPage(url: string, isolated = false): Promise<number> {
  const handle = await command<number>('eye-page:open', { url: new URL(url, location.href).href, isolated });
  await pageReady(handle);
  return handle;
}
/** Waits (generously: loaded machines) until an opened page's fixture has run its modules. */
const pageReady = (handle: number) => eventually(() => command<boolean>('eye-page:ready', { handle }), 90_000, 0);
export const setPageOffline = (handle: number, offline: boolean) => command<boolean>('eye-page:offline', { handle, offline });
/** Makes URLs containing `match` unreachable for an opened page (or reachable again). */
export const blockInPage = (handle: number, match: string, block: boolean) => command<boolean>('eye-page:block', { handle, match, block });
/** What a function evaluated in an opened page returned (`T`: what the caller expects), and the page's errors. */
export interface PageEvaluation<T> {
  result: T;
  errors: string[];
}

export async function evalInPage<T>(handle: number, fn: (arg: never) => unknown, arg?: unknown): Promise<PageEvaluation<T>> {
  return command<PageEvaluation<T>>('eye-page:eval', { handle, expression: fn.toString(), arg });
}
/** axe WCAG 2.1 A/AA violations of an opened page (optionally after resizing it). */
export const axeInPage = (handle: number, viewport?: { width: number; height: number }) =>
  command<{ id: string; impact: string; help: string; targets: string[] }[]>('eye-page:axe', { handle, wcag: true, viewport });
/** How many px an opened page scrolls sideways (0 = no horizontal overflow). */
export const pageOverflow = (handle: number, viewport?: { width: number; height: number }) =>
  command<number>('eye-page:overflow', { handle, viewport });
export async function reloadPage(handle: number): Promise<boolean> {
  await command<boolean>('eye-page:reload', { handle });
  return pageReady(handle);
}
export const closePage = (handle: number) => command<boolean>('eye-page:close', { handle });

/** Polls `check` until it returns a value (not undefined/false) or `timeoutMs` passes. */
export async function eventually<T>(check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 15_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms${last instanceof Error ? `: ${last.message}` : last ? `: ${JSON.stringify(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
