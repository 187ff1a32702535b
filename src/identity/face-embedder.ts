import * as faceapi from '@vladmandic/face-api/dist/face-api.esm.js';

/**
 * The face embedder: @vladmandic/face-api's FaceRecognitionNet (a ResNet-34-like network, dlib's
 * face recognition model ported to TensorFlow.js) turning a face crop into a 128-D descriptor.
 * Weights come from `${modelBaseUrl}/face_recognition_model-weights_manifest.json` and its .bin
 * (served by the relay, never a CDN). Runs on the TensorFlow.js CPU backend: it needs neither a
 * GPU nor extra .wasm files, so it works in headless Chromium with --disable-gpu and in a worker.
 */

/** Side of the square crop the network takes (it resizes anything else to this). */
export const EMBEDDING_INPUT_SIZE = 150;
export const MANIFEST_FILE = 'face_recognition_model-weights_manifest.json';

export interface FaceEmbedder {
  readonly backend: string;
  /** `rgba` is a EMBEDDING_INPUT_SIZE-square RGBA crop (ImageData layout). */
  embed(rgba: Uint8ClampedArray, size: number): Promise<Float32Array>;
  close(): void;
}

/**
 * face-api checks its inputs against the DOM's media classes (`instanceof HTMLImageElement`...),
 * which a worker lacks. Only tensors are passed in, so classes nothing is an instance of will do.
 */
function installWorkerEnvironment(): void {
  if (faceapi.env.isBrowser() || faceapi.env.isNodejs()) return;
  const none = function Unavailable(): void {} as never;
  const unsupported = (): never => {
    throw new Error('face-api: DOM media are not available in a worker; pass tensors');
  };
  faceapi.env.setEnv({
    Canvas: none,
    CanvasRenderingContext2D: none,
    Image: none,
    ImageData: globalThis.ImageData,
    Video: none,
    createCanvasElement: unsupported,
    createImageElement: unsupported,
    createVideoElement: unsupported,
    fetch: (url, init) => fetch(url, init),
    readFile: unsupported,
  });
}

/** The backend calls face-api's bundled tfjs has at run time but leaves out of its typings. */
interface TfBackends {
  setBackend(name: string): Promise<boolean>;
  ready(): Promise<void>;
  getBackend(): string;
}

/** RGBA (ImageData layout) to an RGB float tensor, which the network normalizes itself. */
function rgbTensor(rgba: Uint8ClampedArray, size: number): faceapi.tf.Tensor3D {
  const rgb = new Float32Array(size * size * 3);
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
    rgb[j] = rgba[i] ?? NaN;
    rgb[j + 1] = rgba[i + 1] ?? NaN;
    rgb[j + 2] = rgba[i + 2] ?? NaN;
  }
  return faceapi.tf.tensor3d(rgb, [size, size, 3], 'float32');
}

export async function createFaceEmbedder(modelBaseUrl: string): Promise<FaceEmbedder> {
  const tf = faceapi.tf;
  const backends = tf as unknown as TfBackends;
  installWorkerEnvironment();
  await backends.setBackend('cpu');
  await backends.ready();
  const base = modelBaseUrl.replace(/\/+$/, '');
  const res = await fetch(`${base}/${MANIFEST_FILE}`);
  if (!res.ok) throw new Error(`face recognition model manifest: HTTP ${res.status}`);
  const manifest = (await res.json()) as Parameters<typeof tf.io.loadWeights>[0];
  const weights = await tf.io.loadWeights(manifest, base);
  const net = new faceapi.FaceRecognitionNet();
  net.loadFromWeightMap(weights);
  return {
    backend: backends.getBackend(),
    async embed(rgba, size) {
      const input = rgbTensor(rgba, size);
      try {
        return (await net.computeFaceDescriptor(input)) as Float32Array;
      } finally {
        input.dispose();
      }
    },
    close: () => { net.dispose(); },
  };
}
