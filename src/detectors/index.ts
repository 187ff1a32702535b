import type { EyeConfig } from '../config.js';
import { devtoolsDetector } from './devtools.js';
import { fullscreenDetector } from './fullscreen.js';
import { tabFocusDetector } from './tab-focus.js';
import { faceDetector } from './face.js';
import { healthDetector } from './health.js';
import { periodicSnapshotDetector } from './snapshot.js';
import { soundDetector } from './sound.js';
import type { Detector } from './types.js';

export type { Detector, DetectorContext } from './types.js';
export { tabFocusDetector } from './tab-focus.js';
export { fullscreenDetector } from './fullscreen.js';
export { devtoolsDetector } from './devtools.js';
export { faceDetector } from './face.js';
export { periodicSnapshotDetector } from './snapshot.js';
export { soundDetector } from './sound.js';
export { healthDetector, createHealthDetector } from './health.js';

/**
 * The detectors that run for `config`, in order. <eye-proctor> subscribes each one on `start()` and
 * unsubscribes it on `end()`. To add a detector: write `src/detectors/<name>.ts` exporting a
 * `Detector`, then add one line below.
 */
export function createDetectors(config: EyeConfig): Detector[] {
  const detectors: Detector[] = [];
  // Browser signals
  if (config.tabFocus) detectors.push(tabFocusDetector);
  if (config.fullscreen || config.requireFullscreen) detectors.push(fullscreenDetector);
  if (config.devtools) detectors.push(devtoolsDetector);
  // Media-based detectors (camera / microphone); each is a no-op when its device is off or absent.
  if (config.camera) detectors.push(faceDetector, periodicSnapshotDetector);
  if (config.microphone) detectors.push(soundDetector);
  if (config.camera || config.microphone) detectors.push(healthDetector);
  return detectors;
}
