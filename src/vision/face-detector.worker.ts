/**
 * Face detection off the main thread: a module worker running tasks-vision's FaceDetector on
 * frames (VideoFrame or ImageBitmap) transferred from the page. tasks-vision loads its wasm loader with
 * `importScripts`, which module workers don't have, so the loader is fetched first and
 * evaluated in the worker's global scope when tasks-vision asks for it.
 */
import { createVideoFaceDetector, frameSize, type VideoFaceDetector } from './tasks-face-detector.js';
import type { FromWorker, ToWorker } from './worker-protocol.js';
import { errorMessage } from '../errors.js';

interface WorkerScope {
  postMessage(message: FromWorker): void;
  addEventListener(type: 'message', listener: (e: MessageEvent<ToWorker>) => void): void;
  close(): void;
  importScripts?: (...urls: string[]) => void;
}
const scope = self as unknown as WorkerScope;
const indirectEval = eval;

async function preloadWasmLoader(url: string): Promise<void> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`wasm loader ${url}: HTTP ${res.status}`);
  const code = await res.text();
  scope.importScripts = (...urls: string[]) => {
    for (const u of urls) {
      if (u !== url) throw new Error(`unexpected importScripts(${u})`);
      // The loader declares `var ModuleFactory`; publish it on self explicitly in case the eval is scoped.
      indirectEval(`${code}\n;self.ModuleFactory = ModuleFactory;`);
    }
  };
}

let detector: VideoFaceDetector | null = null;

async function handleMessage({ data }: MessageEvent<ToWorker>): Promise<void> {
  switch (data.type) {
    case 'init':
      try {
        detector = await createVideoFaceDetector(data.options, preloadWasmLoader);
        scope.postMessage({ type: 'ready' });
      } catch (err) {
        scope.postMessage({ type: 'init-error', message: errorMessage(err) });
      }
      return;
    case 'detect':
      try {
        if (!detector) throw new Error('detector not initialised');
        const { width, height } = frameSize(data.frame);
        const detections = detector.detect(data.frame, width, height, data.timestampMs);
        scope.postMessage({ type: 'result', id: data.id, detections });
      } catch (err) {
        scope.postMessage({ type: 'detect-error', id: data.id, message: errorMessage(err) });
      } finally {
        data.frame.close();
      }
      return;
    case 'close':
      detector?.close();
      detector = null;
      scope.close();
  }
}

// Each message is handled on its own; the handler reports its failures back to the page.
scope.addEventListener('message', (e) => {
  void handleMessage(e);
});
