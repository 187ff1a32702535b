/**
 * Whether a detection's keypoints are laid out like a face. BlazeFace scores some non-face shapes
 * around 0.5-0.6 (Chromium's fake-camera pattern, posters, folds of cloth), and at that score a
 * real but small, dim or turned face looks the same; the keypoints tell them apart. On a face the
 * nose tip and the mouth sit near the perpendicular through the midpoint between the eyes (measured
 * on real photos rolled ±30°, dimmed and shrunk, including near-profiles: nose ≤ 1.13 and mouth
 * ≤ 0.59 eye-distances to the side); on the shapes the nose lands 1.7-2.1 eye-distances away.
 */

export interface Point {
  x: number;
  y: number;
}

/** How far to the side of the eyes' midpoint, in eye-distances, a face's nose tip may be. */
export const MAX_NOSE_SIDEWAYS = 1.45;
/** ...and its mouth. */
export const MAX_MOUTH_SIDEWAYS = 0.75;
/** Scores of implausible detections are scaled by this: they never count as a face, yet still say how close they came. */
export const IMPLAUSIBLE_SCORE_FACTOR = 0.5;

/**
 * `keypoints` normalized to the frame, in BlazeFace order (right eye, left eye, nose tip, mouth,
 * ...). A detection without its four first keypoints is given the benefit of the doubt.
 */
export function plausibleFaceGeometry(keypoints: readonly Point[] | undefined, frameWidth: number, frameHeight: number): boolean {
  const [rightEye, leftEye, nose, mouth] = (keypoints ?? []).map((k) => ({ x: k.x * frameWidth, y: k.y * frameHeight }));
  if (!rightEye || !leftEye || !nose || !mouth) return true;
  const eyeX = leftEye.x - rightEye.x;
  const eyeY = leftEye.y - rightEye.y;
  const eyeDistance = Math.hypot(eyeX, eyeY);
  if (eyeDistance === 0) return false;
  const mid = { x: (rightEye.x + leftEye.x) / 2, y: (rightEye.y + leftEye.y) / 2 };
  // Offset along the eye line (roll-independent), in eye-distances.
  const sideways = (p: Point) => Math.abs(((p.x - mid.x) * eyeX + (p.y - mid.y) * eyeY) / (eyeDistance * eyeDistance));
  return sideways(nose) <= MAX_NOSE_SIDEWAYS && sideways(mouth) <= MAX_MOUTH_SIDEWAYS;
}
