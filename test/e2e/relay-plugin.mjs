/**
 * Web Test Runner plugin: a real relay (the project's own server, started in-process from its test
 * harness), a real webhook receiver, and Playwright controls (network off/on, fault injection,
 * extra pages to reload) as server commands the browser tests call with `executeServerCommand`.
 *
 * Everything starts lazily on the first command that needs it, so test files that never talk to
 * a relay pay nothing, and stops when the test run ends.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { tsImport } from 'tsx/esm/api';


const harnessUrl = new URL('../../backend-stub/src/testing/harness.ts', import.meta.url).href;
const receiverUrl = new URL('../../backend-stub/src/testing/receiver.ts', import.meta.url).href;
const verifyUrl = new URL('../../backend-stub/src/testing/verify.ts', import.meta.url).href;

/** @typedef {import('../../backend-stub/src/testing/harness.js').TestRelay} TestRelay */
/** @typedef {import('../../backend-stub/src/testing/receiver.js').Receiver} Receiver */
/** @typedef {import('../../backend-stub/src/testing/receiver.js').ReceivedRequest} ReceivedRequest */
/** @typedef {import('playwright').Page} Page */
/** @typedef {import('playwright').BrowserContext} BrowserContext */
/** @typedef {import('playwright').Route} Route */
/** @typedef {import('@web/test-runner-core').BasicTestSession} BasicTestSession */
/** @typedef {{ method?: string, path: string, body?: unknown }} ApiArgs */
/** @typedef {{ width: number, height: number }} Viewport */
/** @typedef {{ event_type?: string, data?: { session_id?: string, flag_id?: string } }} Envelope */
/**
 * An opened page: its errors, its own browser context (isolated pages), and the URL blocks in force.
 * @typedef {{ page: Page, errors: string[], context: BrowserContext | null, blocked: Map<string, { predicate: (u: URL) => boolean, handler: (route: Route) => Promise<void> }> }} OpenedPage
 */

/**
 * A module of the relay, loaded from its TypeScript source (typed by the caller).
 * @param {string} url
 * @returns {Promise<unknown>}
 */
const importTs = (url) => tsImport(url, import.meta.url);

/** The relay's test harness. */
const loadHarness = async () => /** @type {typeof import('../../backend-stub/src/testing/harness.js')} */ (await importTs(harnessUrl));

/**
 * @template T
 * @param {Promise<T>} promise
 * @returns {Promise<T | null>} `promise`'s value, or null if it takes longer than 10 s
 */
function within10s(promise) {
  return Promise.race([promise, sleep(10_000, /** @type {null} */ (null))]);
}

/**
 * Closes an opened page and its own context, if any; never rejects (the page may be gone already).
 * @param {OpenedPage} entry
 * @returns {Promise<void>}
 */
async function closePage({ page, context }) {
  await page.close().catch(() => undefined);
  await context?.close().catch(() => undefined);
}

/** @param {string} text a webhook body; the parsed envelope, or null if it is not JSON */
const parseEnvelope = (text) => {
  try {
    /** @type {unknown} */
    const parsed = JSON.parse(text);
    return /** @type {Envelope} */ (parsed);
  } catch {
    return null;
  }
};

/**
 * A page is ready once loaded; fixture pages (`<html data-fixture>`) also set
 * `document.body.dataset.ready` once their modules ran.
 * @param {Page} page
 */
async function waitReady(page) {
  await page.waitForFunction(
    () => {
      const body = /** @type {HTMLElement | null} */ (document.body);
      if (document.readyState !== 'complete') return false; // the load event, as page.goto would wait for
      return !document.documentElement.hasAttribute('data-fixture') || (body !== null && body.dataset.ready === 'true');
    },
    null,
    { timeout: 10_000 },
  );
}

/** Builds dist/bundles (npm run build, in a child process) unless it is newer than every widget source, and the API proctor view. */
async function ensureBundles() {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const bundle = join(root, 'dist/bundles/eye-proctor.iife.js');
  /** @type {(dir: string) => number} */
  const newest = (dir) =>
    readdirSync(dir, { withFileTypes: true }).reduce((m, e) => {
      const p = join(dir, e.name);
      return Math.max(m, e.isDirectory() ? newest(p) : e.name.endsWith('.ts') ? statSync(p).mtimeMs : 0);
    }, 0);
  const sources = Math.max(newest(join(root, 'src')), newest(join(root, 'components')));
  /** @param {string} file */
  const built = (file) => existsSync(file) && statSync(file).mtimeMs > sources;
  // The demo's API proctor view (typed relay client), bundled in under a second.
  await (/** @type {{ buildApiProctorView: () => Promise<void> }} */ (await import('../../scripts/build-demo.mjs'))).buildApiProctorView();
  if (built(bundle) && built(join(root, 'dist/bundles/eye-console.js'))) return;
  /** @type {number | null} */
  const code = await new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, 'scripts/build-bundles.mjs')], { cwd: root, stdio: 'inherit' });
    child.on('exit', resolve);
  });
  if (code !== 0) throw new Error('npm run build failed');
}

