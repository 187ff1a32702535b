import type { Calibration } from './events.js';
import type { Enrollment } from './identity/enrollment.js';

/** A reference photo of the candidate (ID card, LMS profile): a File, a Blob or a URL. */
export type ReferenceImage = Blob | string;

/**
 * Identity checking (off by default; the recognition model, 6.4 MB, is only fetched when on).
 * `true` enrolls the candidate at start(); an object can add a reference image.
 */
export interface IdentityOptions {
  /** Compared with the enrollment; a mismatch is reported (IDENTITY_ENROLLED details, FACE_MISMATCH). */
  referenceImage?: ReferenceImage;
  /** An enrollment made earlier on this device (`<eye-system-check>`'s `identityEnrollment`): start() does not enroll again. */
  enrollment?: Enrollment;
}

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

  /** Identity: enrollment at start() and continuous face matching (FACE_MISMATCH). `false` = off. */
  identity: IdentityOptions | false;
  /** Time between two identity checks while exactly one face is visible. */
  identityCheckIntervalMs: number;
  /** Similarity (0..1) below which a check counts as a mismatch (see docs/BENCHMARKS.md). */
  identityMatchThreshold: number;
  /** FACE_MISMATCH when this many of the last `identityMismatchWindow` checks mismatch (never one frame). */
  identityMismatchChecks: number;
  /** How many recent checks the k-of-m rule looks at. */
  identityMismatchWindow: number;
  /** Good face samples averaged into the enrollment. */
  identityEnrollmentSamples: number;
  /**
   * `ask` (default): the widget shows its consent step before any camera/microphone access.
   * `external`: the LMS already collected consent; the widget records that (CONSENT_GIVEN with
   * `external: true`) and shows nothing.
   */
  consent: 'ask' | 'external';
  /** Version label of the consent text the LMS showed (`external`), or of the host's slotted text. Default: a hash of the text shown. */
  consentVersion: string | null;
  /** How long the institution keeps flags and media, in days, shown in the consent step. Null: "your institution decides". */
  retentionDays: number | null;
  /** Whom candidates contact with questions (shown in the consent step), e.g. "privacy@example.edu". */
  contact: string | null;
  /** Language of every candidate-facing text (BCP 47, e.g. "fr", "ar-EG"). Null: the element's `locale`/`lang`, else `<html lang>`. */
  locale: string | null;
}

/** What `init()` accepts: any subset of EyeConfig; `identity` may also be `true` (enroll, no reference). */
export type EyeConfigInput = Partial<Omit<EyeConfig, 'identity'>> & { identity?: IdentityOptions | boolean } & Record<string, unknown>;

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
  identity: false,
  identityCheckIntervalMs: 12_000,
  identityMatchThreshold: 0.65,
  identityMismatchChecks: 2,
  identityMismatchWindow: 3,
  identityEnrollmentSamples: 5,
  consent: 'ask',
  consentVersion: null,
  retentionDays: null,
  contact: null,
  locale: null,
};

export class EyeConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid Eye config: ${problems.join('; ')}`);
    this.name = 'EyeConfigError';
  }
}

type Rule =
  | { kind: 'boolean' }
  | { kind: 'number'; min: number; max: number }
  | { kind: 'url' }
  | { kind: 'string' }
  | { kind: 'oneOf'; values: readonly string[] };

/** Options that may be null ("not set"). */
const NULLABLE = new Set(['sessionToken', 'sessionId', 'consentVersion', 'retentionDays', 'contact', 'locale']);

const RULES: Record<Exclude<keyof EyeConfig, 'calibration' | 'identity'>, Rule> = {
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
  identityCheckIntervalMs: { kind: 'number', min: 1000, max: 3_600_000 },
  identityMatchThreshold: { kind: 'number', min: 0, max: 1 },
  identityMismatchChecks: { kind: 'number', min: 2, max: 20 },
  identityMismatchWindow: { kind: 'number', min: 2, max: 50 },
  identityEnrollmentSamples: { kind: 'number', min: 1, max: 20 },
  consent: { kind: 'oneOf', values: ['ask', 'external'] },
  consentVersion: { kind: 'string' },
  retentionDays: { kind: 'number', min: 1, max: 36_500 },
  contact: { kind: 'string' },
  locale: { kind: 'string' },
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
    case 'oneOf':
      return rule.values.includes(value as string) ? null : `${key} must be one of ${rule.values.map((v) => `"${v}"`).join(', ')}`;
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
    if (typeof c[k] !== 'number' || !Number.isFinite(c[k])) return `calibration.${k} must be a number`;
  }
  return null;
}

/** `identity`: false, true (enroll only) or `{ referenceImage }`; normalizes `true` to `{}`. */
function checkIdentity(value: unknown, problems: string[]): IdentityOptions | false {
  if (value === false || value === undefined || value === null) return false;
  if (value === true) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    problems.push('identity must be a boolean or { referenceImage }');
    return false;
  }
  const options = value as Record<string, unknown>;
  for (const key of Object.keys(options)) if (key !== 'referenceImage' && key !== 'enrollment') problems.push(`unknown option "identity.${key}"`);
  const enrollment = options.enrollment as Enrollment | null | undefined; // unchecked input: null is possible
  if (enrollment !== undefined && !(enrollment?.template instanceof Float32Array && enrollment.template.length === 128)) {
    problems.push('identity.enrollment must be an enrollment from <eye-system-check> (identityEnrollment)');
  }
  // null was reported above (validation then throws), so it is never returned.
  const withEnrollment = enrollment !== undefined && enrollment !== null ? { enrollment } : {};
  const ref = options.referenceImage;
  if (ref === undefined) return withEnrollment;
  if (typeof ref === 'string') {
    try {
      new URL(ref, typeof location === 'undefined' ? 'http://localhost/' : location.href);
    } catch {
      problems.push('identity.referenceImage is not a valid URL');
    }
    return { ...withEnrollment, referenceImage: ref };
  }
  if (typeof Blob !== 'undefined' && ref instanceof Blob) {
    // An empty type (a File from some pickers) is sniffed when decoded; a declared non-image is refused now.
    if (ref.type && !ref.type.startsWith('image/')) problems.push(`identity.referenceImage is not an image (type ${ref.type})`);
    return { ...withEnrollment, referenceImage: ref };
  }
  problems.push('identity.referenceImage must be a File, a Blob or a URL string');
  return false;
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
  for (const key of Object.keys(input)) {
    if (!(key in RULES) && key !== 'calibration' && key !== 'identity') problems.push(`unknown option "${key}"`);
  }
  for (const [key, rule] of Object.entries(RULES)) {
    const value = merged[key];
    const nullable = rule.kind === 'url' || NULLABLE.has(key);
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
  merged.identity = checkIdentity(merged.identity, problems);
  if ((merged.identityMismatchChecks as number) > (merged.identityMismatchWindow as number)) {
    problems.push('identityMismatchChecks must not exceed identityMismatchWindow');
  }
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
