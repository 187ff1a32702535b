import type { FaceProblem } from './face-quality.js';
import { captureFace, type FaceCapture } from './face-sampling.js';
import type { FrameTap } from './frame-tap.js';
import type { IdentityEngine } from './identity-engine.js';
import { meanEmbedding } from './similarity.js';

/** The enrolled face: a template descriptor. Biometric data: it stays on the device. */
export interface Enrollment {
  template: Float32Array;
  samples: number;
  /** Similarity to the reference image, when one was given. */
  referenceSimilarity: number | null;
}

export interface EnrollOptions {
  minFaceConfidence: number;
  /** Good samples averaged into the template. */
  samples: number;
  /** Told what is wrong with the latest frame (null once a good one came). */
  onProblem(problem: FaceProblem | null): void;
  /** Reports each sample's network time, for stats. */
  onSample?(embedMs: number): void;
}

/** Consecutive embedding failures before enrollment gives up. */
const MAX_FAILURES = 3;

/**
 * Collects `samples` good face samples from the camera (exactly one face, large and frontal
 * enough, lit enough) and averages them. Keeps trying until `signal` aborts; the caller owns
 * the returned `still` (the last good frame, for the IDENTITY_ENROLLED JPEG).
 */
export async function enrollFromCamera(
  engine: IdentityEngine,
  video: HTMLVideoElement,
  tap: FrameTap,
  options: EnrollOptions,
  signal: AbortSignal,
): Promise<{ enrollment: Enrollment; still: ImageBitmap }> {
  const captures: FaceCapture[] = [];
  let failures = 0;
  try {
    while (captures.length < options.samples) {
      const frame = await tap.next(signal);
      let result;
      try {
        result = await captureFace(engine, video, frame, options.minFaceConfidence);
        failures = 0;
      } catch (err) {
        if (++failures >= MAX_FAILURES) throw err;
        continue;
      }
      if (signal.aborted) {
        if ('still' in result) result.still.close();
        throw signal.reason;
      }
      if ('problem' in result) {
        options.onProblem(result.problem);
        continue;
      }
      captures.push(result);
      options.onSample?.(result.sample.embedMs);
      options.onProblem(null);
    }
    const template = meanEmbedding(captures.map((c) => c.sample.embedding));
    const last = captures.pop();
    if (!last) throw new Error('enrollment: no face captured');
    return { enrollment: { template, samples: captures.length + 1, referenceSimilarity: null }, still: last.still };
  } finally {
    for (const c of captures) c.still.close();
  }
}