export function relayPlugin() {
  /** @type {Promise<TestRelay> | null} */
  let relayStarting = null;
  /** @type {Promise<Receiver> | null} */
  let receiverStarting = null;
  /** @type {Promise<TestRelay> | null} */
  let demoStarting = null;
  /** @type {{ id: string, secret: string } | null} */
  let endpoint = null;
  /** @type {Promise<void> | null} */
  let bundlesBuilding = null;
  /** @type {Map<number, OpenedPage>} Extra Playwright pages opened by tests, by handle. */
  const pages = new Map();
  /** @type {Set<Promise<void>>} Closes still going on after their command answered. */
  const closingPages = new Set();
  /** @param {number} handle */
  const opened = (handle) => {
    const entry = pages.get(handle);
    if (!entry) throw new Error(`no opened page ${handle}`);
    return entry;
  };
  let nextPage = 1;

  /**
   * An outage of the relay as widgets see it: until `until`, the relay itself answers flag posts
   * with a JSON 503 and Retry-After (after CORS, like an overloaded or restarting relay would), and
   * counts them; the posts it lets through are counted too.
   */
  const outage = { until: 0, retryAfterSeconds: 1, refused: 0, passed: 0 };
  /** @param {import('fastify').FastifyInstance} app */
  const injectOutage = (app) => {
    app.addHook('onRequest', async (request, reply) => {
      if (request.method !== 'POST' || !/\/flags(\?|$)/.test(request.url)) return;
      if (Date.now() >= outage.until) {
        outage.passed++;
        return;
      }
      outage.refused++;
      await reply
        .code(503)
        .header('retry-after', String(outage.retryAfterSeconds))
        .send({ error: 'database_unavailable', message: 'relay unavailable (test outage)' });
    });
  };

  const relay = () => {
    relayStarting ??= loadHarness().then((m) =>
      m.startTestRelay({
        engine: 'sqlite',
        webhooks: { targets: { allowHttp: true, allowLoopback: true }, pollIntervalMs: 100, retry: { scheduleMs: [200, 500, 1000] } },
        beforeListen: injectOutage,
      }),
    );
    return relayStarting;
  };

  /**
   * Calls the relay's API with the tenant's API key (browsers can't: API-key routes allow no origin).
   * @param {string} method
   * @param {string} path
   * @param {unknown} [body]
   * @returns {Promise<{ status: number, body: unknown }>}
   */
  const api = async (method, path, body) => {
    const r = await relay();
    const res = await fetch(r.url + path, {
      method,
      headers: { authorization: `Bearer ${r.apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    /** @type {unknown} */
    let json = null;
    try {
      json = text ? /** @type {unknown} */ (JSON.parse(text)) : null;
    } catch {
      json = { raw: text };
    }
    return { status: res.status, body: json };
  };

  const receiver = () => {
    receiverStarting ??= (async () => {
      const { startReceiver } = /** @type {typeof import('../../backend-stub/src/testing/receiver.js')} */ (await importTs(receiverUrl));
      const rec = await startReceiver();
      const created = await api('POST', '/v1/webhooks/endpoints', { url: `${rec.url}/hooks` });
      if (created.status >= 300) throw new Error(`webhook endpoint registration failed: ${JSON.stringify(created)}`);
      const body = /** @type {{ id: string, secret: string }} */ (created.body);
      endpoint = { id: body.id, secret: body.secret };
      return rec;
    })();
    return receiverStarting;
  };

  /**
   * Playwright page of the test that sent the command.
   * @param {BasicTestSession} session
   */
  const pageOf = (session) => /** @type {import('@web/test-runner-playwright').PlaywrightLauncher} */ (session.browser).getPage(session.id);
  /** The webhook endpoint registered by receiver(). */
  const registered = () => {
    if (!endpoint) throw new Error('no webhook endpoint registered');
    return endpoint;
  };

  const commands = {
    /**
     * A second relay in demo mode (demo tenant, demo pages, built-in webhook receiver), serving the
     * freshly built bundles (built first if stale), as `npm start` runs it. `{ ready: false }` while
     * building: call again.
     */
    async 'eye-relay:demo'() {
      demoStarting ??= (async () => {
        await ensureBundles();
        const m = await loadHarness();
        return m.startTestRelay({ engine: 'sqlite', config: { demo: true }, webhooks: { pollIntervalMs: 100, retry: { scheduleMs: [200, 500, 1000] } } });
      })();
      // A build can outlast a command's 20 s: answer at once, the test polls until ready.
      const r = await within10s(demoStarting);
      return r ? { ready: true, url: r.url } : { ready: false };
    },
    /** Base URL of the relay (starts it). */
    async 'eye-relay:start'() {
      // Starting can outlast a command's fixed 20 s on a loaded machine: answer within 10 s, and the
      // test calls again until ready (relay() keeps the one start in progress).
      const r = await within10s(relay());
      return r ? { ready: true, url: r.url, tenantId: r.tenantId } : { ready: false };
    },
    /**
     * Creates a candidate session through the public API: `{ sessionId, token, expiresAt }`.
     * @param {{ examId?: string, candidateId?: string, metadata?: Record<string, unknown> }} [args]
     */
    async 'eye-relay:session'({ examId = 'exam-e2e', candidateId = 'cand-e2e', metadata } = {}) {
      const res = await api('POST', '/v1/sessions', { examId, candidateId, ...(metadata ? { metadata } : {}) });
      if (res.status >= 300) throw new Error(`session creation failed: ${JSON.stringify(res)}`);
      return res.body;
    },
    /**
     * The relay answers flag posts 503 + Retry-After for the next `forMs`; counters restart at 0.
     * @param {{ forMs: number, retryAfterSeconds?: number }} args
     */
    async 'eye-relay:outage'({ forMs, retryAfterSeconds = 1 }) {
      await relay();
      Object.assign(outage, { until: Date.now() + forMs, retryAfterSeconds, refused: 0, passed: 0 });
      return true;
    },
    /** Flag posts refused by the outage and let through since it began; `active` while it lasts. */
    'eye-relay:outage-stats'() {
      return { refused: outage.refused, passed: outage.passed, active: Date.now() < outage.until };
    },
    /**
     * Any API-key route, e.g. `GET /v1/sessions/{id}`.
     * @param {ApiArgs} args
     */
    async 'eye-relay:api'({ method = 'GET', path, body }) {
      return api(method, path, body);
    },
    /**
     * Downloads a URL (a signed media URL) in Node: status, type, size, SHA-256 and the bytes.
     * @param {{ url: string }} args
     */
    async 'eye-relay:download'({ url }) {
      const res = await fetch(url);
      const bytes = Buffer.from(await res.arrayBuffer());
      return {
        status: res.status,
        contentType: res.headers.get('content-type'),
        size: bytes.length,
        sha256: createHash('sha256').update(bytes).digest('hex'),
        base64: bytes.toString('base64'),
      };
    },
    /** Builds the bundles if stale (the review console's included); `{ ready: false }` while building: call again. */
    async 'eye-relay:bundles'() {
      bundlesBuilding ??= ensureBundles();
      const done = await within10s(bundlesBuilding.then(() => true));
      return { ready: done ?? false };
    },
    /**
     * Another tenant of the relay: `{ tenantId, apiKey }`.
     * @param {{ name?: string }} [args]
     */
    async 'eye-relay:tenant'({ name = 'other tenant' } = {}) {
      return (await relay()).createTenant(name);
    },
    /**
     * Any API-key route with another tenant's key.
     * @param {ApiArgs & { apiKey: string }} args
     */
    async 'eye-relay:api-as'({ apiKey, method = 'GET', path, body }) {
      const r = await relay();
      const res = await fetch(r.url + path, {
        method,
        headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: /** @type {unknown} */ (await res.json().catch(() => null)) };
    },
    /**
     * Runs axe-core (from node_modules) in an opened page, shadow roots included: the violations, if
     * any. `wcag: true` runs the WCAG 2.1 A/AA rules only; `viewport` resizes the page first.
     * @param {{ handle: number, wcag?: boolean, viewport?: Viewport }} args
     */
    async 'eye-page:axe'({ handle, wcag = false, viewport }) {
      const { page } = opened(handle);
      if (viewport) await page.setViewportSize(viewport);
      // Evaluated over the DevTools protocol: the console's CSP (scripts from 'self' only) stays on.
      await page.evaluate(readFileSync(fileURLToPath(new URL('../../node_modules/axe-core/axe.min.js', import.meta.url)), 'utf8'));
      const options = { resultTypes: ['violations'], ...(wcag ? { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } } : {}) };
      return page.evaluate(async (options) => {
        const result = await /** @type {Window & { axe: typeof import('axe-core') }} */ (/** @type {unknown} */ (window)).axe.run(document, /** @type {import('axe-core').RunOptions} */ (options));
        return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => JSON.stringify(n.target)).slice(0, 5) }));
      }, options);
    },
    /**
     * Sets an opened page's viewport (e.g. a 768 px tablet).
     * @param {{ handle: number } & Viewport} args
     */
    async 'eye-page:viewport'({ handle, width, height }) {
      await opened(handle).page.setViewportSize({ width, height });
      return true;
    },
    /** Starts the webhook receiver and registers it as an endpoint of the test tenant. */
    async 'eye-receiver:start'() {
      const rec = await receiver();
      return { url: rec.url, endpointId: registered().id };
    },
    /**
     * Waits for a webhook of `eventType` (for `sessionId`, if given) and verifies both signature
     * families with the receiver-side recipes (classic HMAC and the standardwebhooks library).
     * @param {{ eventType: string, sessionId?: string, flagId?: string, timeoutMs?: number }} args
     */
    async 'eye-receiver:wait'({ eventType, sessionId, flagId, timeoutMs = 15_000 }) {
      const rec = await receiver();
      const { verifyClassic, verifyStandard } = /** @type {typeof import('../../backend-stub/src/testing/verify.js')} */ (await importTs(verifyUrl));
      /** @param {ReceivedRequest} req */
      const matches = (req) => {
        const env = parseEnvelope(req.body);
        return env !== null && env.event_type === eventType && (!sessionId || env.data?.session_id === sessionId) && (!flagId || env.data?.flag_id === flagId);
      };
      await rec.waitFor((reqs) => reqs.some(matches), timeoutMs);
      const all = rec.requests.filter(matches);
      const req = all[0];
      if (!req) throw new Error(`no ${eventType} webhook`);
      const { secret } = registered();
      let standard = false;
      try {
        verifyStandard(secret, req.headers, req.body);
        standard = true;
      } catch {
        standard = false;
      }
      const classic = verifyClassic(secret, req.headers, req.body);
      return {
        envelope: /** @type {unknown} */ (JSON.parse(req.body)),
        deliveries: all.length,
        webhookIds: all.map((r) => r.headers['webhook-id']),
        verified: { standard, classic: classic.ok, classicReason: classic.ok ? null : classic.reason },
      };
    },
    /**
     * Every webhook envelope received so far (optionally for one session).
     * @param {{ sessionId?: string }} [args]
     */
    async 'eye-receiver:list'({ sessionId } = {}) {
      const rec = await receiver();
      return rec.requests.map((r) => parseEnvelope(r.body)).filter((e) => e && (!sessionId || e.data?.session_id === sessionId));
    },
    /**
     * Answers the next `times` requests to URLs containing `match` with `status` (and headers)
     * instead of reaching the relay; `abort: true` fails them like a dropped connection.
     * @param {{ match: string, status?: number, headers?: Record<string, string>, times?: number, abort?: boolean }} args
     * @param {BasicTestSession} session
     */
    async 'eye-net:fault'({ match, status = 503, headers = {}, times = 1, abort = false }, session) {
      const page = pageOf(session);
      let left = times;
      /** @param {Route} route */
      const handler = async (route) => {
        if (left <= 0) {
          await route.fallback();
          return;
        }
        left--;
        if (left === 0) await page.unroute((u) => u.href.includes(match), handler).catch(() => undefined);
        if (abort) {
          await route.abort('connectionreset');
          return;
        }
        await route.fulfill({
          status,
          headers: { 'access-control-allow-origin': '*', 'access-control-expose-headers': 'Retry-After', 'content-type': 'application/json', ...headers },
          body: JSON.stringify({ error: 'injected_fault', message: `injected ${status}` }),
        });
      };
      await page.route((u) => u.href.includes(match), handler);
      return true;
    },
    /**
     * Opens another page and returns its handle. `isolated: true` gives it a browser context of its
     * own (own IndexedDB, own network emulation): Playwright's offline mode would otherwise also
     * cut the test runner's connection to the page that runs the tests.
     * @param {{ url: string, isolated?: boolean }} args
     * @param {BasicTestSession} session
     */
    async 'eye-page:open'({ url, isolated = false }, session) {
      const browser = pageOf(session).context().browser();
      if (isolated && !browser) throw new Error('the test page has no browser to open an isolated context in');
      const context = isolated && browser ? await browser.newContext() : pageOf(session).context();
      const page = await context.newPage();
      /** @type {string[]} */
      const errors = [];
      page.on('pageerror', (e) => {
        errors.push(String(e));
      });
      page.on('console', (m) => {
        // MediaPipe's wasm prints its informational log lines (glog "I..."/"W...", "INFO: ...") to stderr,
        // which the browser reports as console errors; they are not failures.
        if (m.type() === 'error' && !/^(INFO:|WARNING:|[IW]\d{4} )/.test(m.text())) errors.push(m.text());
      });
      // Only until the document is committed: the caller polls eye-page:ready for the rest, so no
      // command comes near the runner's 20 s limit on a loaded machine.
      await page.goto(url, { waitUntil: 'commit', timeout: 15_000 });
      const handle = nextPage++;
      pages.set(handle, { page, errors, context: isolated ? context : null, blocked: new Map() });
      return handle;
    },
    /**
     * While `block` is true, requests from an opened page to URLs containing `match` fail like an
     * unreachable server (the page itself, served by the test runner, stays reachable for reloads).
     * @param {{ handle: number, match: string, block: boolean }} args
     */
    async 'eye-page:block'({ handle, match, block }) {
      const entry = opened(handle);
      const target = entry.context ?? entry.page;
      const existing = entry.blocked.get(match);
      if (existing) {
        await target.unroute(existing.predicate, existing.handler);
        entry.blocked.delete(match);
      }
      if (block) {
        /** @param {URL} u */
        const predicate = (u) => u.href.includes(match);
        /** @param {Route} route */
        const handler = (route) => route.abort('internetdisconnected');
        await target.route(predicate, handler);
        entry.blocked.set(match, { predicate, handler });
      }
      return true;
    },
    /**
     * Real offline emulation (navigator.onLine, online/offline events, failing fetches) for an isolated page.
     * @param {{ handle: number, offline: boolean }} args
     */
    async 'eye-page:offline'({ handle, offline }) {
      const entry = opened(handle);
      if (!entry.context) throw new Error('eye-page:offline needs a page opened with isolated: true');
      await entry.context.setOffline(offline);
      return true;
    },
    /**
     * Evaluates `expression` (an async function's source) in an opened page with `arg`.
     * @param {{ handle: number, expression: string, arg?: unknown }} args
     */
    async 'eye-page:eval'({ handle, expression, arg }) {
      const { page, errors } = opened(handle);
      /** @type {unknown} */
      const result = await page.evaluate(`(${expression})(${JSON.stringify(arg ?? null)})`);
      return { result, errors: [...errors] };
    },
    /**
     * Horizontal overflow of an opened page: how much wider the document is than the viewport.
     * @param {{ handle: number, viewport?: Viewport }} args
     */
    async 'eye-page:overflow'({ handle, viewport }) {
      const { page } = opened(handle);
      if (viewport) await page.setViewportSize(viewport);
      return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    },
    /**
     * A real reload of an opened page.
     * @param {{ handle: number }} args
     */
    async 'eye-page:reload'({ handle }) {
      const { page } = opened(handle);
      await page.reload({ waitUntil: 'commit', timeout: 15_000 });
      return true;
    },
    /**
     * Whether an opened page's fixture is ready (waitReady waits up to 10 s; callers poll).
     * @param {{ handle: number }} args
     */
    async 'eye-page:ready'({ handle }) {
      const { page } = opened(handle);
      return waitReady(page).then(
        () => true,
        () => false,
      );
    },
    /** @param {{ handle: number }} args */
    async 'eye-page:close'({ handle }) {
      const entry = pages.get(handle);
      pages.delete(handle);
      if (!entry) return true;
      // Closing a page that runs MediaPipe (wasm, WebGL) can take long on a loaded machine: the
      // command answers within the runner's 20 s command limit and the close goes on in the
      // background (serverStop waits for it).
      const closing = closePage(entry);
      closingPages.add(closing);
      void closing.finally(() => closingPages.delete(closing));
      await within10s(closing);
      return true;
    },
  };

  /** @type {Record<string, (payload: any, session: BasicTestSession) => unknown>} */
  const byName = commands;

  /** @type {import('@web/test-runner-core').TestRunnerPlugin<object>} */
  const plugin = {
    name: 'eye-relay',
    executeCommand({ command, payload, session }) {
      const run = byName[command];
      if (!run) return undefined;
      return run(payload ?? {}, session);
    },
    async serverStop() {
      await Promise.all([...[...pages.values()].map(closePage), ...closingPages]);
      if (receiverStarting) await (await receiverStarting.catch(() => null))?.close();
      if (relayStarting) await (await relayStarting.catch(() => null))?.close();
      if (demoStarting) await (await demoStarting.catch(() => null))?.close();
    },
  };
  return plugin;
}
