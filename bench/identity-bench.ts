/**
 * Identity figures for `npm run bench` (section "identity"): runs src/identity/identity.bench-test.ts
 * in the test browser (headless Chromium, --disable-gpu, the same assets the relay serves) and
 * reads its `[bench-identity] {json}` line; adds the model's size on disk and the identity
 * worker bundle's size (outside the widget's JS budget: loaded only when identity is on).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';

/** spawnSync leaves stdout and stderr null when the process could not be started (its types say string). */
const text = (s: string | null): string => s ?? '';

export function benchIdentity(root: string, log: (l: string) => void): Record<string, unknown> {
  const run = spawnSync(process.execPath, [join(root, 'node_modules/@web/test-runner/dist/bin.js'), '--files', 'src/identity/identity.bench-test.ts'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 30 * 60_000,
  });
  const line = text(run.stdout).split('\n').find((l) => l.includes('[bench-identity] '));
  if (!line) {
    log(text(run.stdout).slice(-2000) + text(run.stderr).slice(-2000));
    throw new Error(`identity bench printed no result (exit ${run.status})`);
  }
  const result = JSON.parse(line.slice(line.indexOf('[bench-identity] ') + '[bench-identity] '.length)) as Record<string, unknown>;
  const model = join(root, 'node_modules/@vladmandic/face-api/model');
  result.modelBytes = statSync(join(model, 'face_recognition_model.bin')).size + statSync(join(model, 'face_recognition_model-weights_manifest.json')).size;
  const worker = join(root, 'dist/bundles/identity.worker.js');
  if (existsSync(worker)) {
    const bytes = readFileSync(worker);
    result.workerBundle = { bytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length };
  }
  return result;
}
