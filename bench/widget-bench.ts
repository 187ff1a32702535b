/**
 * The widget in headless Chromium (same binary and flags as the browser tests) for N seconds,
 * with Chromium's fake camera playing a real face video: the built IIFE-free ES bundle served by
 * a real relay (/assets/widget/), MediaPipe assets from the relay, flags posted to it.
 * Measured from outside the widget: detections counted on the face worker's `result` messages
 * (Worker wrapped by an init script), main-thread busy time from CDP Performance.TaskDuration,
 * long tasks from a PerformanceObserver, JS heap from CDP.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright';
import { createRelayStore, spawnRelay } from '../backend-stub/src/reliability/relay-process.js';
// @ts-expect-error plain ESM helper without types
import { ensureFaceY4m } from '../test/fixtures/make-face-y4m.mjs';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './lib/chromium.js';
import { createSession } from './lib/relay-client.js';

/** Counts the face worker's answers before any page script runs. */
const INSTRUMENT = `(() => {
  const bench = (window.__bench = { results: [], readyAt: null, workers: 0, longTasks: [] });
  const Native = window.Worker;
  window.Worker = class extends Native {
    constructor(...args) {
      super(...args);
      bench.workers++;
      this.addEventListener('message', (e) => {
        const d = e.data;
        if (d && d.type === 'result') bench.results.push({ t: performance.now(), faces: (d.detections && d.detections.faces || []).length });
        else if (d && d.type === 'ready') bench.readyAt = performance.now();
      });
    }
  };
  new PerformanceObserver((list) => { for (const e of list.getEntries()) bench.longTasks.push({ t: e.startTime, d: e.duration }); })
    .observe({ type: 'longtask', buffered: true });
})();`;

export interface WidgetBenchResult {
  seconds: number;
  detectionFps: number;
  detections: number;
  detectionsPerSecond: number;
  framesWithOneFace: number;
  startToFirstDetectionMs: number | null;
  startCallMs: number;
  mainThreadBusyMsPerSecond: number;
  mainThreadPercentOfCore: number;
  longTasks: number;
  longTaskMsTotal: number;
  jsHeapUsedMB: number;
  flagsStored: number;
  workerEngine: boolean;
}

/** The part of the relay's session view (GET /v1/sessions/:id) this bench reads. */
interface SessionView {
  flags?: unknown[];
}

function isSessionView(v: unknown): v is SessionView {
  if (typeof v !== 'object' || v === null) return false;
  const flags = (v as { flags?: unknown }).flags;
  return flags === undefined || Array.isArray(flags);
}

/** A CDP Performance metric by name, or a clear error when Chromium did not report it. */
function metricOf(metrics: Record<string, number>, name: string): number {
  const value = metrics[name];
  if (value === undefined) throw new Error(`CDP Performance.getMetrics: no ${name}`);
  return value;
}

/** `promise`, or a clear error after `ms`: a widget that never starts fails this section instead of hanging the bench. */
async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`${what}: no answer within ${ms / 1000} s`));
    }, ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

