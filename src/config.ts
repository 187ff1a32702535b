import type { Calibration } from './events.js';

/**
 * Widget configuration. Every field has a documented default; `validateConfig` turns user input
 * (from `init(config)` or element attributes) into a complete, checked `EyeConfig`.
 */
export interface EyeConfig {
  examId: string;
  candidateId: string;

  /** Relay base URL (e.g. https://relay.example.edu). Flags and media go here when set. */
  relayUrl: string | null;
  /** Short-lived session token from `POST /v1/sessions`. */
  sessionToken: string | null;
  /** Relay session id, from `POST /v1/sessions`. */
  sessionId: string | null;
  /** Where the MediaPipe wasm files and the face model are served. Default: `${relayUrl}/assets/mediapipe`. */
  assetsBaseUrl: string | null;

  /** Monitor page focus (TAB_NOT_FOCUS). */
  tabFocus: boolean;
  /** Monitor fullscreen (EXIT_FULLSCREEN). */
  fullscreen: boolean;
  /** Ask the candidate to go back to fullscreen when they leave it. */
  requireFullscreen: boolean;
  /** Heuristic devtools detection; off by default because it can misfire (docked windows, zoom). */
  devtools: boolean;

  /** Use the camera (face detection, snapshots). */
  camera: boolean;
  /** Use the microphone (sound level). */
  microphone: boolean;

  /** Continuous no-face time before FACE_ABSENCE. */
  faceAbsenceMs: number;
  /** While a face stays absent, repeat FACE_ABSENCE every this many ms; 0 = once per episode. */
  faceAbsenceRepeatMs: number;
  /** Face detection rate (detections per second). */
  detectionFps: number;
  /** Consecutive frames with 2+ faces before MULTIPLE_FACE. */
  multipleFaceFrames: number;
  /** Minimum detector score for a face to count. */
  minFaceConfidence: number;
  /** Periodic snapshot interval; 0 disables PERIODIC_SNAPSHOT. */
  snapshotIntervalMs: number;
  /** JPEG quality of snapshots (0..1). */
  jpegQuality: number;
  /** Snapshots are scaled down to at most this width (px). */
  snapshotMaxWidth: number;

  /** Sound level (dBFS, <= 0) above which sound counts. */
  soundThresholdDb: number;
  /** Time above threshold before SOUND_DETECTED. */
  soundMinMs: number;
  /** Audio kept from before the sound started, included in the clip. */
  soundPreRollMs: number;
  /** Maximum clip length. */
  soundClipMaxMs: number;

  /** `start()` refuses to run until a system check has passed. */
  requireSystemCheck: boolean;
  /** Result of calibration; its sound threshold overrides `soundThresholdDb`. */
  calibration: Calibration | null;
}

export type EyeConfigInput = Partial<EyeConfig> & Record<string, unknown>;

export const DEFAULT_CONFIG: Omit<EyeConfig, 'examId' | 'candidateId'> = {
  relayUrl: null,
  sessionToken: null,
  sessionId: null,
  assetsBaseUrl: null,
  tabFocus: true,
  fullscreen: true,
  requireFullscreen: false,
  devtools: false,
  camera: true,
  microphone: true,
  faceAbsenceMs: 5000,
  faceAbsenceRepeatMs: 0,
  detectionFps: 5,
  multipleFaceFrames: 3,
  minFaceConfidence: 0.5,
  snapshotIntervalMs: 30000,
  jpegQuality: 0.8,
  snapshotMaxWidth: 640,
  soundThresholdDb: -30,
  soundMinMs: 500,
  soundPreRollMs: 1000,
  soundClipMaxMs: 5000,
  requireSystemCheck: false,
  calibration: null,
};

