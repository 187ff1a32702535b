import { FaceDetector, FilesetResolver } from '@mediapipe/tasks-vision';
import { IMPLAUSIBLE_SCORE_FACTOR, plausibleFaceGeometry } from './face-geometry.js';

/**
 * The MediaPipe tasks-vision FaceDetector, created from self-hosted assets (never a CDN):
 * `${assetsBaseUrl}/wasm/*` and `${assetsBaseUrl}/face_detector.tflite` (built by
 * scripts/build-face-model.mjs). Runs the same way in a worker and on the main thread.
 */

/** One face, with its box normalized to the frame (0..1) so any renderer can scale it. */
export interface DetectedFace {
  x: number;
  y: number;
  width: number;
  height: number;
  /** The model's score, halved when the keypoints are not laid out like a face (see face-geometry.ts). */
  score: number;
  /** BlazeFace keypoints, normalized: right eye, left eye, nose tip, mouth, right ear, left ear (identity uses them for pose). */
  keypoints?: { x: number; y: number }[];
}

/** Faces found in one frame. `faces` holds every candidate the model returned, above and below the threshold. */
export interface FrameDetections {
  faces: DetectedFace[];
  frameWidth: number;
  frameHeight: number;
  /** Time spent inside `detectForVideo`, in ms. */
  detectMs: number;
}

/** A grabbed camera frame: a VideoFrame (zero-copy, where WebCodecs exists) or an ImageBitmap. */
export type CameraFrame = ImageBitmap | VideoFrame;

export function frameSize(frame: CameraFrame): { width: number; height: number } {
  return 'displayWidth' in frame ? { width: frame.displayWidth, height: frame.displayHeight } : { width: frame.width, height: frame.height };
}

export interface FaceModelOptions {
  /** Absolute base URL of the MediaPipe assets. */
  assetsBaseUrl: string;
  /** Faces below this score are still reported (for absence confidence) but don't count as faces. */
  minFaceConfidence: number;
}

/** Candidates down to this score are reported so that an "absence" can say how sure it is. */
export const CANDIDATE_FLOOR = 0.3;

export function faceAssetUrls(assetsBaseUrl: string): { wasmBase: string; model: string } {
  const base = assetsBaseUrl.replace(/\/+$/, '');
  return { wasmBase: `${base}/wasm`, model: `${base}/face_detector.tflite` };
}

export interface VideoFaceDetector {
  detect(frame: TexImageSource, frameWidth: number, frameHeight: number, timestampMs: number): FrameDetections;
  close(): void;
}

/**
 * `beforeLoad` lets a module worker pre-fetch the wasm loader script (tasks-vision loads it with
 * importScripts, which module workers lack).
 */
export async function createVideoFaceDetector(
  options: FaceModelOptions,
  beforeLoad?: (wasmLoaderUrl: string) => Promise<void>,
): Promise<VideoFaceDetector> {
  const urls = faceAssetUrls(options.assetsBaseUrl);
  const fileset = await FilesetResolver.forVisionTasks(urls.wasmBase);
  await beforeLoad?.(fileset.wasmLoaderPath);
  const detector = await FaceDetector.createFromOptions(fileset, {
    baseOptions: { modelAssetPath: urls.model, delegate: 'CPU' },
    runningMode: 'VIDEO',
    minDetectionConfidence: Math.min(CANDIDATE_FLOOR, options.minFaceConfidence),
  });
  let lastTimestamp = -1;
  return {
    detect(frame, frameWidth, frameHeight, timestampMs) {
      // VIDEO mode needs strictly increasing timestamps.
      const ts = Math.max(Math.round(timestampMs), lastTimestamp + 1);
      lastTimestamp = ts;
      const started = performance.now();
      const result = detector.detectForVideo(frame, ts);
      const detectMs = performance.now() - started;
      const faces = result.detections.map((d) => {
        const box = d.boundingBox ?? { originX: 0, originY: 0, width: 0, height: 0 };
        const keypoints = d.keypoints.map((k) => ({ x: k.x, y: k.y })); // empty when the model gives none
        const modelScore = d.categories[0]?.score ?? 0;
        return {
          x: box.originX / frameWidth,
          y: box.originY / frameHeight,
          width: box.width / frameWidth,
          height: box.height / frameHeight,
          score: plausibleFaceGeometry(keypoints, frameWidth, frameHeight) ? modelScore : modelScore * IMPLAUSIBLE_SCORE_FACTOR,
          keypoints,
        };
      });
      return { faces, frameWidth, frameHeight, detectMs };
    },
    close: () => { detector.close(); },
  };
}
