import type { DetectedFace } from '../vision/tasks-face-detector.js';

/** Why a frame cannot be used for enrollment (or an identity check). */
export type FaceProblem = 'no-face' | 'multiple-faces' | 'too-small' | 'not-frontal' | 'too-dark';

/** What the candidate reads for each problem: what to fix, in the second person. */
export const FACE_PROBLEM_MESSAGES: Record<FaceProblem, string> = {
  'no-face': 'We cannot see your face. Sit in front of the camera and look at it.',
  'multiple-faces': 'More than one face is visible. Make sure you are alone in front of the camera.',
  'too-small': 'Your face is too small in the picture. Move closer to the camera.',
  'not-frontal': 'Look straight at the camera.',
  'too-dark': 'Your face is too dark. Turn on a light in front of you or face a window.',
};

/** A face narrower than this fraction of the frame is too far away to identify reliably. */
export const MIN_FACE_WIDTH = 0.12;
/** Mean luma (0..255) of the face crop below which the room is too dark. */
export const MIN_FACE_BRIGHTNESS = 40;
/**
 * Nose offset from the eyes' midpoint, relative to the eye distance, beyond which the head is
 * turned too far: strict for enrollment (the template should be frontal), looser for the checks
 * (a candidate reading the screen turns a little; profile views are skipped, not flagged).
 */
export const ENROLL_MAX_YAW = 0.45;
export const CHECK_MAX_YAW = 0.7;

/** The one usable face among `faces` (scores at or above `minScore`), or the problem. */
export function usableFace(faces: DetectedFace[], minScore: number, maxYaw = ENROLL_MAX_YAW): { face: DetectedFace } | { problem: FaceProblem } {
  const counted = faces.filter((f) => f.score >= minScore);
  if (counted.length === 0) return { problem: 'no-face' };
  if (counted.length > 1) return { problem: 'multiple-faces' };
  const [face] = counted;
  if (!face) return { problem: 'no-face' };
  if (face.width < MIN_FACE_WIDTH) return { problem: 'too-small' };
  if (!isFrontal(face, maxYaw)) return { problem: 'not-frontal' };
  return { face };
}

/** Yaw from BlazeFace keypoints: the nose tip sits between the eyes when the head faces the camera. */
export function isFrontal(face: DetectedFace, maxYaw = ENROLL_MAX_YAW): boolean {
  const [rightEye, leftEye, nose] = face.keypoints ?? [];
  if (!rightEye || !leftEye || !nose) return true; // no keypoints: cannot tell, do not block
  const eyeDistance = Math.hypot(leftEye.x - rightEye.x, leftEye.y - rightEye.y);
  if (eyeDistance <= 0) return false;
  const midX = (leftEye.x + rightEye.x) / 2;
  return Math.abs(nose.x - midX) / eyeDistance <= maxYaw;
}
