import type { Observable } from 'rxjs';
import { DEFAULT_CONFIG } from '../config.js';
import type { Calibration } from '../events.js';
import { collectLevels } from './audio-level.js';
import { meanBrightness, waitForFrames } from './frames.js';
import { clamp, median, percentile, round } from './stats.js';
import { delay } from './types.js';

/** What a face detector saw on one frame. */
export interface FaceSample {
  /** Score (0..1) of every face candidate on the frame. */
  scores: readonly number[];
  /** Faces that count (at or above the detector's minimum confidence). */
  faceCount: number;
}

/**
 * Runs the widget's face detector on `stream` while subscribed (see face-sampler.ts for the
 * adapter over src/vision's FaceDetectionService), so calibration measures exactly what the exam
 * will use.
 */
export type FaceSampler = (stream: MediaStream) => Observable<FaceSample>;

export interface CalibrationOptions {
  /** Audio (required) and video (optional) of the candidate's room. */
  stream: MediaStream;
  /** How long to listen to the room. */
  durationMs?: number;
  /** The configured threshold: calibration only ever raises it (fewer false flags, never more). */
  baseThresholdDb?: number;
  /** Headroom above the room's loud moments (p90) before sound counts. */
  marginDb?: number;
  /**
   * Raise the threshold by at most this much: a very loud room must still flag speech, and a
   * candidate who talks through calibration cannot switch sound monitoring off.
   */
  maxRaiseDb?: number;
  faceSampler?: FaceSampler | null;
  /** How long to wait for the face detector beyond `durationMs` (its model loads on first use). */
  faceTimeoutMs?: number;
  /** Below this median face score the lighting gets a warning. */
  minFaceConfidence?: number;
  /** Acceptable mean frame brightness (luma 0..255). */
  minBrightness?: number;
  maxBrightness?: number;
  /** Where to play the video while sampling (optional). */
  video?: HTMLVideoElement;
  audioContext?: AudioContext;
  signal?: AbortSignal;
}

/** Calibration plus the measurements behind it, for display and logs. */
export interface CalibrationReport {
  calibration: Calibration;
  /** 90th percentile level of the room (dBFS). */
  noiseP90Db: number;
  levelSamples: number;
  /** Mean frame brightness (0..255), null without video. */
  meanBrightness: number | null;
  /** Faces seen on the sampled frames (median count). */
  faceCount: number | null;
  /** Why the lighting is not OK, in words for the candidate; null when it is. */
  lightingWarning: string | null;
  /** The same as a key (see `lightingIssueFor`), for translated UIs. */
  lightingIssue: LightingIssue | null;
}

export const CALIBRATION_DEFAULTS = {
  durationMs: 3000,
  marginDb: 10,
  maxRaiseDb: 15,
  minFaceConfidence: 0.7,
  minBrightness: 50,
  maxBrightness: 215,
} as const;

/**
 * Sound threshold for the session: the room's p90 level plus a margin, never below the
 * configured threshold (quiet rooms keep the default), at most `maxRaiseDb` above it, and never
 * above 0 dBFS.
 */
export function deriveSoundThreshold(noiseP90Db: number, baseDb: number, marginDb: number, maxRaiseDb: number): number {
  return round(clamp(noiseP90Db + marginDb, baseDb, Math.min(0, baseDb + Math.max(0, maxRaiseDb))), 1);
}

/** What is wrong with the candidate's lighting, as a key a UI can translate; null when it is fine. */
export type LightingIssue = 'dark' | 'bright' | 'no-face' | 'weak-face';

export function lightingIssueFor(
  brightness: number | null,
  faceConfidence: number | null,
  faceCount: number | null,
  o: { minFaceConfidence: number; minBrightness: number; maxBrightness: number },
): LightingIssue | null {
  if (brightness !== null && brightness < o.minBrightness) return 'dark';
  if (brightness !== null && brightness > o.maxBrightness) return 'bright';
  if (faceCount === 0) return 'no-face';
  if (faceConfidence !== null && faceConfidence < o.minFaceConfidence) return 'weak-face';
  return null;
}

const LIGHTING_WARNINGS: Record<LightingIssue, string> = {
  dark: 'Your picture is too dark. Turn on a light in front of you (not behind you) so your face is clearly visible.',
  bright: 'Your picture is too bright. Move away from direct sunlight or a bright window behind the camera.',
  'no-face': 'Your face was not found. Sit in front of the camera, centred, with light on your face.',
  'weak-face': 'Your face is hard to recognise. Add light in front of you and avoid a bright window behind you.',
};