export class EyeConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid Eye config: ${problems.join('; ')}`);
    this.name = 'EyeConfigError';
  }
}

type Rule = { kind: 'boolean' } | { kind: 'number'; min: number; max: number } | { kind: 'url' } | { kind: 'string' };

const RULES: Record<Exclude<keyof EyeConfig, 'calibration'>, Rule> = {
  examId: { kind: 'string' },
  candidateId: { kind: 'string' },
  relayUrl: { kind: 'url' },
  sessionToken: { kind: 'string' },
  sessionId: { kind: 'string' },
  assetsBaseUrl: { kind: 'url' },
  tabFocus: { kind: 'boolean' },
  fullscreen: { kind: 'boolean' },
  requireFullscreen: { kind: 'boolean' },
  devtools: { kind: 'boolean' },
  camera: { kind: 'boolean' },
  microphone: { kind: 'boolean' },
  faceAbsenceMs: { kind: 'number', min: 500, max: 600_000 },
  faceAbsenceRepeatMs: { kind: 'number', min: 0, max: 3_600_000 },
  detectionFps: { kind: 'number', min: 0.5, max: 30 },
  multipleFaceFrames: { kind: 'number', min: 1, max: 100 },
  minFaceConfidence: { kind: 'number', min: 0, max: 1 },
  snapshotIntervalMs: { kind: 'number', min: 0, max: 86_400_000 },
  jpegQuality: { kind: 'number', min: 0.1, max: 1 },
  snapshotMaxWidth: { kind: 'number', min: 64, max: 4096 },
  soundThresholdDb: { kind: 'number', min: -100, max: 0 },
  soundMinMs: { kind: 'number', min: 0, max: 60_000 },
  soundPreRollMs: { kind: 'number', min: 0, max: 10_000 },
  soundClipMaxMs: { kind: 'number', min: 500, max: 60_000 },
  requireSystemCheck: { kind: 'boolean' },
};

function checkValue(key: string, value: unknown, rule: Rule): string | null {
  switch (rule.kind) {
    case 'boolean':
      return typeof value === 'boolean' ? null : `${key} must be a boolean`;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return `${key} must be a finite number`;
      return value < rule.min || value > rule.max ? `${key} must be between ${rule.min} and ${rule.max}` : null;
    case 'string':
      return typeof value === 'string' && value.trim() !== '' ? null : `${key} must be a non-empty string`;
    case 'url':
      if (typeof value !== 'string') return `${key} must be a URL string`;
      try {
        const u = new URL(value);
        return u.protocol === 'http:' || u.protocol === 'https:' ? null : `${key} must be an http(s) URL`;
      } catch {
        return `${key} is not a valid URL`;
      }
  }
}

function checkCalibration(value: unknown): string | null {
  if (value === null) return null;
  if (typeof value !== 'object') return 'calibration must be an object';
  const c = value as Record<string, unknown>;
  for (const k of ['noiseFloorDb', 'soundThresholdDb'] as const) {
    if (typeof c[k] !== 'number' || !Number.isFinite(c[k] as number)) return `calibration.${k} must be a number`;
  }
  return null;
}

/**
 * Checks `input` and fills in defaults. Unknown keys and wrong types are errors, not silently
 * ignored, so a typo in an LMS integration shows up at `init` and not mid-exam.
 */
export function validateConfig(input: unknown, base: Partial<EyeConfig> = {}): EyeConfig {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new EyeConfigError(['config must be an object']);
  }
  const merged: Record<string, unknown> = { ...DEFAULT_CONFIG, ...base, ...(input as Record<string, unknown>) };
  const problems: string[] = [];
  for (const key of Object.keys(input as object)) {
    if (!(key in RULES) && key !== 'calibration') problems.push(`unknown option "${key}"`);
  }
  for (const [key, rule] of Object.entries(RULES)) {
    const value = merged[key];
    const nullable = rule.kind === 'url' || key === 'sessionToken' || key === 'sessionId';
    if (value === undefined || (nullable && value === null)) {
      if (key === 'examId' || key === 'candidateId') problems.push(`${key} is required`);
      else merged[key] = nullable ? null : merged[key];
      continue;
    }
    const problem = checkValue(key, value, rule);
    if (problem) problems.push(problem);
  }
  const calibrationProblem = checkCalibration(merged.calibration ?? null);
  if (calibrationProblem) problems.push(calibrationProblem);
  if (problems.length) throw new EyeConfigError(problems);
  const config = merged as unknown as EyeConfig;
  if (config.relayUrl && !config.assetsBaseUrl) {
    config.assetsBaseUrl = `${config.relayUrl.replace(/\/+$/, '')}/assets/mediapipe`;
  }
  return config;
}

/** The sound threshold in force: calibration wins over the configured default. */
export function effectiveSoundThresholdDb(config: EyeConfig): number {
  return config.calibration?.soundThresholdDb ?? config.soundThresholdDb;
}
