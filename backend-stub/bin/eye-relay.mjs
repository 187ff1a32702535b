#!/usr/bin/env node
// Launcher for the `eye-relay` bin. Runs the relay compiled by `npm run build:relay` when that build
// is newer than every source it came from (plain node: less memory, faster start); otherwise the
// TypeScript sources through tsx, so a source checkout never runs stale code and needs no build.
import { fileURLToPath } from 'node:url';
import { relayBuildIsFresh, relayBuildOf } from '../../scripts/source-times.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
let main;
if (relayBuildIsFresh(root)) {
  ({ main } = await import(relayBuildOf(root)));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli.ts'));
}
process.exitCode = await main(process.argv.slice(2));
