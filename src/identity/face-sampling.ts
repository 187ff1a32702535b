import type { FaceFrame } from '../vision/face-detection-service.js';
import type { IdentityEngine } from './identity-engine.js';
import type { FaceSample } from './identity-protocol.js';
import { MIN_FACE_BRIGHTNESS, usableFace, type FaceProblem } from './face-quality.js';

/** One usable face: its descriptor and the frame it came from (kept on the page, for a JPEG). */
export interface FaceCapture {
  sample: FaceSample;
  still: ImageBitmap;
  frame: FaceFrame;
}

/**
 * Embeds the single usable face of `frame` (grabbed from `video` now, i.e. within one detection
 * period of the boxes), or says what is wrong with the frame. The caller owns `still`.
 */
export async function captureFace(
  engine: IdentityEngine,
  video: HTMLVideoElement,
  frame: FaceFrame,
  minFaceConfidence: number,
  maxYaw?: number,
): Promise<FaceCapture | { problem: FaceProblem }> {
  const usable = usableFace(frame.faces, minFaceConfidence, maxYaw);
  if ('problem' in usable) return usable;
  const still = await createImageBitmap(video);
  try {
    const sample = await engine.embed(await createImageBitmap(still), usable.face);
    if (sample.brightness < MIN_FACE_BRIGHTNESS) {
      still.close();
      return { problem: 'too-dark' };
    }
    return { sample, still, frame };
  } catch (err) {
    still.close();
    throw err;
  }
}
