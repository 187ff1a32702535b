import type { CameraFrame, FaceModelOptions, FrameDetections } from './tasks-face-detector.js';

/** Messages between FaceEngine (main thread) and face-detector.worker.ts. */
export type ToWorker =
  | { type: 'init'; options: FaceModelOptions }
  | { type: 'detect'; id: number; frame: CameraFrame; timestampMs: number }
  | { type: 'close' };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'init-error'; message: string }
  | { type: 'result'; id: number; detections: FrameDetections }
  | { type: 'detect-error'; id: number; message: string };
