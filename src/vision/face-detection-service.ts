import { Observable, share } from 'rxjs';
import { acquireVideoSource } from '../media/video-source.js';
import type { FaceEngine, FaceEngineMode } from './face-engine.js';
import { releaseFaceEngine, takeFaceEngine } from './face-engine-preload.js';
import type { CameraFrame, FrameDetections } from './tasks-face-detector.js';

export type { DetectedFace } from './tasks-face-detector.js';

/** One analysed camera frame. */
export interface FaceFrame extends FrameDetections {
  /** `performance.now()` when the frame was grabbed. */
  timestamp: number;
  /** Faces at or above `minFaceConfidence` (the ones that count). */
  faceCount: number;
  engine: FaceEngine['kind'];
  /** Main-thread time spent grabbing and handing over this frame, in ms. */
  mainThreadMs: number;
}

export interface FaceDetectionOptions {
  /** Where `wasm/` and `face_detector.tflite` are served. */
  assetsBaseUrl: string;
  /** Detections per second. */
  detectionFps: number;
  minFaceConfidence: number;
  engine?: FaceEngineMode;
}

/** Running totals, for benchmarks and the final report. */
export interface FaceDetectionStats {
  engine: FaceEngine['kind'] | null;
  frames: number;
  totalDetectMs: number;
  maxDetectMs: number;
  totalMainThreadMs: number;
  maxMainThreadMs: number;
}

/**
 * Face detection on a camera stream: grabs frames from a detached <video> at `detectionFps`,
 * runs tasks-vision FaceDetector (VIDEO mode) in a worker when possible, and publishes each
 * result on `frames$`. `frames$` is shared: the loop and the engine live while at least one
 * subscriber (face detector, health monitor, preview) listens. It errors when the engine cannot
 * load or crashes; subscribing again restarts it.
 */
export class FaceDetectionService {
  readonly frames$: Observable<FaceFrame>;
  readonly stats: FaceDetectionStats = { engine: null, frames: 0, totalDetectMs: 0, maxDetectMs: 0, totalMainThreadMs: 0, maxMainThreadMs: 0 };

  constructor(
    readonly stream: MediaStream,
    readonly options: FaceDetectionOptions,
  ) {
    this.frames$ = new Observable<FaceFrame>((subscriber) => {
      const source = acquireVideoSource(stream);
      const periodMs = 1000 / options.detectionFps;
      const model = { assetsBaseUrl: options.assetsBaseUrl, minFaceConfidence: options.minFaceConfidence };
      let engine: FaceEngine | null = null;
      let stopped = false;
      /** A detection failed or hung: the engine is not given back for reuse. */
      let failed = false;
      /** This engine has answered once: later detections get the shorter timeout. */
      let warm = false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      /** `stopped` read afresh after an await (TypeScript keeps an earlier check's narrowing across it). */
      const isStopped = (): boolean => stopped;

      const tick = async (current: FaceEngine): Promise<void> => {
        if (stopped) return;
        const started = performance.now();
        if (source.hasFrame()) {
          const t0 = performance.now();
          const pending = grabFrame(source.video, current.kind, started);
          const grabMs = performance.now() - t0;
          const frame = await pending;
          if (isStopped()) { frame.close(); return; }
          const t1 = performance.now();
          const result = current.detect(frame, started);
          const handMs = performance.now() - t1;
          const detections = await withTimeout(result, warm ? DETECT_TIMEOUT_MS : FIRST_DETECT_TIMEOUT_MS);
          warm = true;
          if (isStopped()) return;
          const mainThreadMs = grabMs + handMs; // handMs includes the inference itself on the main-thread engine
          this.record(current.kind, detections.detectMs, mainThreadMs);
          const faceCount = detections.faces.filter((f) => f.score >= options.minFaceConfidence).length;
          subscriber.next({ ...detections, timestamp: started, faceCount, engine: current.kind, mainThreadMs });
        }
        timer = setTimeout(() => { run(current); }, Math.max(0, periodMs - (performance.now() - started)));
      };
      /** One detection round; a failure ends the stream (its error handler is the only consumer). */
      const run = (current: FaceEngine): void => {
        void tick(current).catch((err: unknown) => {
          failed = true;
          if (!stopped) subscriber.error(err);
        });
      };

      // The engine <eye-proctor> preloaded during init(), when it matches; a fresh one otherwise.
      takeFaceEngine(model, options.engine)
        .then((e) => {
          if (stopped) { releaseFaceEngine(e, model, options.engine); return; }
          engine = e;
          this.stats.engine = e.kind;
          run(e);
        })
        .catch((err: unknown) => {
          if (!stopped) subscriber.error(err);
        });

      return () => {
        stopped = true;
        clearTimeout(timer);
        if (engine && !failed) releaseFaceEngine(engine, model, options.engine);
        else engine?.close();
        source.release();
      };
    }).pipe(share());
  }

