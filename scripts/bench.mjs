#!/usr/bin/env node
// `npm run bench`: runs bench/run.ts with tsx (the relay is TypeScript run by tsx in production too).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit', env: process.env });
process.exit(r.status ?? 1);
