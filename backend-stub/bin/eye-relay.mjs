#!/usr/bin/env node
// Launcher for the `eye-relay` bin: runs the TypeScript sources through tsx, no build step needed.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli.ts');
process.exitCode = await main(process.argv.slice(2));
