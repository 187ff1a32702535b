import type { ReferenceImage } from '../config.js';
import { createFaceEngine } from '../vision/face-engine.js';
import type { IdentityEngine } from './identity-engine.js';
import { usableFace } from './face-quality.js';

/** The reference image is not an image, cannot be fetched, or does not show exactly one face. */
export class ReferenceImageError extends Error {
  override name = 'ReferenceImageError';
}

async function decode(reference: ReferenceImage): Promise<ImageBitmap> {
  let blob: Blob;
  if (typeof reference === 'string') {
    let res: Response;
    try {
      res = await fetch(reference);
    } catch (err) {
      throw new ReferenceImageError(`The reference image could not be downloaded (${(err as Error).message}).`);
    }
    if (!res.ok) throw new ReferenceImageError(`The reference image could not be downloaded (HTTP ${res.status}).`);
    blob = await res.blob();
  } else {
    blob = reference;
  }
  if (blob.type && !blob.type.startsWith('image/')) throw new ReferenceImageError(`The reference image is not an image (type ${blob.type}).`);
  try {
    return await createImageBitmap(blob);
  } catch {
    throw new ReferenceImageError('The reference image is not an image the browser can decode (JPEG, PNG or WebP expected).');
  }
}

/**
 * The descriptor of the one face on the reference photo (ID card, LMS profile). Faces are found
 * with the widget's own face detector (a short-lived engine; the camera's loop is not involved).
 */
export async function embedReference(engine: IdentityEngine, reference: ReferenceImage, assetsBaseUrl: string): Promise<Float32Array> {
  const image = await decode(reference);
  const detector = await createFaceEngine({ assetsBaseUrl, minFaceConfidence: 0.5 });
  try {
    const { faces } = await detector.detect(await createImageBitmap(image), performance.now());
    const usable = usableFace(faces, 0.5);
    if ('problem' in usable) {
      image.close();
      const what = usable.problem === 'multiple-faces' ? 'shows more than one face' : usable.problem === 'no-face' ? 'shows no face' : 'does not show a clear, frontal face';
      throw new ReferenceImageError(`The reference image ${what}.`);
    }
    const sample = await engine.embed(image, usable.face);
    return sample.embedding;
  } finally {
    detector.close();
  }
}
