/** Whether a build is older than its sources: used by `npm start` and the `eye-relay` launcher. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Newest modification time of the TypeScript sources under `dir` (tests excluded; 0 when absent).
 * @param {string} dir
 * @returns {number}
 */
export function newestSource(dir) {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * The compiled relay's entry (`npm run build -w eye-relay`), `relayDir` being the eye-relay package folder.
 * @param {string} relayDir
 * @returns {string}
 */
export const relayBuildOf = (relayDir) => join(relayDir, 'dist/backend-stub/src/cli.js');

/**
 * True when the compiled relay exists and is newer than every relay source (and the widget's
 * src/events.ts it imports, in a repository checkout). An installed eye-relay tarball ships only the
 * build, so its build is always fresh.
 * @param {string} relayDir
 * @returns {boolean}
 */
export function relayBuildIsFresh(relayDir) {
  const built = relayBuildOf(relayDir);
  if (!existsSync(built)) return false;
  const events = join(relayDir, '../src/events.ts');
  const newest = Math.max(newestSource(join(relayDir, 'src')), existsSync(events) ? statSync(events).mtimeMs : 0);
  return statSync(built).mtimeMs >= newest;
}
