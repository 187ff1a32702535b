/** Messages between IdentityEngine (page) and identity.worker.ts. */

/** A face box normalized to the frame (0..1), as the face detector reports it. */
export interface FaceBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** What the worker measured on one face. */
export interface FaceSample {
  /** 128-D descriptor. Biometric data: it stays on the device. */
  embedding: Float32Array;
  /** Mean luma of the face crop, 0..255 (a dark room gives low values). */
  brightness: number;
  /** Time spent in the network, ms. */
  embedMs: number;
  /** Time spent cropping and converting, ms. */
  cropMs: number;
}

export type ToIdentityWorker =
  | { type: 'init'; modelBaseUrl: string }
  | { type: 'embed'; id: number; image: ImageBitmap; box: FaceBox }
  | { type: 'close' };

export type FromIdentityWorker =
  | { type: 'ready'; backend: string; loadMs: number }
  | { type: 'init-error'; message: string }
  | { type: 'result'; id: number; sample: FaceSample }
  | { type: 'embed-error'; id: number; message: string };
