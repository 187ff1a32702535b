import { catchError, concatMap, defer, EMPTY, filter, finalize, from, type Observable } from 'rxjs';
import { effectiveSoundThresholdDb } from '../config.js';
import { Event, type EyeEmission } from '../events.js';
import { clipExtension, RollingAudioRecorder, type ClaimedClip } from '../media/audio-clips.js';
import { mediaFileName } from '../media/snapshot.js';
import { audioLevels } from '../system-check/audio-level.js';
import { SoundRules } from './sound-rules.js';
import type { Detector } from './types.js';

/** Level sampling period (each sample is the RMS of the last ~43 ms). */
const LEVEL_INTERVAL_MS = 50;

/**
 * SOUND_DETECTED when the microphone level (dBFS RMS) stays above the threshold (calibrated or
 * configured) for `soundMinMs`. The flag is raised when the sound ends (or the clip is full) and
 * carries the clip, starting `soundPreRollMs` before the sound, as a WebM/Opus File.
 */
export const soundDetector: Detector = (ctx): Observable<EyeEmission> => {
  const stream = ctx.media;
  const { config } = ctx;
  if (!stream || !config.microphone || !stream.getAudioTracks().length) return EMPTY;
  return defer(() => {
    const rules = new SoundRules({ ...config, thresholdDb: effectiveSoundThresholdDb(config) });
    const recorder = new RollingAudioRecorder(stream, { lookbackMs: config.soundPreRollMs + config.soundMinMs });
    recorder.start();
    let clip: ClaimedClip | null = null;
    let count = 0;
    return audioLevels(stream, { intervalMs: LEVEL_INTERVAL_MS }).pipe(
      concatMap((db) => rules.update(db, performance.now())),
      concatMap((decision) => {
        if (decision.kind === 'start') {
          clip = recorder.claim(performance.now() - decision.onsetAt + config.soundPreRollMs);
          return EMPTY;
        }
        const claimed = clip;
        clip = null;
        if (!claimed) return EMPTY;
        return from(
          claimed.stop().then((blob): EyeEmission => {
            const flag = ctx.flag(Event.SOUND_DETECTED, undefined, {
              peakDb: decision.peakDb,
              durationMs: decision.durationMs,
              countThisSession: ++count,
            });
            const type = (blob.type || 'audio/webm').split(';')[0] ?? ''; // split always gives at least one part
            const mediaFile = new File([blob], mediaFileName(Event.SOUND_DETECTED, flag.id, clipExtension(type)), { type });
            return { type: Event.SOUND_DETECTED, payload: { ...flag, mediaFile } };
          }),
        );
      }),
      filter(Boolean),
      // No live microphone track: the health monitor reports MICROPHONE_LOST; don't break the other detectors.
      catchError((err) => {
        console.warn('[eye] sound monitoring stopped:', err);
        return EMPTY;
      }),
      finalize(() => { recorder.dispose(); }),
    );
  });
};
