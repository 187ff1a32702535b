import { createFaceEngine, type FaceEngine, type FaceEngineMode } from './face-engine.js';
import type { FaceModelOptions } from './tasks-face-detector.js';

/**
 * One face engine loaded ahead of use: `<eye-proctor>` loads it during `init()` (wasm + model take
 * seconds), so that detection runs from the first camera frame after `start()` instead of several
 * seconds later. The detection service takes it when it starts (anything else creates its own)
 * and gives it back when it stops, until the widget ends.
 */
interface Preloaded {
  key: string;
  engine: Promise<FaceEngine>;
}

let preloaded: Preloaded | null = null;
/** The kind of engine a widget asked to keep warm (between init() and end()). */
let wanted: string | null = null;

function keyOf(options: FaceModelOptions, mode: FaceEngineMode): string {
  return JSON.stringify([new URL(options.assetsBaseUrl, location.href).href, options.minFaceConfidence, mode]);
}

/**
 * Starts loading an engine for `options` (unless one is loaded or loading already) and resolves
 * once it is ready. Rejects when it cannot load; the detection service then tries again itself.
 */
export function preloadFaceEngine(options: FaceModelOptions, mode: FaceEngineMode = 'auto'): Promise<FaceEngine> {
  const key = keyOf(options, mode);
  if (preloaded?.key === key) return preloaded.engine;
  discardPreloadedFaceEngine();
  wanted = key;
  const entry: Preloaded = { key, engine: createFaceEngine(options, mode) };
  preloaded = entry;
  // A failed load is not kept: the next take or preload starts afresh.
  entry.engine.catch(() => {
    if (preloaded === entry) preloaded = null;
  });
  return entry.engine;
}

/** True when an engine for `options` was preloaded and is waiting to be taken. */
export async function hasPreloadedFaceEngine(options: FaceModelOptions, mode: FaceEngineMode = 'auto'): Promise<boolean> {
  const entry = preloaded;
  if (entry?.key !== keyOf(options, mode)) return false;
  return entry.engine.then(() => preloaded === entry, () => false);
}

/** The preloaded engine for `options` (the caller owns it from now on), or a new one. */
export function takeFaceEngine(options: FaceModelOptions, mode: FaceEngineMode = 'auto'): Promise<FaceEngine> {
  const entry = preloaded;
  if (entry?.key === keyOf(options, mode)) {
    preloaded = null;
    return entry.engine;
  }
  return createFaceEngine(options, mode);
}

/**
 * Gives back a working engine its user no longer needs (a calibration or preview that ended, a
 * pause): kept warm for the next user when a widget asked for this kind and none is waiting, so
 * `start()` after a system check still finds one ready; closed otherwise.
 */
export function releaseFaceEngine(engine: FaceEngine, options: FaceModelOptions, mode: FaceEngineMode = 'auto'): void {
  const key = keyOf(options, mode);
  if (wanted === key && !preloaded) preloaded = { key, engine: Promise.resolve(engine) };
  else engine.close();
}

/** Closes an engine preloaded or given back but never taken, and stops keeping one warm (end(), the widget left the page). */
export function discardPreloadedFaceEngine(): void {
  const entry = preloaded;
  preloaded = null;
  wanted = null;
  entry?.engine.then((engine) => { engine.close(); }, () => {});
}
