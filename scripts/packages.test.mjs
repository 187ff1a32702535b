// The two published packages (docs/PACKAGES.md): the widget `eye-proctor` (repository root) installs
// browser libraries only; the relay `eye-relay` (backend-stub/) carries the server libraries. Packs
// both with `npm pack --dry-run` (no build, no network) and checks their manifests and file lists,
// and the widget's install closure as package-lock.json resolves it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/**
 * The parts of a package.json these tests read.
 * @typedef {{ name: string, bin?: Record<string, string>, dependencies?: Record<string, string>, exports?: Record<string, string | Record<string, string>> }} Manifest
 * @typedef {{ dependencies?: Record<string, string>, hasInstallScript?: boolean }} LockEntry a package-lock.json `packages` entry
 * @typedef {{ name: string, files: { path: string }[] }} PackResult one package in `npm pack --json`'s output
 */

/**
 * @param {string} path
 * @returns {unknown}
 */
const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));
/** @param {string} path */
const readManifest = (path) => /** @type {Manifest} */ (readJson(path));

/**
 * `npm pack --dry-run` of the root package or of a workspace: its manifest and file paths.
 * @param {string} [workspace]
 */
function pack(workspace) {
  const args = ['pack', '--dry-run', '--ignore-scripts', '--json', ...(workspace ? ['-w', workspace] : [])];
  /** @type {unknown} */
  const output = JSON.parse(execFileSync(npm, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
  const [result] = /** @type {[PackResult]} */ (output);
  const dir = workspace ? join(root, 'backend-stub') : root;
  return { name: result.name, files: result.files.map((f) => f.path), manifest: readManifest(join(dir, 'package.json')) };
}

const lock = /** @type {{ packages: Record<string, LockEntry | undefined> }} */ (readJson(join(root, 'package-lock.json'))).packages;

/**
 * Every package `npm install <widget tarball>` adds, resolved like npm does from the lockfile.
 * @param {Record<string, string>} deps
 */
function installClosure(deps) {
  /** @type {Map<string, LockEntry>} */
  const seen = new Map();
  /** @param {string} name @param {string} from */
  const visit = (name, from) => {
    // nested node_modules first, then up towards the top level
    for (let dir = from; ; dir = dir.slice(0, Math.max(0, dir.lastIndexOf('/node_modules/')))) {
      const key = `${dir ? `${dir}/` : ''}node_modules/${name}`;
      const entry = lock[key];
      if (entry) {
        if (seen.has(key)) return;
        seen.set(key, entry);
        for (const dep of Object.keys(entry.dependencies ?? {})) visit(dep, key);
        return;
      }
      if (!dir) throw new Error(`${name} (needed by ${from || 'eye-proctor'}) is not in package-lock.json`);
    }
  };
  for (const name of Object.keys(deps)) visit(name, '');
  return seen;
}

/** Test harnesses and helpers: never in a tarball. */
const TEST_FILE = /(\.test\.|-test\.|test-helpers|\/testing\/|\/reliability\/|(^|\/)test\/|fixtures?\/)/;

test('the widget package depends on browser libraries only, about 10 packages installed, none native', () => {
  const { manifest } = pack();
  const relay = readManifest(join(root, 'backend-stub/package.json'));
  const deps = manifest.dependencies ?? {};
  for (const server of Object.keys(relay.dependencies ?? {})) assert.equal(deps[server], undefined, `${server} is a relay library`);
  assert.equal(manifest.bin, undefined, 'the eye-relay bin belongs to the relay package');
  for (const name of ['lit', 'rxjs', '@mediapipe/tasks-vision']) assert.ok(deps[name], `${name} is a widget dependency`);

  const closure = installClosure(deps);
  assert.ok(closure.size <= 10, `the widget installs ${closure.size} packages: ${[...closure.keys()].join(', ')}`);
  for (const [key, entry] of closure) {
    assert.notEqual(entry.hasInstallScript, true, `${key} runs an install script (a native build?)`);
    assert.ok(!relay.dependencies?.[key.replace(/^.*node_modules\//, '')], `${key} is a server library`);
  }
});

test('the widget tarball ships the library, no relay, no tests, no build scripts', () => {
  const { name, files } = pack();
  assert.equal(name, 'eye-proctor');
  assert.ok(files.includes('package.json') && files.includes('src/events.ts'));
  for (const path of files) {
    assert.doesNotMatch(path, TEST_FILE, `${path} is a test file`);
    assert.doesNotMatch(path, /^(backend-stub|scripts|demo|test|bench|docs)\//, `${path} is not part of the widget`);
  }
  // Whatever the build produced and `exports` names is shipped (the tree is built by prepack).
  const manifest = readManifest(join(root, 'package.json'));
  for (const target of Object.values(manifest.exports ?? {}).flatMap((e) => (typeof e === 'string' ? [e] : Object.values(e)))) {
    const path = target.replace(/^\.\//, '');
    if (!path.includes('*') && existsSync(join(root, path))) assert.ok(files.includes(path), `exports target ${path} is not packed`);
  }
});

test('the relay tarball ships its bin and build with the server libraries, no test harness', () => {
  const { name, files, manifest } = pack('eye-relay');
  assert.equal(name, 'eye-relay');
  assert.equal(manifest.bin?.['eye-relay'], 'bin/eye-relay.mjs');
  for (const path of ['bin/eye-relay.mjs', 'bin/source-times.mjs', 'node-flags.json', 'node-env.json', 'package.json']) assert.ok(files.includes(path), `${path} is packed`);
  for (const path of files) {
    assert.doesNotMatch(path, TEST_FILE, `${path} is a test file`);
    assert.doesNotMatch(path, /^src\//, `${path}: the relay ships its build, not its sources`);
  }
  for (const lib of ['fastify', 'kysely', 'better-sqlite3', 'pg']) assert.ok(manifest.dependencies?.[lib], `${lib} is a relay dependency`);
  for (const lib of ['lit', 'rxjs']) assert.equal(manifest.dependencies?.[lib], undefined, `${lib} is a widget library`);
});
