import type { FaceBox } from './identity-protocol.js';

/**
 * How much larger than the detector's box the crop is: MediaPipe's box runs from the brows to
 * the chin; the recognition network was trained on dlib-aligned crops that include a little more.
 */
export const CROP_SCALE = 1.15;

/** The square (in pixels) cut from a `width` x `height` image around `box`, clamped to the image. */
export function squareAround(box: FaceBox, width: number, height: number, scale = CROP_SCALE): { sx: number; sy: number; side: number } {
  const cx = (box.x + box.width / 2) * width;
  const cy = (box.y + box.height / 2) * height;
  const side = Math.min(Math.max(box.width * width, box.height * height) * scale, width, height);
  const sx = Math.min(Math.max(cx - side / 2, 0), width - side);
  const sy = Math.min(Math.max(cy - side / 2, 0), height - side);
  return { sx, sy, side };
}

/** Mean Rec. 601 luma of RGBA pixels, 0..255. */
export function meanLuma(rgba: Uint8ClampedArray): number {
  let sum = 0;
  for (let i = 0; i < rgba.length; i += 4) sum += 0.299 * (rgba[i] ?? NaN) + 0.587 * (rgba[i + 1] ?? NaN) + 0.114 * (rgba[i + 2] ?? NaN);
  return sum / (rgba.length / 4 || 1);
}