/** The lighting issue in English (for logs and hosts); elements translate `lightingIssue` instead. */
export function lightingWarningFor(...args: Parameters<typeof lightingIssueFor>): string | null {
  const issue = lightingIssueFor(...args);
  return issue ? LIGHTING_WARNINGS[issue] : null;
}

/** Mean brightness of the picture, sampled every ~300 ms for `durationMs`. */
async function sampleBrightness(
  stream: MediaStream,
  video: HTMLVideoElement,
  durationMs: number,
  signal?: AbortSignal,
): Promise<number | null> {
  const track = stream.getVideoTracks().find((t) => t.readyState === 'live');
  if (!track) return null;
  const probe = await waitForFrames(video, new MediaStream([track]), 5000, signal, 2);
  if (probe.count < 2) return null;
  const samples = Math.max(3, Math.min(12, Math.round(durationMs / 300)));
  const values: number[] = [];
  for (let i = 0; i < samples; i++) {
    const b = meanBrightness(video);
    if (b !== null) values.push(b);
    await delay(durationMs / samples, signal);
  }
  return values.length ? median(values) : null;
}

/**
 * Face detector results for at least `durationMs` and at least 3 frames, giving up after
 * `timeoutMs` (model download + compile happen on the first subscription).
 */
function sampleFaces(
  stream: MediaStream,
  sampler: FaceSampler,
  durationMs: number,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<{ confidence: number | null; faceCount: number | null }> {
  if (!stream.getVideoTracks().some((t) => t.readyState === 'live')) return Promise.resolve({ confidence: null, faceCount: null });
  return new Promise((resolve, reject) => {
    const best: number[] = [];
    const counts: number[] = [];
    const started = performance.now();
    const finish = () => {
      sub.unsubscribe();
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve({
        confidence: best.length ? round(median(best), 3) : null,
        faceCount: counts.length ? Math.round(median(counts)) : null,
      });
    };
    const onAbort = () => {
      sub.unsubscribe();
      clearTimeout(timer);
      reject(new DOMException('The check was cancelled', 'AbortError'));
    };
    const timer = setTimeout(finish, durationMs + timeoutMs);
    const sub = sampler(stream).subscribe({
      next: (s) => {
        best.push(s.scores.length ? Math.max(...s.scores) : 0);
        counts.push(s.faceCount);
        if (best.length >= 3 && performance.now() - started >= durationMs) finish();
      },
      // A detector that cannot load leaves the face measurement out rather than failing calibration.
      error: () => { finish(); },
      complete: () => { finish(); },
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Measures the room before the exam: its noise floor (median level) and loud moments (p90) give
 * the session's sound threshold; the face detector's confidence and the frame brightness under the
 * candidate's lighting give a lighting warning. Listens and looks at the same time.
 */
export async function calibrate(options: CalibrationOptions): Promise<CalibrationReport> {
  const o = { ...CALIBRATION_DEFAULTS, ...stripUndefined(options) };
  const base = options.baseThresholdDb ?? DEFAULT_CONFIG.soundThresholdDb;
  const video = options.video ?? document.createElement('video');
  const [levels, brightness, faces] = await Promise.all([
    collectLevels(options.stream, o.durationMs, { audioContext: options.audioContext, signal: options.signal }),
    sampleBrightness(options.stream, video, o.durationMs, options.signal),
    options.faceSampler
      ? sampleFaces(options.stream, options.faceSampler, o.durationMs, options.faceTimeoutMs ?? 20_000, options.signal)
      : { confidence: null, faceCount: null },
  ]);
  if (levels.length === 0) throw new Error('No sound levels were measured');
  const noiseFloorDb = round(median(levels), 1);
  const noiseP90Db = round(percentile(levels, 90), 1);
  const lightingIssue = lightingIssueFor(brightness, faces.confidence, faces.faceCount, o);
  const lightingWarning = lightingWarningFor(brightness, faces.confidence, faces.faceCount, o);
  const calibration: Calibration = {
    noiseFloorDb,
    soundThresholdDb: deriveSoundThreshold(noiseP90Db, base, o.marginDb, o.maxRaiseDb),
    faceConfidence: faces.confidence,
    lightingOk: lightingWarning === null,
    measuredAt: new Date().toISOString(),
  };
  return {
    calibration,
    noiseP90Db,
    levelSamples: levels.length,
    meanBrightness: brightness === null ? null : Math.round(brightness),
    faceCount: faces.faceCount,
    lightingWarning,
    lightingIssue,
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
