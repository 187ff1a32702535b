import type { ReferenceImage } from '../config.js';
import { enrollFromCamera, type Enrollment } from '../identity/enrollment.js';
import { FACE_PROBLEM_MESSAGES, type FaceProblem } from '../identity/face-quality.js';
import { FrameTap } from '../identity/frame-tap.js';
import { IdentityEngine, identityModelBaseUrl } from '../identity/identity-engine.js';
import { embedReference, ReferenceImageError } from '../identity/reference-image.js';
import { faceSimilarity } from '../identity/similarity.js';
import { acquireVideoSource } from '../media/video-source.js';
import { faceDetectionFor, faceDetectionOptions } from '../vision/face-detection-service.js';
import { accessDevice, type DeviceAccessOptions } from './device-access.js';
import { failed, type CheckOutcome } from './types.js';
import { errorName } from '../errors.js';

export interface IdentityCheckOptions extends DeviceAccessOptions {
  /** Where the face detector and the identity model are served (`${assetsBaseUrl}/identity/`). */
  assetsBaseUrl: string | null;
  detectionFps: number;
  minFaceConfidence: number;
  samples: number;
  threshold: number;
  referenceImage?: ReferenceImage;
  /** How long the candidate gets (from the first analysed frame) to show a usable face before the step fails and offers a retry. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** What to do about each problem, step by step, like the other checks' fixes. */
const PROBLEM_FIXES: Record<FaceProblem, string> = {
  'no-face': 'Sit facing the camera, about an arm’s length away, with nothing covering your face. Then press “Retry”.',
  'multiple-faces': 'Ask anyone else to leave the camera’s view, and make sure no photo or poster with a face is behind you. Then press “Retry”.',
  'too-small': 'Move closer, so that your face fills about a third of the picture. Then press “Retry”.',
  'not-frontal': 'Face the screen and look straight into the camera for a few seconds. Then press “Retry”.',
  'too-dark': 'Turn on a light in front of you (not behind you), or sit facing a window. Then press “Retry”.',
};

/** The identity step's outcome; on success `enrollment` can be passed to `init({ identity: { enrollment } })`. */
export type IdentityCheckOutcome = CheckOutcome & { enrollment?: Enrollment };

/**
 * Identity step: enrolls the candidate's face from the camera (several good frames) and, when the
 * host gave a reference photo, compares it. Fails with a candidate-facing message and fix when no
 * usable face shows up in time, when the face does not match the reference, or when the model
 * cannot load.
 */
export async function checkIdentity(options: IdentityCheckOptions): Promise<IdentityCheckOutcome> {
  const access = await accessDevice('webcam', options, { video: { width: { ideal: 640 }, height: { ideal: 480 }, facingMode: 'user' }, audio: false });
  if (!access.ok) return { ...access.outcome, name: 'identity' };
  const stream = new MediaStream([access.track]);
  let engine: IdentityEngine;
  try {
    engine = await IdentityEngine.create(identityModelBaseUrl(options.assetsBaseUrl));
  } catch (err) {
    access.release();
    return failed('identity', 'model-unavailable', `The identity check cannot run on this device (${(err as Error).message}).`, 'Reload the page and press “Retry”. If it keeps failing, tell your proctor: the exam can go on and a person will check your identity.');
  }
  const detection = faceDetectionOptions(options);
  const source = acquireVideoSource(stream);
  const tap = new FrameTap(faceDetectionFor(stream, detection).frames$);
  const timeout = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const outer = options.signal;
  const onAbort = () => { timeout.abort(outer?.reason); };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  /** The latest face problem seen (set by the enrollment callback). */
  const seen: { lastProblem: FaceProblem | null } = { lastProblem: null };
  try {
    // The clock starts once the detector runs: a slow model load is not the candidate's problem.
    await tap.next(timeout.signal);
    timer = setTimeout(() => { timeout.abort(new DOMException('timeout', 'TimeoutError')); }, options.timeoutMs ?? 30_000);
    const { enrollment, still } = await enrollFromCamera(engine, source.video, tap, {
      minFaceConfidence: options.minFaceConfidence,
      samples: options.samples,
      onProblem: (p) => (seen.lastProblem = p ?? seen.lastProblem),
    }, timeout.signal);
    still.close();
    const details = [{ label: 'Face samples', value: String(enrollment.samples) }];
    if (options.referenceImage !== undefined) {
      const reference = await embedReference(engine, options.referenceImage, new URL(detection.assetsBaseUrl, location.href).href);
      const similarity = faceSimilarity(reference, enrollment.template);
      enrollment.referenceSimilarity = similarity;
      details.push({ label: 'Similarity to your registered photo', value: `${Math.round(similarity * 100)}%` });
      if (similarity < options.threshold) {
        return { ...failed('identity', 'reference-mismatch', 'Your face does not match the photo registered for this exam.', 'Make sure you are the registered candidate, your face is well lit and uncovered (glasses off if the photo has none), then press “Retry”. If it still fails, contact your proctor.', details), values: { similarity } };
      }
    }
    return { name: 'identity', status: 'success', message: 'Your face is enrolled for the exam.', details, values: enrollment.referenceSimilarity === null ? {} : { similarity: enrollment.referenceSimilarity }, enrollment };
  } catch (err) {
    if (options.signal?.aborted) throw err;
    if (err instanceof ReferenceImageError) return failed('identity', 'reference-invalid', `The registered photo cannot be used: ${err.message}`, 'This is not something you can fix: tell your proctor, who can update the photo or check your identity in person.');
    if (errorName(err) === 'TimeoutError') {
      const { lastProblem } = seen;
      if (!lastProblem) return failed('identity', 'too-slow', 'The identity check took too long on this device.', 'Close other programs and browser tabs, then press “Retry”.');
      return failed('identity', lastProblem, FACE_PROBLEM_MESSAGES[lastProblem], PROBLEM_FIXES[lastProblem]);
    }
    throw err;
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    tap.close();
    source.release();
    engine.close();
    access.release();
  }
}
