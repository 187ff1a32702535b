/**
 * `npm run bench`: runs the relay and widget benchmarks, prints a table, writes bench/results.json
 * and the generated part of docs/BENCHMARKS.md (the analysis below the generated block is kept).
 *
 * Env: BENCH_ONLY=ingest,growth,multiRelay,media,webhooks,memory,widget,bundles,identity (default all),
 * BENCH_ENGINES=sqlite,postgres, BENCH_SECONDS (8, measured seconds per throughput figure),
 * BENCH_ROUNDS (4, interleaved rounds they are split over), BENCH_CONCURRENCY (32),
 * BENCH_CLIENTS (1,10,100), BENCH_GROWTH_SECONDS (6), BENCH_ENDPOINTS (1,10,100),
 * BENCH_SESSIONS (1000,10000), BENCH_MEMORY_PERIOD_S (60), BENCH_WEBHOOK_BACKLOG (20000 deliveries),
 * BENCH_WEBHOOK_RATE (200), BENCH_WEBHOOK_SECONDS (15), BENCH_WIDGET_SECONDS (30).
 * BENCH_QUICK=1: every section briefly (smaller defaults, same code paths) to smoke-test the bench;
 * writes BENCH_RESULTS (default bench/results.quick.json) and leaves docs/BENCHMARKS.md alone.
 * BENCH_RESULTS=<file> (a full or partial run): results go there (merged as into results.json) and
 * docs/BENCHMARKS.md is left alone, for experiments (EYE_RELAY_NODE_FLAGS adds Node flags to the relays).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withPgAdmin } from '../backend-stub/src/testing/engines.js';
import type { Engine } from '../backend-stub/src/testing/engines.js';
import { errorMessage } from '../src/errors.js';
import { benchBundles } from './bundles.js';
import { cameraJpeg } from './lib/jpeg.js';
import { CHROMIUM_PATH } from './lib/chromium.js';
import { benchIngest, benchIngestGrowth, benchMedia, benchMemory, benchMultiRelay, benchWebhooks } from './relay-bench.js';
import { renderMarkdown, renderTable, type BenchResults } from './report.js';
import { benchIdentity } from './identity-bench.js';
import { benchWidget } from './widget-bench.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const quick = process.env.BENCH_QUICK === '1';
/** A number from the environment, else the full run's default or the quick one. */
const env = (k: string, full: number, brief = full) => (process.env[k] ? Number(process.env[k]) : quick ? brief : full);
const list = (k: string, full: number[], brief = full) => {
  const v = process.env[k];
  return v ? v.split(',').map(Number) : quick ? brief : full;
};
const only = new Set((process.env.BENCH_ONLY ?? 'ingest,growth,multiRelay,media,webhooks,memory,widget,bundles,identity').split(','));
/** The results docs/BENCHMARKS.md is rendered from. */
const publishedResults = resolve(ROOT, 'bench/results.json');
const resultsFile = process.env.BENCH_RESULTS ? resolve(ROOT, process.env.BENCH_RESULTS) : quick ? resolve(ROOT, 'bench/results.quick.json') : publishedResults;
const engines = (process.env.BENCH_ENGINES ?? 'sqlite,postgres').split(',') as Engine[];
const log = (l: string) => {
  console.log(l);
};
/** A caught error for the log (its stack) and for results.json (its message). */
const errorStack = (err: unknown) => (err instanceof Error ? (err.stack ?? String(err)) : String(err));

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
  const pg = await withPgAdmin((c) => c.query<{ v: string }>("select current_setting('server_version') as v"))
    .then((r) => {
      const row = r.rows[0];
      if (!row) throw new Error('server_version query returned no row');
      return row.v;
    })
    .catch(() => null);
  // The relay's server dependencies are declared by its own package (npm workspace eye-relay).
  const pkg = JSON.parse(readFileSync(join(ROOT, 'backend-stub/package.json'), 'utf8')) as { dependencies: Record<string, string> };
  return {
    cpuModel: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    ramGB: os.totalmem() / 2 ** 30,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    chromium: tryRun(CHROMIUM_PATH, ['--version']),
    postgres: pg,
    sqlite: `better-sqlite3 ${pkg.dependencies['better-sqlite3'] ?? 'unknown'} (WAL, synchronous=NORMAL)`,
    fastify: pkg.dependencies.fastify,
    loadAverageAtStart: os.loadavg(),
  };
}

/** `--render-only`: rewrite the table and docs/BENCHMARKS.md from bench/results.json (after editing the analysis). */
function renderOnly(): void {
  const merged = JSON.parse(readFileSync(resultsFile, 'utf8')) as BenchResults;
  console.log(renderTable(merged));
  const doc = join(ROOT, 'docs/BENCHMARKS.md');
  writeFileSync(doc, renderMarkdown(merged, existsSync(doc) ? readFileSync(doc, 'utf8') : null));
}

