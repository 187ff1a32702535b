/**
 * The Event model: the single source of truth shared by the widget (browser) and the relay (Node).
 * Keep this module free of DOM-only and Node-only APIs at runtime; `File` appears in types only.
 */

/** Every event the widget emits. String values are the DOM CustomEvent names. */
export enum Event {
  STARTED = 'STARTED',
  END_PROCTORING = 'END_PROCTORING',
  SET_CONFIG = 'SET_CONFIG',
  FULLSCREEN_CHANGE = 'FULLSCREEN_CHANGE',
  EXIT_FULLSCREEN = 'EXIT_FULLSCREEN',
  TAB_FOCUS_CHANGE = 'TAB_FOCUS_CHANGE',
  TAB_NOT_FOCUS = 'TAB_NOT_FOCUS',
  FACE_ABSENCE = 'FACE_ABSENCE',
  MULTIPLE_FACE = 'MULTIPLE_FACE',
  PERIODIC_SNAPSHOT = 'PERIODIC_SNAPSHOT',
  SOUND_DETECTED = 'SOUND_DETECTED',
  SYSTEM_CHECK_STARTED = 'SYSTEM_CHECK_STARTED',
  SYSTEM_CHECK_COMPLETED = 'SYSTEM_CHECK_COMPLETED',
  /** Heuristic, off by default: the browser's developer tools appear to be open. */
  DEVTOOLS_OPEN = 'DEVTOOLS_OPEN',
  /** The camera track ended or was muted, or face detection stalled: monitoring is degraded. */
  CAMERA_LOST = 'CAMERA_LOST',
  /** The microphone track ended or was muted: sound monitoring is degraded. */
  MICROPHONE_LOST = 'MICROPHONE_LOST',
  /** Calibration (noise floor, lighting) finished; carries the derived thresholds. */
  CALIBRATION_COMPLETED = 'CALIBRATION_COMPLETED',
  /** The relay told the widget to pause / resume monitoring. */
  PAUSED = 'PAUSED',
  RESUMED = 'RESUMED',
  /**
   * The relay refused a flag or lifecycle message for good (413 too large, 409 session ended,
   * 400, 403, ...): the widget gave it up and removed it from its outbox. Stays in the page.
   */
  RELAY_REJECTED = 'RELAY_REJECTED',
  /** The face seen is not the enrolled candidate (k of the last m identity checks). */
  FACE_MISMATCH = 'FACE_MISMATCH',
  /** Enrollment done (and compared with the reference image when one was given). */
  IDENTITY_ENROLLED = 'IDENTITY_ENROLLED',
  /** The identity model could not load or run: identity is not being checked; monitoring goes on. */
  IDENTITY_UNAVAILABLE = 'IDENTITY_UNAVAILABLE',
  /** The candidate accepted the consent step (or the host declared consent `external`); capture may start. */
  CONSENT_GIVEN = 'CONSENT_GIVEN',
  /** The candidate declined the consent step: nothing starts; the host decides what follows. */
  CONSENT_DECLINED = 'CONSENT_DECLINED',
}

/** Alias for code where the name `Event` would shadow the DOM's global `Event`. */
export { Event as EyeEvent };

/** Optional measurements a flag may carry (DESIGN.md: flags may carry more fields, never fewer). */
export interface FlagDetails {
  durationMs?: number;
  confidence?: number;
  faceCount?: number;
  peakDb?: number;
  countThisSession?: number;
  /** FACE_MISMATCH: the enrollment it was compared with came from a proctor's re-enroll directive. */
  reEnrolled?: boolean;
  /** IDENTITY_ENROLLED with a reference image: whether the enrolled face matches it. */
  referenceMatch?: boolean;
  /** IDENTITY_ENROLLED: face samples the enrollment template averages. */
  samples?: number;
  /** IDENTITY_UNAVAILABLE: why (model load or run failure), for diagnostics. */
  reason?: string;
}

