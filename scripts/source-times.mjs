/** Whether a build is older than its sources: used by `npm start` and the `eye-relay` launcher. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Newest modification time of the TypeScript sources under `dir` (tests excluded). */
export function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** The compiled relay's entry (`npm run build:relay`). */
export const relayBuildOf = (root) => join(root, 'backend-stub/dist/backend-stub/src/cli.js');

/** True when the compiled relay exists and is newer than every relay source (and src/events.ts it imports). */
export function relayBuildIsFresh(root) {
  const built = relayBuildOf(root);
  if (!existsSync(built)) return false;
  const events = join(root, 'src/events.ts');
  const newest = Math.max(newestSource(join(root, 'backend-stub/src')), existsSync(events) ? statSync(events).mtimeMs : 0);
  return statSync(built).mtimeMs >= newest;
}
