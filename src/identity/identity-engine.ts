import type { FaceBox, FaceSample, FromIdentityWorker, ToIdentityWorker } from './identity-protocol.js';

/** The recognition model could not be loaded (wrong assetsBaseUrl, relay down, no workers...). */
export class IdentityModelLoadError extends Error {
  override name = 'IdentityModelLoadError';
}

/** Model download (6.4 MB) + TensorFlow.js start on a slow machine. */
const INIT_TIMEOUT_MS = 60_000;
/** One embedding takes ~0.1-1 s on the CPU backend; far longer means the worker hung. */
const EMBED_TIMEOUT_MS = 20_000;

/**
 * The page's handle on identity.worker.ts: `embed()` transfers a frame and a face box and
 * resolves with the descriptor and the crop's brightness. One engine per widget session.
 */
export class IdentityEngine {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (s: FaceSample) => void; reject: (e: Error) => void; timer: ReturnType<typeof setTimeout> }>();
  private closed = false;

  private constructor(
    private readonly worker: Worker,
    readonly backend: string,
    readonly loadMs: number,
  ) {
    worker.addEventListener('message', (e: MessageEvent<FromIdentityWorker>) => {
      const msg = e.data;
      if (msg.type !== 'result' && msg.type !== 'embed-error') return;
      const waiter = this.pending.get(msg.id);
      if (!waiter) return;
      this.pending.delete(msg.id);
      clearTimeout(waiter.timer);
      if (msg.type === 'result') waiter.resolve(msg.sample);
      else waiter.reject(new Error(msg.message));
    });
    worker.addEventListener('error', (e) => { this.failAll(new Error(`identity worker crashed: ${e.message}`)); });
  }

  /** Starts the worker and loads the model from `modelBaseUrl` (absolute or page-relative). */
  static async create(modelBaseUrl: string): Promise<IdentityEngine> {
    if (typeof Worker === 'undefined' || typeof OffscreenCanvas === 'undefined') {
      throw new IdentityModelLoadError('this browser has no module workers with OffscreenCanvas');
    }
    const worker = new Worker(new URL('./identity.worker.js', import.meta.url), { type: 'module', name: 'eye-identity' });
    try {
      const ready = await new Promise<{ backend: string; loadMs: number }>((resolve, reject) => {
        const timer = setTimeout(() => { reject(new IdentityModelLoadError('identity model did not load in time')); }, INIT_TIMEOUT_MS);
        worker.addEventListener('message', function onMessage(e: MessageEvent<FromIdentityWorker>) {
          if (e.data.type !== 'ready' && e.data.type !== 'init-error') return;
          clearTimeout(timer);
          worker.removeEventListener('message', onMessage);
          if (e.data.type === 'ready') resolve(e.data);
          else reject(new IdentityModelLoadError(e.data.message));
        });
        worker.addEventListener('error', (e) => {
          clearTimeout(timer);
          reject(new IdentityModelLoadError(`identity worker failed to load: ${e.message || 'script error'}`));
        }, { once: true });
        const absolute = new URL(modelBaseUrl, location.href).href;
        worker.postMessage({ type: 'init', modelBaseUrl: absolute } satisfies ToIdentityWorker);
      });
      return new IdentityEngine(worker, ready.backend, ready.loadMs);
    } catch (err) {
      worker.terminate();
      throw err;
    }
  }

  /** Takes ownership of `image` (transferred). */
  embed(image: ImageBitmap, box: FaceBox): Promise<FaceSample> {
    if (this.closed) {
      image.close();
      return Promise.reject(new Error('identity engine closed'));
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`face embedding took longer than ${EMBED_TIMEOUT_MS / 1000} s`));
      }, EMBED_TIMEOUT_MS);
      this.pending.set(id, { resolve, reject, timer });
      this.worker.postMessage({ type: 'embed', id, image, box } satisfies ToIdentityWorker, [image]);
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.worker.postMessage({ type: 'close' } satisfies ToIdentityWorker);
    setTimeout(() => { this.worker.terminate(); }, 1000);
    this.failAll(new Error('identity engine closed'));
  }

  private failAll(err: Error): void {
    for (const waiter of this.pending.values()) {
      clearTimeout(waiter.timer);
      waiter.reject(err);
    }
    this.pending.clear();
  }
}

/** Where the recognition weights are served, next to the face detector's assets. */
export function identityModelBaseUrl(assetsBaseUrl: string | null): string {
  return `${(assetsBaseUrl ?? '/assets/mediapipe').replace(/\/+$/, '')}/identity`;
}