export type FlagData = {
  examId: string;
  candidateId: string;
  type: Event;
  description: string;
  createdAt: string /* ISO */;
  /** Unique per flag (UUID) so consumers and the relay can be idempotent. */
  id?: string;
  sessionId?: string;
  details?: FlagDetails;
};

export type FlagDataWithFile = FlagData & { mediaFile: File };

/** `identity` runs only when asked for (`checks` attribute) or when the <eye-proctor> config has `identity` on. */
export type SystemCheckName = 'internetSpeed' | 'webcam' | 'microphone' | 'browser' | 'identity';
export type SystemCheckStatus = 'success' | 'failed' | 'default';

export type SystemCheck = {
  success: boolean;
  timestamp: string;
  data: { status: SystemCheckStatus; finished: boolean; name: SystemCheckName }[];
};

/** Result of the pre-exam calibration; travels with the session to the relay. */
export interface Calibration {
  noiseFloorDb: number;
  soundThresholdDb: number;
  faceConfidence: number | null;
  lightingOk: boolean;
  measuredAt: string;
}

/** Payload of RELAY_REJECTED: which message was given up, and the relay's answer. */
export interface RelayRejection {
  /** Id of the message (the flag's own id for flags). */
  id: string;
  /** What the message carried: a flag type or a lifecycle event (STARTED, END_PROCTORING, ...). */
  type: Event;
  kind: 'flag' | 'lifecycle';
  sessionId: string;
  /** HTTP status of the refusal (e.g. 413), or null when no response was read. */
  status: number | null;
  /** The relay's error code (e.g. `payload_too_large`), when it sent one. */
  code: string | null;
  /** Human-readable reason, for logs. */
  message: string;
  /** Failed tries before this one (transient errors retried earlier). */
  attempts: number;
}

/** The candidate's answer to the consent step (DESIGN.md "Consent"). */
export interface ConsentAnswer {
  /** Version of the text the candidate read: `sha256:<hex>` of it, or the host's own version label. */
  version: string;
  /** BCP 47 locale the text was shown in. */
  locale: string;
  /** True when the LMS collected consent (`consent="external"`) and the widget showed nothing. */
  external: boolean;
}

/** Flags: events that record a possible violation (or evidence) and go to the relay. */
export const FLAG_EVENTS = [
  Event.EXIT_FULLSCREEN,
  Event.TAB_NOT_FOCUS,
  Event.FACE_ABSENCE,
  Event.MULTIPLE_FACE,
  Event.PERIODIC_SNAPSHOT,
  Event.SOUND_DETECTED,
  Event.DEVTOOLS_OPEN,
  Event.CAMERA_LOST,
  Event.MICROPHONE_LOST,
  Event.FACE_MISMATCH,
  Event.IDENTITY_ENROLLED,
  Event.IDENTITY_UNAVAILABLE,
] as const;
export type FlagEvent = (typeof FLAG_EVENTS)[number];

/** Flags that carry a media file (JPEG snapshot or audio clip). */
export const MEDIA_FLAG_EVENTS = [
  Event.FACE_ABSENCE,
  Event.MULTIPLE_FACE,
  Event.PERIODIC_SNAPSHOT,
  Event.SOUND_DETECTED,
  Event.FACE_MISMATCH,
  Event.IDENTITY_ENROLLED,
] as const;
export type MediaFlagEvent = (typeof MEDIA_FLAG_EVENTS)[number];

const ALL_EVENTS = new Set<string>(Object.values(Event));
const FLAG_SET = new Set<string>(FLAG_EVENTS);
const MEDIA_SET = new Set<string>(MEDIA_FLAG_EVENTS);

export function isEvent(name: unknown): name is Event {
  return typeof name === 'string' && ALL_EVENTS.has(name);
}
export function isFlagEvent(name: unknown): name is FlagEvent {
  return typeof name === 'string' && FLAG_SET.has(name);
}
export function isMediaFlagEvent(name: unknown): name is MediaFlagEvent {
  return typeof name === 'string' && MEDIA_SET.has(name);
}

