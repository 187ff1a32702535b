// Hosts' typings (types/, test/types/): the fixtures compile under strict TypeScript, including their
// `@ts-expect-error` lines (a typing that lets a wrong event name or detail through fails the run);
// custom-elements.json types every event's detail and lists no bogus event and no test module.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);
/** @param {string} name */
const bin = (name) => join(root, 'node_modules/.bin', name);

/**
 * The parts of custom-elements.json this test reads.
 * @typedef {{ modules: { path: string, declarations?: { tagName?: string, events: { name: string, type?: { text: string } }[] }[] }[] }} Manifest
 */

/** @param {string} project */
async function typecheck(project) {
  try {
    await run(bin('tsc'), ['-p', project], { cwd: root, timeout: 300_000 });
  } catch (err) {
    assert.fail(`tsc -p ${project}:\n${err.stdout}${err.stderr}`);
  }
}

test('widget.on with string literals, React 18 JSX and Vue GlobalComponents typings compile', () => typecheck('test/types/tsconfig.react18.json'));

test('React 19 JSX typings: typed onFACE_ABSENCE-style event props', () => typecheck('test/types/tsconfig.react19.json'));

test('custom-elements.json: typed event details, no bogus event, no test module', async () => {
  // cem takes --outdir relative to the working directory
  mkdirSync(join(root, 'node_modules/.cache'), { recursive: true });
  const outdir = mkdtempSync(join(root, 'node_modules/.cache/eye-cem-'));
  try {
    await run(bin('cem'), ['analyze', '--outdir', relative(root, outdir)], { cwd: root, timeout: 300_000 });
    /** @type {unknown} */
    const json = JSON.parse(readFileSync(join(outdir, 'custom-elements.json'), 'utf8'));
    const manifest = /** @type {Manifest} */ (json);
    for (const module of manifest.modules) assert.doesNotMatch(module.path, /(\.test|-test|test-helpers)\./, `${module.path} is a test module`);
    /** @param {string} name */
    const element = (name) => manifest.modules.flatMap((m) => m.declarations ?? []).find((d) => d.tagName === name);
    /** @param {string} name */
    const events = (name) => Object.fromEntries(element(name).events.map((e) => [e.name, e.type?.text]));

    const proctor = events('eye-proctor');
    assert.equal(proctor.FACE_ABSENCE, 'CustomEvent<FlagDataWithFile>');
    assert.equal(proctor.TAB_NOT_FOCUS, 'CustomEvent<FlagData>');
    assert.equal(proctor.TAB_FOCUS_CHANGE, 'CustomEvent<{ focused: boolean; awayMs?: number; flagId?: string }>');
    assert.equal(proctor.STARTED, 'CustomEvent<null>');
    for (const [name, type] of Object.entries(proctor)) assert.match(type ?? '', /^CustomEvent<.+>$/, `${name} has no detail type`);

    assert.deepEqual(events('eye-system-check'), {
      SYSTEM_CHECK_STARTED: 'CustomEvent<null>',
      SYSTEM_CHECK_COMPLETED: 'CustomEvent<SystemCheck>',
      CALIBRATION_COMPLETED: 'CustomEvent<Calibration>',
      CONSENT_GIVEN: 'CustomEvent<ConsentAnswer>',
      CONSENT_DECLINED: 'CustomEvent<ConsentAnswer>',
    });
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
});