export async function benchWidget(o: { seconds: number; log: (l: string) => void }): Promise<WidgetBenchResult> {
  // The relay serves the face model from dist/assets (built from @mediapipe/face_detection; a fresh clone has none yet).
  execFileSync(process.execPath, [fileURLToPath(new URL('../scripts/build-face-model.mjs', import.meta.url))], { stdio: 'ignore' });
  // The helper is plain JS without types: its answer (the video's path) is checked here.
  const makeFaceY4m = ensureFaceY4m as () => Promise<unknown>;
  const y4m = await makeFaceY4m();
  if (typeof y4m !== 'string') throw new Error('ensureFaceY4m: expected the fake camera video path');
  const store = await createRelayStore('sqlite', 'eye_bench');
  const relay = await spawnRelay(store, { createTenant: true, env: { LOG_LEVEL: 'error' } });
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS, `--use-file-for-fake-video-capture=${y4m}`],
  });
  try {
    const apiKey = relay.apiKey;
    if (apiKey === null) throw new Error('bench relay has no tenant API key (spawned without createTenant)');
    const session = await createSession(relay.url, apiKey, 'bench-widget');
    const context = await browser.newContext();
    await context.grantPermissions(['camera', 'microphone'], { origin: relay.url });
    const page = await context.newPage();
    await page.addInitScript(INSTRUMENT);
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    if (process.env.BENCH_DEBUG) {
      page.on('console', (m) => {
        o.log('  console: ' + m.text());
      });
      page.on('response', (r) => {
        o.log(`  ${r.status()} ${r.url()}`);
      });
    }
    await page.route(`${relay.url}/bench/widget.html`, (route) =>
      route.fulfill({
        contentType: 'text/html',
        body: `<!doctype html><html><head><meta charset="utf-8"><title>widget bench</title>
<script type="module" src="/assets/widget/eye-proctor.bundle.js"></script></head>
<body><eye-proctor></eye-proctor></body></html>`,
      }),
    );
    await page.goto(`${relay.url}/bench/widget.html`);
    await page.waitForFunction(() => customElements.get('eye-proctor') !== undefined, null, { timeout: 30_000 });
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const metric = async () => {
      const { metrics } = await cdp.send('Performance.getMetrics');
      return Object.fromEntries(metrics.map((m) => [m.name, m.value])) as Record<string, number>;
    };
    const config = {
      examId: session.examId,
      candidateId: session.candidateId,
      relayUrl: relay.url,
      sessionId: session.sessionId,
      sessionToken: session.token,
      detectionFps: 5,
      // The LMS collected consent before the exam: the bench measures monitoring, not the consent step (which waits for a click).
      consent: 'external',
      consentVersion: 'bench',
    };
    const startInfo = await within(60_000, 'widget init() + start()', page.evaluate(async (cfg) => {
      const el = document.querySelector('eye-proctor') as unknown as { init(c: unknown): Promise<void>; start(): Promise<void> };
      await el.init(cfg);
      const t0 = performance.now();
      await el.start();
      return { t0, startCallMs: performance.now() - t0 };
    }, config));
    // Let the engine load before the measured window; the first detection time is kept.
    await page.waitForFunction(() => (window as unknown as { __bench: { results: unknown[] } }).__bench.results.length > 0, null, { timeout: 60_000 }).catch(() => {});
    const m0 = await metric();
    const b0 = await page.evaluate(() => {
      const b = (window as unknown as { __bench: { results: unknown[]; longTasks: unknown[] } }).__bench;
      return { results: b.results.length, longTasks: b.longTasks.length, now: performance.now() };
    });
    await page.waitForTimeout(o.seconds * 1000);
    const m1 = await metric();
    const b1 = await page.evaluate(() => {
      const b = (window as unknown as { __bench: { results: { t: number; faces: number }[]; longTasks: { t: number; d: number }[]; workers: number } }).__bench;
      return { results: b.results, longTasks: b.longTasks, workers: b.workers, now: performance.now() };
    });
    const windowS = (b1.now - b0.now) / 1000;
    const detections = b1.results.length - b0.results;
    const busyMs = (metricOf(m1, 'TaskDuration') - metricOf(m0, 'TaskDuration')) * 1000;
    const longTasks = b1.longTasks.filter((t) => t.t >= b0.now);
    const first = b1.results[0];
    await page.evaluate(async () => {
      const el = document.querySelector('eye-proctor') as unknown as { end(): Promise<void> };
      await el.end();
    });
    const viewBody: unknown = JSON.parse(await (await fetch(`${relay.url}/v1/sessions/${session.sessionId}`, { headers: { authorization: `Bearer ${apiKey}` } })).text());
    const view: SessionView = isSessionView(viewBody) ? viewBody : {};
    if (pageErrors.length) o.log(`  page errors: ${pageErrors.slice(0, 3).join(' | ')}`);
    const r: WidgetBenchResult = {
      seconds: windowS,
      detectionFps: 5,
      detections,
      detectionsPerSecond: detections / windowS,
      framesWithOneFace: b1.results.slice(b0.results).filter((x) => x.faces === 1).length,
      startToFirstDetectionMs: first ? first.t - startInfo.t0 : null,
      startCallMs: startInfo.startCallMs,
      mainThreadBusyMsPerSecond: busyMs / windowS,
      mainThreadPercentOfCore: busyMs / windowS / 10,
      longTasks: longTasks.length,
      longTaskMsTotal: longTasks.reduce((a, t) => a + t.d, 0),
      jsHeapUsedMB: metricOf(m1, 'JSHeapUsedSize') / 2 ** 20,
      flagsStored: view.flags?.length ?? 0,
      workerEngine: b1.workers > 0,
    };
    o.log(
      `  widget: ${r.detectionsPerSecond.toFixed(2)} detections/s, main thread ${r.mainThreadBusyMsPerSecond.toFixed(1)} ms/s (${r.mainThreadPercentOfCore.toFixed(2)}% of a core), ${r.longTasks} long tasks, heap ${r.jsHeapUsedMB.toFixed(1)} MB, first detection ${r.startToFirstDetectionMs?.toFixed(0)} ms after start()`,
    );
    return r;
  } finally {
    await browser.close();
    await relay.stop();
    await store.destroy();
  }
}
