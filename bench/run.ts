/**
 * `npm run bench`: runs the relay and widget benchmarks, prints a table, writes bench/results.json
 * and the generated part of docs/BENCHMARKS.md (the analysis below the generated block is kept).
 *
 * Env: BENCH_ONLY=ingest,media,webhooks,memory,widget,bundles (default all), BENCH_ENGINES=sqlite,postgres,
 * BENCH_SECONDS (8, per ingest/upload run), BENCH_CONCURRENCY (32), BENCH_SESSIONS (10000),
 * BENCH_MEMORY_PERIOD_S (60), BENCH_WEBHOOK_BACKLOG (3000), BENCH_WEBHOOK_RATE (200),
 * BENCH_WEBHOOK_SECONDS (15), BENCH_WIDGET_SECONDS (30).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withPgAdmin } from '../backend-stub/src/testing/engines.js';
import type { Engine } from '../backend-stub/src/testing/engines.js';
import { benchBundles } from './bundles.js';
import { cameraJpeg } from './lib/jpeg.js';
import { CHROMIUM_PATH } from './lib/chromium.js';
import { benchIngest, benchMedia, benchMemory, benchWebhooks } from './relay-bench.js';
import { renderMarkdown, renderTable } from './report.js';
import { benchWidget } from './widget-bench.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const env = (k: string, d: number) => (process.env[k] ? Number(process.env[k]) : d);
const only = new Set((process.env.BENCH_ONLY ?? 'ingest,media,webhooks,memory,widget,bundles').split(','));
const engines = (process.env.BENCH_ENGINES ?? 'sqlite,postgres').split(',') as Engine[];
const log = (l: string) => console.log(l);

// Relays run compiled, as in production (`npm run build:relay`; plain node, no TypeScript loader).
execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'backend-stub/tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
process.env.EYE_RELAY_COMPILED = '1';

function tryRun(cmd: string, args: string[]): string | null {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

async function machine() {
  const cpus = os.cpus();
  const pg = await withPgAdmin((c) => c.query<{ v: string }>("select current_setting('server_version') as v")).then((r) => r.rows[0]!.v).catch(() => null);
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  return {
    cpuModel: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    ramGB: os.totalmem() / 2 ** 30,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    chromium: tryRun(CHROMIUM_PATH, ['--version']),
    postgres: pg,
    sqlite: 'better-sqlite3 ' + pkg.dependencies['better-sqlite3'] + ' (WAL, synchronous=NORMAL)',
    fastify: pkg.dependencies.fastify,
    loadAverageAtStart: os.loadavg(),
  };
}

/** `--render-only`: rewrite the table and docs/BENCHMARKS.md from bench/results.json (after editing the analysis). */
function renderOnly(): void {
  const merged = JSON.parse(readFileSync(join(ROOT, 'bench/results.json'), 'utf8')) as Record<string, unknown>;
  console.log(renderTable(merged));
  const doc = join(ROOT, 'docs/BENCHMARKS.md');
  writeFileSync(doc, renderMarkdown(merged, existsSync(doc) ? readFileSync(doc, 'utf8') : null));
}

async function main() {
  if (process.argv.includes('--render-only')) return renderOnly();
  const started = new Date();
  const results: Record<string, unknown> = { startedAt: started.toISOString(), machine: await machine() };
  log(`bench on ${(results.machine as { cpuModel: string }).cpuModel}, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  const o = { seconds: env('BENCH_SECONDS', 8), concurrency: env('BENCH_CONCURRENCY', 32), log };
  const perEngine = async (name: string, fn: (e: Engine) => Promise<unknown>) => {
    if (!only.has(name)) return;
    const out: Record<string, unknown> = {};
    for (const e of engines) {
      try {
        out[e] = await fn(e);
      } catch (err) {
        log(`  ${name} on ${e} failed: ${(err as Error).stack ?? err}`);
        out[e] = { error: String((err as Error).message ?? err) };
      }
    }
    results[name] = out;
  };

  log('flag ingest (JSON) vs no-op route');
  await perEngine('ingest', (e) => benchIngest(e, o));
  if (only.has('media')) {
    log('media uploads');
    const jpeg = await cameraJpeg();
    await perEngine('media', (e) => benchMedia(e, o, jpeg));
  }
  log('webhook delivery');
  await perEngine('webhooks', (e) =>
    benchWebhooks(e, { ...o, backlog: env('BENCH_WEBHOOK_BACKLOG', 3000), rate: env('BENCH_WEBHOOK_RATE', 200), latencySeconds: env('BENCH_WEBHOOK_SECONDS', 15) }),
  );
  log('relay memory with live sessions');
  await perEngine('memory', (e) => benchMemory(e, { sessions: env('BENCH_SESSIONS', 10_000), periodS: env('BENCH_MEMORY_PERIOD_S', 60), periods: 1, log }));
  if (only.has('bundles')) {
    log('bundles');
    if (!existsSync(join(ROOT, 'dist/bundles/eye-proctor.bundle.js')) || process.env.BENCH_BUILD === '1') {
      log('  building (npm run build)');
      tryRun('npm', ['run', 'build']);
    }
    results.bundles = await benchBundles(ROOT);
  }
  if (only.has('widget')) {
    log('widget in headless Chromium');
    try {
      results.widget = await benchWidget({ seconds: env('BENCH_WIDGET_SECONDS', 30), log });
    } catch (err) {
      log(`  widget failed: ${(err as Error).stack ?? err}`);
      results.widget = { error: String((err as Error).message ?? err) };
    }
  }
  (results.machine as Record<string, unknown>).loadAverageAtEnd = os.loadavg();
  results.durationSeconds = (Date.now() - started.getTime()) / 1000;

  // A partial run (BENCH_ONLY) updates its sections and keeps the others from the last full run.
  const file = join(ROOT, 'bench/results.json');
  mkdirSync(join(ROOT, 'bench'), { recursive: true });
  let merged = results;
  if (process.env.BENCH_ONLY && existsSync(file)) merged = { ...JSON.parse(readFileSync(file, 'utf8')), ...results };
  writeFileSync(file, JSON.stringify(merged, null, 2) + '\n');
  console.log('\n' + renderTable(merged));
  const doc = join(ROOT, 'docs/BENCHMARKS.md');
  mkdirSync(join(ROOT, 'docs'), { recursive: true });
  writeFileSync(doc, renderMarkdown(merged, existsSync(doc) ? readFileSync(doc, 'utf8') : null));
  log(`\nwrote bench/results.json and docs/BENCHMARKS.md in ${results.durationSeconds} s`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
