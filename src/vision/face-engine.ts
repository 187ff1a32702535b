import { createVideoFaceDetector, frameSize, type CameraFrame, type FaceModelOptions, type FrameDetections, type VideoFaceDetector } from './tasks-face-detector.js';
import type { FromWorker, ToWorker } from './worker-protocol.js';

/** Runs face detection on frames; where it runs (worker or page) is the engine's business. */
export interface FaceEngine {
  readonly kind: 'worker' | 'main-thread';
  /** Takes ownership of `frame` (it is transferred or closed). */
  detect(frame: CameraFrame, timestampMs: number): Promise<FrameDetections>;
  close(): void;
}

/** The wasm runtime or the model could not be loaded (wrong assetsBaseUrl, relay down...). */
export class FaceModelLoadError extends Error {
  override name = 'FaceModelLoadError';
}

export type FaceEngineMode = 'auto' | 'worker' | 'main-thread';

/** Default init timeout: wasm (9 MB) + model compile on a slow machine. */
const INIT_TIMEOUT_MS = 30_000;

class WorkerFaceEngine implements FaceEngine {
  readonly kind = 'worker' as const;
  private nextId = 1;
  private pending = new Map<number, { resolve: (d: FrameDetections) => void; reject: (e: Error) => void }>();

  private constructor(private readonly worker: Worker) {
    worker.addEventListener('message', (e: MessageEvent<FromWorker>) => {
      const msg = e.data;
      if (msg.type !== 'result' && msg.type !== 'detect-error') return;
      const waiter = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      if (msg.type === 'result') waiter?.resolve(msg.detections);
      else waiter?.reject(new Error(msg.message));
    });
    worker.addEventListener('error', (e) => { this.failAll(new Error(`face worker crashed: ${e.message}`)); });
  }

  static async create(options: FaceModelOptions): Promise<WorkerFaceEngine> {
    const worker = new Worker(new URL('./face-detector.worker.js', import.meta.url), { type: 'module', name: 'eye-face-detector' });
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => { reject(new Error('face worker did not start in time')); }, INIT_TIMEOUT_MS);
        worker.addEventListener('message', function onMessage(e: MessageEvent<FromWorker>) {
          if (e.data.type !== 'ready' && e.data.type !== 'init-error') return;
          clearTimeout(timer);
          worker.removeEventListener('message', onMessage);
          if (e.data.type === 'ready') resolve();
          else reject(new FaceModelLoadError(e.data.message));
        });
        worker.addEventListener('error', (e) => {
          clearTimeout(timer);
          reject(new Error(`face worker failed to load: ${e.message || 'script error'}`));
        }, { once: true });
        worker.postMessage({ type: 'init', options } satisfies ToWorker);
      });
    } catch (err) {
      worker.terminate();
      throw err;
    }
    return new WorkerFaceEngine(worker);
  }

  detect(frame: CameraFrame, timestampMs: number): Promise<FrameDetections> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ type: 'detect', id, frame, timestampMs } satisfies ToWorker, [frame]);
    });
  }

  close(): void {
    this.worker.postMessage({ type: 'close' } satisfies ToWorker);
    setTimeout(() => { this.worker.terminate(); }, 1000);
    this.failAll(new Error('face engine closed'));
  }

  private failAll(err: Error): void {
    for (const waiter of this.pending.values()) waiter.reject(err);
    this.pending.clear();
  }
}

class MainThreadFaceEngine implements FaceEngine {
  readonly kind = 'main-thread' as const;
  constructor(private readonly detector: VideoFaceDetector) {}
  static async create(options: FaceModelOptions): Promise<MainThreadFaceEngine> {
    return new MainThreadFaceEngine(await createVideoFaceDetector(options));
  }
  detect(frame: CameraFrame, timestampMs: number): Promise<FrameDetections> {
    // Runs synchronously, like the worker engine's interface promises; a throw becomes the rejection.
    return new Promise((resolve) => {
      try {
        const { width, height } = frameSize(frame);
        resolve(this.detector.detect(frame, width, height, timestampMs));
      } finally {
        frame.close();
      }
    });
  }
  close(): void {
    this.detector.close();
  }
}

/**
 * 'auto' prefers a worker (keeps the ~10-50 ms inference off the page) and falls back to the main
 * thread when module workers, OffscreenCanvas or the worker's wasm load are unavailable.
 */
export async function createFaceEngine(options: FaceModelOptions, mode: FaceEngineMode = 'auto'): Promise<FaceEngine> {
  const absolute = { ...options, assetsBaseUrl: new URL(options.assetsBaseUrl, location.href).href };
  if (mode === 'main-thread') return MainThreadFaceEngine.create(absolute);
  const canUseWorker = typeof Worker !== 'undefined' && typeof OffscreenCanvas !== 'undefined';
  if (mode === 'worker' || canUseWorker) {
    try {
      return await WorkerFaceEngine.create(absolute);
    } catch (err) {
      // Assets that fail to load in the worker would fail on the page too: report, don't retry.
      if (mode === 'worker' || err instanceof FaceModelLoadError) throw err;
      console.warn('[eye] face detection worker unavailable, running on the main thread:', err);
    }
  }
  return MainThreadFaceEngine.create(absolute);
}