/** Payload of each event, by name. `undefined` means the event carries no payload. */
export interface EventPayloadMap {
  [Event.STARTED]: undefined;
  [Event.END_PROCTORING]: undefined;
  [Event.SET_CONFIG]: { config: Record<string, unknown> };
  [Event.FULLSCREEN_CHANGE]: { fullscreen: boolean };
  [Event.EXIT_FULLSCREEN]: FlagData;
  /** On return, `awayMs` and `flagId` (the TAB_NOT_FOCUS flag this return closes) let the relay record the duration. */
  [Event.TAB_FOCUS_CHANGE]: { focused: boolean; awayMs?: number; flagId?: string };
  [Event.TAB_NOT_FOCUS]: FlagData;
  [Event.FACE_ABSENCE]: FlagDataWithFile;
  [Event.MULTIPLE_FACE]: FlagDataWithFile;
  [Event.PERIODIC_SNAPSHOT]: FlagDataWithFile;
  [Event.SOUND_DETECTED]: FlagDataWithFile;
  [Event.SYSTEM_CHECK_STARTED]: undefined;
  [Event.SYSTEM_CHECK_COMPLETED]: SystemCheck;
  [Event.DEVTOOLS_OPEN]: FlagData;
  [Event.CAMERA_LOST]: FlagData;
  [Event.MICROPHONE_LOST]: FlagData;
  [Event.CALIBRATION_COMPLETED]: Calibration;
  [Event.PAUSED]: { reason: string };
  [Event.RESUMED]: undefined;
  [Event.RELAY_REJECTED]: RelayRejection;
  /** `details.confidence` = similarity to the enrollment (0..1), `details.reEnrolled`; JPEG of the frame. */
  [Event.FACE_MISMATCH]: FlagDataWithFile;
  /** JPEG of an enrollment frame; `details.confidence` and `details.referenceMatch` when a reference image was given. */
  [Event.IDENTITY_ENROLLED]: FlagDataWithFile;
  [Event.IDENTITY_UNAVAILABLE]: FlagData;
  [Event.CONSENT_GIVEN]: ConsentAnswer;
  [Event.CONSENT_DECLINED]: ConsentAnswer;
}

/**
 * Event names as string literals: hosts write `widget.on('FACE_ABSENCE', cb)`; the enum members are
 * assignable too (`Event.FACE_ABSENCE`).
 */
export type EventName = `${Event}`;

/** Payload of each event, keyed by the name as a string literal (for hosts' typings: JSX, Vue, `on()`). */
export type EventPayloadByName = { [K in Event as `${K}`]: EventPayloadMap[K] };

/** One emitted event, as carried on the widget's merged RxJS stream. */
export type EyeEmission = {
  [K in Event]: { type: K; payload: EventPayloadMap[K] };
}[Event];

/** Human-readable default descriptions for flags. */
export const FLAG_DESCRIPTIONS: Record<FlagEvent, string> = {
  [Event.EXIT_FULLSCREEN]: 'Candidate left fullscreen',
  [Event.TAB_NOT_FOCUS]: 'Candidate switched tab or window',
  [Event.FACE_ABSENCE]: 'No face visible',
  [Event.MULTIPLE_FACE]: 'More than one face visible',
  [Event.PERIODIC_SNAPSHOT]: 'Periodic snapshot',
  [Event.SOUND_DETECTED]: 'Sound above threshold',
  [Event.DEVTOOLS_OPEN]: 'Developer tools appear to be open',
  [Event.CAMERA_LOST]: 'Camera stopped or detection stalled',
  [Event.MICROPHONE_LOST]: 'Microphone stopped',
  [Event.FACE_MISMATCH]: 'Face does not match the enrolled candidate',
  [Event.IDENTITY_ENROLLED]: 'Candidate face enrolled',
  [Event.IDENTITY_UNAVAILABLE]: 'Identity check unavailable',
};
