import { EMPTY, Observable, retry, timer } from 'rxjs';
import { Event, type EyeEmission } from '../events.js';
import { faceDetectionFor, faceDetectionOptions } from '../vision/face-detection-service.js';
import { DETECTION_RETRY_MS } from './face.js';
import type { Detector, DetectorContext } from './types.js';
import { errorMessage } from '../errors.js';

export interface HealthTimings {
  /** A muted track (no data) must stay muted this long before it counts as lost. */
  muteGraceMs: number;
  /** No detection result for this long (once running) means detection stalled. */
  stallMs: number;
  /** Allowance for the first result (wasm + model load). */
  firstResultMs: number;
  /** How often track states are polled. */
  pollMs: number;
}

export const DEFAULT_HEALTH_TIMINGS: HealthTimings = { muteGraceMs: 1500, stallMs: 5000, firstResultMs: 30_000, pollMs: 1000 };

type Device = 'camera' | 'microphone';
/** Why a device is down; a recovery only clears the matching cause. */
type Cause = 'ended' | 'muted' | 'stalled' | 'failed' | 'missing';

/**
 * Monitoring health: CAMERA_LOST / MICROPHONE_LOST when a track ends or stays muted, when the
 * camera is expected but absent, and when face detection stalls or fails. Once per outage:
 * a device that recovers (unmute, detection resumes) can be reported again later.
 * Monitoring never stops silently: every way the face and sound detectors can go quiet shows
 * up here.
 */
export function createHealthDetector(timings: Partial<HealthTimings> = {}): Detector {
  const t = { ...DEFAULT_HEALTH_TIMINGS, ...timings };
  return (ctx) => {
    const stream = ctx.media;
    const { config } = ctx;
    if (!stream || (!config.camera && !config.microphone)) return EMPTY;
    return new Observable<EyeEmission>((subscriber) => {
      const down = new Map<Device, Cause>();
      const report = (device: Device, cause: Cause, description: string) => {
        if (down.has(device)) return;
        down.set(device, cause);
        const type = device === 'camera' ? Event.CAMERA_LOST : Event.MICROPHONE_LOST;
        subscriber.next({ type, payload: ctx.flag(type, description) });
      };
      const recover = (device: Device, cause: Cause) => {
        if (down.get(device) === cause) down.delete(device);
      };
      const cleanups: (() => void)[] = [];

      const watch = (device: Device, tracks: MediaStreamTrack[]) => {
        const label = device === 'camera' ? 'Camera' : 'Microphone';
        if (!tracks.length) { report(device, 'missing', `${label} is not available`); return; }
        for (const track of tracks) cleanups.push(watchTrack(track, label, device));
      };
      const watchTrack = (track: MediaStreamTrack, label: string, device: Device) => {
        let muteTimer: ReturnType<typeof setTimeout> | undefined;
        const onEnded = () => { report(device, 'ended', `${label} stopped (the device was disconnected or access was revoked)`); };
        const onMute = () => {
          clearTimeout(muteTimer);
          muteTimer = setTimeout(() => { report(device, 'muted', `${label} delivers no data (muted by the system or another app)`); }, t.muteGraceMs);
        };
        const onUnmute = () => {
          clearTimeout(muteTimer);
          recover(device, 'muted');
        };
        track.addEventListener('ended', onEnded);
        track.addEventListener('mute', onMute);
        track.addEventListener('unmute', onUnmute);
        // `ended` doesn't fire when page code calls track.stop(): poll readyState as well.
        const poll = setInterval(() => {
          if (track.readyState === 'ended') onEnded();
        }, t.pollMs);
        if (track.readyState === 'ended') onEnded();
        else if (track.muted) onMute();
        return () => {
          clearInterval(poll);
          clearTimeout(muteTimer);
          track.removeEventListener('ended', onEnded);
          track.removeEventListener('mute', onMute);
          track.removeEventListener('unmute', onUnmute);
        };
      };

      if (config.camera) watch('camera', stream.getVideoTracks());
      if (config.microphone) watch('microphone', stream.getAudioTracks());
      if (config.camera && stream.getVideoTracks().length) cleanups.push(watchDetection(ctx, stream, t, report, recover));

      return () => { cleanups.forEach((c) => { c(); }); };
    });
  };
}

/** Reports detection stalls and failures; only while the camera itself looks fine. */
function watchDetection(
  ctx: DetectorContext,
  stream: MediaStream,
  t: HealthTimings,
  report: (device: Device, cause: Cause, description: string) => void,
  recover: (device: Device, cause: Cause) => void,
): () => void {
  const cameraLive = () => stream.getVideoTracks().some((track) => track.readyState === 'live' && !track.muted);
  let stallTimer: ReturnType<typeof setTimeout> | undefined;
  const arm = (ms: number) => {
    clearTimeout(stallTimer);
    stallTimer = setTimeout(() => {
      if (cameraLive()) report('camera', 'stalled', `Face detection stalled: no result for ${Math.round(ms / 1000)} s`);
      arm(t.stallMs);
    }, ms);
  };
  arm(t.firstResultMs);
  const service = faceDetectionFor(stream, faceDetectionOptions(ctx.config));
  const sub = service.frames$
    .pipe(
      retry({
        delay: (err) => {
          report('camera', 'failed', `Face detection failed: ${errorMessage(err)}`);
          return timer(DETECTION_RETRY_MS);
        },
      }),
    )
    .subscribe(() => {
      recover('camera', 'stalled');
      recover('camera', 'failed');
      arm(t.stallMs);
    });
  return () => {
    clearTimeout(stallTimer);
    sub.unsubscribe();
  };
}

export const healthDetector: Detector = createHealthDetector();
