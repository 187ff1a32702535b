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
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tsImport } from 'tsx/esm/api';

const harnessUrl = new URL('../../backend-stub/src/testing/harness.ts', import.meta.url).href;
const receiverUrl = new URL('../../backend-stub/src/testing/receiver.ts', import.meta.url).href;
const verifyUrl = new URL('../../backend-stub/src/testing/verify.ts', import.meta.url).href;

/** Fixture pages (`<html data-fixture>`) set `document.body.dataset.ready` once their modules ran. */
async function waitReady(page) {
  await page.waitForFunction(() => !document.documentElement.hasAttribute('data-fixture') || document.body?.dataset.ready === 'true', null, { timeout: 20_000 });
}

/** Builds dist/bundles (npm run build, in a child process) unless it is newer than every widget source. */
async function ensureBundles() {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const bundle = join(root, 'dist/bundles/eye-proctor.iife.js');
  const newest = (dir) =>
    readdirSync(dir, { withFileTypes: true }).reduce((m, e) => {
      const p = join(dir, e.name);
      return Math.max(m, e.isDirectory() ? newest(p) : e.name.endsWith('.ts') ? statSync(p).mtimeMs : 0);
    }, 0);
  if (existsSync(bundle) && statSync(bundle).mtimeMs > Math.max(newest(join(root, 'src')), newest(join(root, 'components')))) return;
  const code = await new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, 'scripts/build-bundles.mjs')], { cwd: root, stdio: 'inherit' });
    child.on('exit', resolve);
  });
  if (code !== 0) throw new Error('npm run build failed');
}

