import { concatMap, defer, EMPTY, finalize, from, retry, type Observable } from 'rxjs';
import { Event, type EyeEmission } from '../events.js';
import { acquireVideoSource } from '../media/video-source.js';
import { faceDetectionFor, faceDetectionOptions } from '../vision/face-detection-service.js';
import { FaceRules, presenceConfidence } from './face-rules.js';
import { flagWithSnapshot } from './snapshot.js';
import type { Detector } from './types.js';

/** After the detection engine fails (health reports it), try again this much later. */
export const DETECTION_RETRY_MS = 5000;
/** Frame periods before the first analysed frame that it may vouch for (see FaceRulesConfig.maxUnobservedMs). */
const UNOBSERVED_FRAMES = 2;
/** Longest wait for the camera's first frame before absence starts counting at the first analysed frame. */
const CAMERA_FIRST_FRAME_WAIT_MS = 30_000;

/**
 * FACE_ABSENCE and MULTIPLE_FACE from MediaPipe face detection on the camera, each with a JPEG
 * snapshot taken when the flag is raised. Shares the stream's detection loop with the preview
 * and the health monitor.
 */
export const faceDetector: Detector = (ctx): Observable<EyeEmission> => {
  const stream = ctx.media;
  if (!stream || !ctx.config.camera || !stream.getVideoTracks().length) return EMPTY;
  return defer(() => {
    const service = faceDetectionFor(stream, faceDetectionOptions(ctx.config));
    const source = acquireVideoSource(stream);
    // Absence counts from start() (this subscription) or, when the camera is still warming up,
    // from its first frame: an empty seat is flagged on time even if the first analysis is late.
    const rules = new FaceRules({
      ...ctx.config,
      presenceConfidence: presenceConfidence(ctx.config),
      // With the engine preloaded by init() the first analysis follows the first frame closely;
      // a late engine must not turn seconds nobody watched into absence.
      maxUnobservedMs: UNOBSERVED_FRAMES * (1000 / ctx.config.detectionFps),
    });
    source.ready(CAMERA_FIRST_FRAME_WAIT_MS).then(
      () => { rules.begin(performance.now()); },
      () => {}, // no frame at all: the health detector reports the camera
    );
    return service.frames$.pipe(
      concatMap((frame) => rules.update({ timestamp: frame.timestamp, scores: frame.faces.map((f) => f.score) })),
      concatMap((decision) =>
        from(
          decision.kind === 'absence'
            ? flagWithSnapshot(ctx, source, Event.FACE_ABSENCE, { durationMs: decision.durationMs, confidence: decision.confidence })
            : flagWithSnapshot(ctx, source, Event.MULTIPLE_FACE, { faceCount: decision.faceCount, confidence: decision.confidence }),
        ),
      ),
      retry({ delay: DETECTION_RETRY_MS }),
      finalize(() => { source.release(); }),
    );
  });
};