async function main() {
  if (process.argv.includes('--render-only')) {
    renderOnly();
    return;
  }
  const started = new Date();
  const results: Record<string, unknown> = { startedAt: started.toISOString(), quick, machine: await machine() };
  log(`bench on ${(results.machine as { cpuModel: string }).cpuModel}, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  const o = { seconds: env('BENCH_SECONDS', 8, 3), rounds: env('BENCH_ROUNDS', 4, 1), warmupSeconds: quick ? 0.5 : 1, concurrency: env('BENCH_CONCURRENCY', 32), log };
  const perEngine = async (name: string, fn: (e: Engine) => Promise<unknown>, on: Engine[] = engines) => {
    if (!only.has(name)) return;
    const out: Record<string, unknown> = {};
    for (const e of on) {
      try {
        out[e] = await fn(e);
      } catch (err) {
        log(`  ${name} on ${e} failed: ${errorStack(err)}`);
        out[e] = { error: errorMessage(err) };
      }
    }
    results[name] = out;
  };

  log('flag ingest (JSON) vs no-op route, autocannon');
  await perEngine('ingest', (e) => benchIngest(e, o));
  log('ingest with 1/10/100 clients');
  await perEngine('growth', (e) => benchIngestGrowth(e, { ...o, seconds: env('BENCH_GROWTH_SECONDS', 6, 1.5), clients: list('BENCH_CLIENTS', [1, 10, 100]) }));
  log('1 and 2 relay processes on one PostgreSQL');
  await perEngine('multiRelay', (e) => benchMultiRelay(e, o), engines.filter((e) => e === 'postgres'));
  if (only.has('media')) {
    log('media uploads');
    const jpeg = await cameraJpeg();
    await perEngine('media', (e) => benchMedia(e, o, jpeg));
  }
  log('webhook delivery');
  await perEngine('webhooks', (e) =>
    benchWebhooks(e, {
      ...o,
      backlog: env('BENCH_WEBHOOK_BACKLOG', 20000, 200),
      endpoints: list('BENCH_ENDPOINTS', [1, 10, 100]),
      rate: env('BENCH_WEBHOOK_RATE', 200, 50),
      latencySeconds: env('BENCH_WEBHOOK_SECONDS', 15, 3),
      // The name in the endpoint URLs (default 127.0.0.1; e.g. localhost to include name resolution).
      host: process.env.BENCH_WEBHOOK_HOST,
      // Latency at 50 % / 90 % of the ingest capacity measured in this run (its ingest section).
      ingestCapacity: (results.ingest as Record<string, { ingest?: { perSecond?: number } }> | undefined)?.[e]?.ingest?.perSecond,
    }),
  );
  log('relay memory with live sessions');
  await perEngine('memory', (e) => benchMemory(e, { sessions: list('BENCH_SESSIONS', [1_000, 10_000], [100, 300]), periodS: env('BENCH_MEMORY_PERIOD_S', 60, 3), periods: 1, log }));
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
      results.widget = await benchWidget({ seconds: env('BENCH_WIDGET_SECONDS', 30, 5), log });
    } catch (err) {
      log(`  widget failed: ${errorStack(err)}`);
      results.widget = { error: errorMessage(err) };
    }
  }
  if (only.has('identity')) {
    log('identity (face recognition) in headless Chromium');
    try {
      results.identity = benchIdentity(ROOT, log);
    } catch (err) {
      log(`  identity failed: ${errorStack(err)}`);
      results.identity = { error: errorMessage(err) };
    }
  }
  (results.machine as Record<string, unknown>).loadAverageAtEnd = os.loadavg();
  const durationSeconds = (Date.now() - started.getTime()) / 1000;
  results.durationSeconds = durationSeconds;

  // A partial run (BENCH_ONLY) updates its sections and keeps the others from the last full run,
  // whose start, machine and load stay the report's heading; each rerun section says when it ran.
  const file = resultsFile;
  mkdirSync(dirname(file), { recursive: true });
  let merged = results;
  if (process.env.BENCH_ONLY && existsSync(file)) {
    const kept = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown> & { reruns?: Record<string, unknown> };
    const machineNow = results.machine as Record<string, unknown>;
    const rerun = { startedAt: results.startedAt, durationSeconds, loadAverageAtStart: machineNow.loadAverageAtStart, loadAverageAtEnd: machineNow.loadAverageAtEnd };
    const sections = Object.keys(results).filter((k) => !['startedAt', 'machine', 'durationSeconds', 'quick'].includes(k));
    merged = { ...kept, ...Object.fromEntries(sections.map((k) => [k, results[k]])), reruns: { ...kept.reruns, ...Object.fromEntries(sections.map((k) => [k, rerun])) } };
  }
  writeFileSync(file, JSON.stringify(merged, null, 2) + '\n');
  // The sections as bench/report.ts reads them (this run's, from the functions above, and the kept ones).
  const report = merged as unknown as BenchResults;
  console.log('\n' + renderTable(report));
  // docs/BENCHMARKS.md shows bench/results.json only: a quick run or an experiment written elsewhere
  // (BENCH_RESULTS, e.g. an A/B of Node flags) leaves it alone.
  if (quick || file !== publishedResults) {
    log(`\n${quick ? 'quick run' : 'run'}: wrote ${file} in ${durationSeconds} s (docs/BENCHMARKS.md untouched)`);
    return;
  }
  const doc = join(ROOT, 'docs/BENCHMARKS.md');
  mkdirSync(join(ROOT, 'docs'), { recursive: true });
  writeFileSync(doc, renderMarkdown(report, existsSync(doc) ? readFileSync(doc, 'utf8') : null));
  log(`\nwrote bench/results.json and docs/BENCHMARKS.md in ${durationSeconds} s`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