  private record(engine: FaceEngine['kind'], detectMs: number, mainThreadMs: number): void {
    const s = this.stats;
    s.engine = engine;
    s.frames++;
    s.totalDetectMs += detectMs;
    s.maxDetectMs = Math.max(s.maxDetectMs, detectMs);
    s.totalMainThreadMs += mainThreadMs;
    s.maxMainThreadMs = Math.max(s.maxMainThreadMs, mainThreadMs);
  }
}

/** A detection that takes longer than this means the engine hung: error, so it gets restarted. */
const DETECT_TIMEOUT_MS = 10_000;
/** The first detection also warms the engine up (wasm and shader compilation): slow on a busy device. */
const FIRST_DETECT_TIMEOUT_MS = 60_000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => { reject(new Error(`face detection took longer than ${ms / 1000} s`)); }, ms);
  });
  return Promise.race([promise, timeout]).finally(() => { clearTimeout(timer); });
}

/** Width frames are scaled to before detection (boxes are normalized, so nothing else changes). */
const GRAB_WIDTH = 320;

/**
 * Grabs the current video frame. For the worker: a VideoFrame where WebCodecs exists (wraps the
 * decoded frame without a copy on the page; the worker scales it); otherwise a small ImageBitmap.
 */
function grabFrame(video: HTMLVideoElement, engine: FaceEngine['kind'], timestampMs: number): Promise<CameraFrame> {
  if (engine === 'worker' && typeof VideoFrame !== 'undefined') {
    try {
      return Promise.resolve(new VideoFrame(video, { timestamp: Math.round(timestampMs * 1000) }));
    } catch {
      /* no frame yet, or unsupported source: fall back to ImageBitmap */
    }
  }
  const scale = Math.min(1, GRAB_WIDTH / video.videoWidth);
  return createImageBitmap(video, {
    resizeWidth: Math.round(video.videoWidth * scale),
    resizeHeight: Math.round(video.videoHeight * scale),
    resizeQuality: 'medium',
  });
}

const services = new WeakMap<MediaStream, FaceDetectionService>();

/**
 * The face detection service of `stream`, created on first use: the face detector, the health
 * monitor and <eye-camera-preview> share one engine and one detection loop per stream.
 */
export function faceDetectionFor(stream: MediaStream, options: FaceDetectionOptions): FaceDetectionService {
  const existing = services.get(stream);
  if (existing && sameOptions(existing.options, options)) return existing;
  const service = new FaceDetectionService(stream, options);
  services.set(stream, service);
  return service;
}

function sameOptions(a: FaceDetectionOptions, b: FaceDetectionOptions): boolean {
  return a.assetsBaseUrl === b.assetsBaseUrl && a.detectionFps === b.detectionFps && a.minFaceConfidence === b.minFaceConfidence && a.engine === b.engine;
}

/** Options for `config`; `assetsBaseUrl` falls back to the page's own /assets/mediapipe. */
export function faceDetectionOptions(config: {
  assetsBaseUrl: string | null;
  detectionFps: number;
  minFaceConfidence: number;
}): FaceDetectionOptions {
  return {
    assetsBaseUrl: config.assetsBaseUrl ?? '/assets/mediapipe',
    detectionFps: config.detectionFps,
    minFaceConfidence: config.minFaceConfidence,
  };
}