export function relayPlugin() {
  /** @type {Promise<any> | null} */
  let relayStarting = null;
  /** @type {Promise<any> | null} */
  let receiverStarting = null;
  /** @type {Promise<any> | null} */
  let demoStarting = null;
  /** @type {{ id: string, secret: string } | null} */
  let endpoint = null;
  /** Extra Playwright pages opened by tests, by handle. */
  const pages = new Map();
  let nextPage = 1;

  const relay = () => {
    relayStarting ??= tsImport(harnessUrl, import.meta.url).then((m) =>
      m.startTestRelay({
        engine: 'sqlite',
        webhooks: { targets: { allowHttp: true, allowLoopback: true }, pollIntervalMs: 100, retry: { scheduleMs: [200, 500, 1000] } },
      }),
    );
    return relayStarting;
  };

  /** Calls the relay's API with the tenant's API key (browsers can't: API-key routes allow no origin). */
  const api = async (method, path, body) => {
    const r = await relay();
    const res = await fetch(r.url + path, {
      method,
      headers: { authorization: `Bearer ${r.apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = { raw: text };
    }
    return { status: res.status, body: json };
  };

  const receiver = () => {
    receiverStarting ??= (async () => {
      const { startReceiver } = await tsImport(receiverUrl, import.meta.url);
      const rec = await startReceiver();
      const created = await api('POST', '/v1/webhooks/endpoints', { url: `${rec.url}/hooks` });
      if (created.status >= 300) throw new Error(`webhook endpoint registration failed: ${JSON.stringify(created)}`);
      endpoint = { id: created.body.id, secret: created.body.secret };
      return rec;
    })();
    return receiverStarting;
  };

  /** Playwright page of the test that sent the command. */
  const pageOf = (session) => session.browser.getPage(session.id);

  const commands = {
    /**
     * A second relay in demo mode (demo tenant, demo pages, built-in webhook receiver), serving the
     * freshly built bundles (built first if stale), as `npm start` runs it. `{ ready: false }` while
     * building: call again.
     */
    async 'eye-relay:demo'() {
      demoStarting ??= (async () => {
        await ensureBundles();
        const m = await tsImport(harnessUrl, import.meta.url);
        return m.startTestRelay({ engine: 'sqlite', config: { demo: true }, webhooks: { pollIntervalMs: 100, retry: { scheduleMs: [200, 500, 1000] } } });
      })();
      // A build can outlast a command's 20 s: answer at once, the test polls until ready.
      const r = await Promise.race([demoStarting, new Promise((resolve) => setTimeout(() => resolve(null), 10_000))]);
      return r ? { ready: true, url: r.url } : { ready: false };
    },
    /** Base URL of the relay (starts it). */
    async 'eye-relay:start'() {
      const r = await relay();
      return { url: r.url, tenantId: r.tenantId };
    },
    /** Creates a candidate session through the public API: `{ sessionId, token, expiresAt }`. */
    async 'eye-relay:session'({ examId = 'exam-e2e', candidateId = 'cand-e2e', metadata } = {}) {
      const res = await api('POST', '/v1/sessions', { examId, candidateId, ...(metadata ? { metadata } : {}) });
      if (res.status >= 300) throw new Error(`session creation failed: ${JSON.stringify(res)}`);
      return res.body;
    },
    /** Any API-key route, e.g. `GET /v1/sessions/{id}`. */
    async 'eye-relay:api'({ method = 'GET', path, body }) {
      return api(method, path, body);
    },
    /** Downloads a URL (a signed media URL) in Node: status, type, size, SHA-256 and the bytes. */
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
    /** Starts the webhook receiver and registers it as an endpoint of the test tenant. */
    async 'eye-receiver:start'() {
      const rec = await receiver();
      return { url: rec.url, endpointId: endpoint.id };
    },
    /**
     * Waits for a webhook of `eventType` (for `sessionId`, if given) and verifies both signature
     * families with the receiver-side recipes (classic HMAC and the standardwebhooks library).
     */
    async 'eye-receiver:wait'({ eventType, sessionId, flagId, timeoutMs = 15_000 }) {
      const rec = await receiver();
      const { verifyClassic, verifyStandard } = await tsImport(verifyUrl, import.meta.url);
      const matches = (req) => {
        try {
          const env = JSON.parse(req.body);
          return env.event_type === eventType && (!sessionId || env.data?.session_id === sessionId) && (!flagId || env.data?.flag_id === flagId);
        } catch {
          return false;
        }
      };
      await rec.waitFor((reqs) => reqs.some(matches), timeoutMs);
      const all = rec.requests.filter(matches);
      const req = all[0];
      let standard = false;
      try {
        verifyStandard(endpoint.secret, req.headers, req.body);
        standard = true;
      } catch {
        standard = false;
      }
      const classic = verifyClassic(endpoint.secret, req.headers, req.body);
      return {
        envelope: JSON.parse(req.body),
        deliveries: all.length,
        webhookIds: all.map((r) => r.headers['webhook-id']),
        verified: { standard, classic: classic.ok, classicReason: classic.ok ? null : classic.reason },
      };
    },
    /** Every webhook envelope received so far (optionally for one session). */
    async 'eye-receiver:list'({ sessionId } = {}) {
      const rec = await receiver();
      return rec.requests
        .map((r) => {
          try {
            return JSON.parse(r.body);
          } catch {
            return null;
          }
        })
        .filter((e) => e && (!sessionId || e.data?.session_id === sessionId));
    },
    /**
     * Answers the next `times` requests to URLs containing `match` with `status` (and headers)
     * instead of reaching the relay; `abort: true` fails them like a dropped connection.
     */
    async 'eye-net:fault'({ match, status = 503, headers = {}, times = 1, abort = false }, session) {
      const page = pageOf(session);
      let left = times;
      const handler = async (route) => {
        if (left <= 0) return route.fallback();
        left--;
        if (left === 0) await page.unroute((u) => u.href.includes(match), handler).catch(() => {});
        if (abort) return route.abort('connectionreset');
        return route.fulfill({
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
     */
    async 'eye-page:open'({ url, isolated = false }, session) {
      const context = isolated ? await pageOf(session).context().browser().newContext() : pageOf(session).context();
      const page = await context.newPage();
      const errors = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('console', (m) => {
        // MediaPipe's wasm prints its informational log lines (glog "I..."/"W...", "INFO: ...") to stderr,
        // which the browser reports as console errors; they are not failures.
        if (m.type() === 'error' && !/^(INFO:|WARNING:|[IW]\d{4} )/.test(m.text())) errors.push(m.text());
      });
      await page.goto(url);
      await waitReady(page);
      const handle = nextPage++;
      pages.set(handle, { page, errors, context: isolated ? context : null, blocked: new Map() });
      return handle;
    },
    /**
     * While `block` is true, requests from an opened page to URLs containing `match` fail like an
     * unreachable server (the page itself, served by the test runner, stays reachable for reloads).
     */
    async 'eye-page:block'({ handle, match, block }) {
      const entry = pages.get(handle);
      const target = entry.context ?? entry.page;
      const existing = entry.blocked.get(match);
      if (existing) {
        await target.unroute(existing.predicate, existing.handler);
        entry.blocked.delete(match);
      }
      if (block) {
        const predicate = (u) => u.href.includes(match);
        const handler = (route) => route.abort('internetdisconnected');
        await target.route(predicate, handler);
        entry.blocked.set(match, { predicate, handler });
      }
      return true;
    },
    /** Real offline emulation (navigator.onLine, online/offline events, failing fetches) for an isolated page. */
    async 'eye-page:offline'({ handle, offline }) {
      const entry = pages.get(handle);
      if (!entry.context) throw new Error('eye-page:offline needs a page opened with isolated: true');
      await entry.context.setOffline(Boolean(offline));
      return true;
    },
    /** Evaluates `expression` (an async function's source) in an opened page with `arg`. */
    async 'eye-page:eval'({ handle, expression, arg }) {
      const { page, errors } = pages.get(handle);
      const result = await page.evaluate(`(${expression})(${JSON.stringify(arg ?? null)})`);
      return { result, errors: [...errors] };
    },
    /** A real reload of an opened page. */
    async 'eye-page:reload'({ handle }) {
      const { page } = pages.get(handle);
      await page.reload();
      await waitReady(page);
      return true;
    },
    async 'eye-page:close'({ handle }) {
      const entry = pages.get(handle);
      await entry?.page.close();
      await entry?.context?.close();
      pages.delete(handle);
      return true;
    },
  };

  return {
    name: 'eye-relay',
    async executeCommand({ command, payload, session }) {
      const run = commands[command];
      if (!run) return undefined;
      return run(payload ?? {}, session);
    },
    async serverStop() {
      for (const { page, context } of pages.values()) {
        await page.close().catch(() => {});
        await context?.close().catch(() => {});
      }
      if (receiverStarting) await (await receiverStarting.catch(() => null))?.close();
      if (relayStarting) await (await relayStarting.catch(() => null))?.close();
      if (demoStarting) await (await demoStarting.catch(() => null))?.close();
    },
  };
}
