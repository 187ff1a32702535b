import type { FaceProblem } from '../identity/face-quality.js';
import type { MessageKey } from './localize.js';

/** Catalog keys of the face problems enrollment reports (what the candidate should fix, and how). */
export const FACE_PROBLEM_KEYS: Record<FaceProblem, { message: MessageKey; fix: MessageKey }> = {
  'no-face': { message: 'face.noFace', fix: 'fix.face.noFace' },
  'multiple-faces': { message: 'face.multipleFaces', fix: 'fix.face.multipleFaces' },
  'too-small': { message: 'face.tooSmall', fix: 'fix.face.tooSmall' },
  'not-frontal': { message: 'face.notFrontal', fix: 'fix.face.notFrontal' },
  'too-dark': { message: 'face.tooDark', fix: 'fix.face.tooDark' },
};
