// Smoke test of the bench itself (not a speed test: no figure is compared with anything):
// `npm run bench:smoke` runs the relay sections in quick mode (BENCH_QUICK=1) on both engines into a
// temp results file and checks every section is there, per engine, with finite numbers only.
// Not part of `npm test`: on this 2-core machine a quick run takes minutes, not seconds.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ENGINES = ['sqlite', 'postgres'];
/** Section -> the engines it runs on. */
const SECTIONS = { ingest: ENGINES, growth: ENGINES, multiRelay: ['postgres'], media: ENGINES, webhooks: ENGINES, memory: ENGINES };

/**
 * Paths of every value that is not a finite number, a string or a boolean (JSON turns NaN into null).
 * @param {unknown} value
 * @param {string} path
 * @param {string[]} out
 * @returns {string[]}
 */
function notFinite(value, path, out) {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) out.push(path);
  } else if (value === null || value === undefined) out.push(path);
  else if (Array.isArray(value)) value.forEach((v, i) => notFinite(v, `${path}[${i}]`, out));
  else if (typeof value === 'object') for (const [k, v] of Object.entries(value)) notFinite(v, `${path}.${k}`, out);
  return out;
}

/**
 * The value at `keys` inside parsed JSON (undefined where the path breaks off).
 * @param {unknown} value
 * @param {...string} keys
 * @returns {unknown}
 */
function at(value, ...keys) {
  let v = value;
  for (const k of keys) v = typeof v === 'object' && v !== null ? Object.entries(v).find(([key]) => key === k)?.[1] : undefined;
  return v;
}

/** @param {unknown} v @returns {string[]} */
const keysOf = (v) => (typeof v === 'object' && v !== null ? Object.keys(v) : []);

test('BENCH_QUICK=1 runs every relay section and writes finite figures', { timeout: 45 * 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'eye-bench-quick-'));
  try {
    const file = join(dir, 'results.json');
    const run = spawnSync(process.execPath, ['scripts/bench.mjs'], {
      cwd: ROOT,
      env: { ...process.env, BENCH_QUICK: '1', BENCH_ONLY: Object.keys(SECTIONS).join(','), BENCH_ENGINES: ENGINES.join(','), BENCH_RESULTS: file },
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    assert.equal(run.status, 0, `bench exited ${run.status}:\n${run.stdout.slice(-3000)}\n${run.stderr.slice(-3000)}`);
    /** @type {unknown} */
    const results = JSON.parse(readFileSync(file, 'utf8'));
    assert.equal(at(results, 'quick'), true);
    assert.equal(keysOf(at(results, 'machine', 'loadAverageAtStart')).length, 3);
    assert.equal(keysOf(at(results, 'machine', 'loadAverageAtEnd')).length, 3);
    for (const [section, engines] of Object.entries(SECTIONS)) {
      assert.ok(at(results, section), `section ${section} missing`);
      assert.deepEqual(keysOf(at(results, section)).sort(), [...engines].sort(), `${section}: engines`);
      for (const e of engines) {
        const v = at(results, section, e);
        const error = at(v, 'error');
        assert.equal(error, undefined, `${section} on ${e} failed: ${JSON.stringify(error)}`);
        assert.deepEqual(notFinite(v, `${section}.${e}`, []), [], `${section} on ${e}: values that are not finite numbers`);
      }
    }
    // Every figure the issue asks for is there, per engine.
    for (const e of ENGINES) {
      assert.deepEqual(keysOf(at(results, 'growth', e, 'byClients')), ['1', '10', '100']);
      assert.deepEqual(keysOf(at(results, 'webhooks', e, 'byEndpoints')), ['1', '10', '100']);
      assert.equal(keysOf(at(results, 'webhooks', e, 'inRelay', 'byRate')).length, 3, 'in-relay latency at the rate, 50 % and 90 % of capacity');
      assert.equal(keysOf(at(results, 'webhooks', e, 'separateWorker', 'byRate')).length, 3, 'worker-process latency at the rate, 50 % and 90 % of capacity');
      assert.equal(keysOf(at(results, 'memory', e, 'bySessions')).length, 2);
      assert.ok(Number(at(results, 'ingest', e, 'inHouseNoop', 'ratioToAutocannon')) > 0);
    }
    assert.ok(Number(at(results, 'multiRelay', 'postgres', 'twoRelays', 'ok')) > 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
