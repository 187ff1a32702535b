#!/usr/bin/env node
// Launcher for the `eye-relay` bin. Runs the relay compiled by `npm run build -w eye-relay` when that
// build is newer than every source it came from (plain node: less memory, faster start); otherwise the
// TypeScript sources through tsx, so a source checkout never runs stale code and needs no build.
import { fileURLToPath } from 'node:url';
import { relayBuildIsFresh, relayBuildOf } from './source-times.mjs';

/** @typedef {typeof import('../src/cli.js')} RelayCli */

const relayDir = fileURLToPath(new URL('../', import.meta.url));
/** @type {RelayCli} */
let cli;
if (relayBuildIsFresh(relayDir)) {
  /** @type {unknown} The build's module: the same exports as the sources it was compiled from. */
  const built = await import(relayBuildOf(relayDir));
  cli = /** @type {RelayCli} */ (built);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  cli = /** @type {RelayCli} */ (await import('../src/cli.ts'));
}
const { main } = cli;
process.exitCode = await main(process.argv.slice(2));
