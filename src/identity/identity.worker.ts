/**
 * Face embeddings off the main thread: crops the face from a transferred frame, measures its
 * brightness and runs the recognition network. Loaded only when identity checking is on, so
 * TensorFlow.js and the weights never weigh on sessions that do not use it.
 */
import { createFaceEmbedder, EMBEDDING_INPUT_SIZE, type FaceEmbedder } from './face-embedder.js';
import { meanLuma, squareAround } from './face-crop.js';
import type { FromIdentityWorker, ToIdentityWorker } from './identity-protocol.js';
import { errorMessage } from '../errors.js';

interface WorkerScope {
  postMessage(message: FromIdentityWorker): void;
  addEventListener(type: 'message', listener: (e: MessageEvent<ToIdentityWorker>) => void): void;
  close(): void;
}
const scope = self as unknown as WorkerScope;
const canvas = new OffscreenCanvas(EMBEDDING_INPUT_SIZE, EMBEDDING_INPUT_SIZE);
const ctx = canvas.getContext('2d', { willReadFrequently: true });
let embedder: FaceEmbedder | null = null;

async function handleMessage({ data }: MessageEvent<ToIdentityWorker>): Promise<void> {
  switch (data.type) {
    case 'init': {
      const started = performance.now();
      try {
        embedder = await createFaceEmbedder(data.modelBaseUrl);
        scope.postMessage({ type: 'ready', backend: embedder.backend, loadMs: performance.now() - started });
      } catch (err) {
        scope.postMessage({ type: 'init-error', message: errorMessage(err) });
      }
      return;
    }
    case 'embed':
      try {
        if (!embedder) throw new Error('identity model not initialised');
        if (!ctx) throw new Error('no 2D context on OffscreenCanvas in this worker');
        const t0 = performance.now();
        const { sx, sy, side } = squareAround(data.box, data.image.width, data.image.height);
        ctx.drawImage(data.image, sx, sy, side, side, 0, 0, EMBEDDING_INPUT_SIZE, EMBEDDING_INPUT_SIZE);
        const rgba = ctx.getImageData(0, 0, EMBEDDING_INPUT_SIZE, EMBEDDING_INPUT_SIZE).data;
        const brightness = meanLuma(rgba);
        const t1 = performance.now();
        const embedding = await embedder.embed(rgba, EMBEDDING_INPUT_SIZE);
        const embedMs = performance.now() - t1;
        scope.postMessage({ type: 'result', id: data.id, sample: { embedding, brightness, embedMs, cropMs: t1 - t0 } });
      } catch (err) {
        scope.postMessage({ type: 'embed-error', id: data.id, message: errorMessage(err) });
      } finally {
        data.image.close();
      }
      return;
    case 'close':
      embedder?.close();
      embedder = null;
      scope.close();
  }
}

// Each message is handled on its own; the handler reports its failures back to the page.
scope.addEventListener('message', (e) => {
  void handleMessage(e);
});
