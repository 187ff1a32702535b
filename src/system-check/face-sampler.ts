import { map } from 'rxjs';
import { faceDetectionFor, type FaceDetectionOptions } from '../vision/face-detection-service.js';
import type { FaceSampler } from './calibration.js';

/**
 * Calibration's view of the widget's own face detection (src/vision): the same model, engine
 * (worker when possible) and threshold the exam uses, and the same per-stream loop, so a preview
 * or a running detector on that stream is shared rather than duplicated.
 */
export function faceDetectorSampler(options: FaceDetectionOptions): FaceSampler {
  return (stream) =>
    faceDetectionFor(stream, options).frames$.pipe(
      map((frame) => ({ scores: frame.faces.map((f) => f.score), faceCount: frame.faceCount })),
    );
}
