import { concatMap, defer, EMPTY, filter, finalize, from, interval, type Observable } from 'rxjs';
import { Event, type EyeEmission, type FlagDetails, type MediaFlagEvent } from '../events.js';
import { captureJpeg, mediaFileName } from '../media/snapshot.js';
import { acquireVideoSource, type VideoSource } from '../media/video-source.js';
import type { Detector, DetectorContext } from './types.js';

/** A flag of `type` carrying a JPEG of the camera as it is right now. */
export async function flagWithSnapshot(
  ctx: DetectorContext,
  source: VideoSource,
  type: Exclude<MediaFlagEvent, Event.SOUND_DETECTED>,
  details?: FlagDetails,
): Promise<EyeEmission> {
  const flag = ctx.flag(type, undefined, details);
  const mediaFile = await captureJpeg(source.video, {
    maxWidth: ctx.config.snapshotMaxWidth,
    quality: ctx.config.jpegQuality,
    name: mediaFileName(type, flag.id, 'jpg'),
  });
  return { type, payload: { ...flag, mediaFile } };
}

/** PERIODIC_SNAPSHOT every `snapshotIntervalMs` (0 disables); ticks without a camera frame are skipped (health reports those). */
export const periodicSnapshotDetector: Detector = (ctx): Observable<EyeEmission> => {
  const stream = ctx.media;
  if (!stream || !ctx.config.camera || ctx.config.snapshotIntervalMs <= 0 || !stream.getVideoTracks().length) return EMPTY;
  return defer(() => {
    const source = acquireVideoSource(stream);
    return interval(ctx.config.snapshotIntervalMs).pipe(
      filter(() => source.hasFrame()),
      concatMap(() => from(flagWithSnapshot(ctx, source, Event.PERIODIC_SNAPSHOT))),
      finalize(() => { source.release(); }),
    );
  });
};
