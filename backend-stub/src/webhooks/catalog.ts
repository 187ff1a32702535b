/**
 * The webhook event catalog (DESIGN.md "Webhooks") and how stored flags map onto it.
 * Envelope `data` always carries exam_id, session_id, candidate_id, occurred_at; the rest per type.
 */
import { Event } from '../../../src/events.js';
import type { FlagRow, SessionRow } from '../db/schema.js';
import { consentOf } from '../sessions/consent.js';
import type { EventsSummary } from '../sessions/view.js';

export const EVENT_TYPES = [
  'session.started',
  'session.ended',
  'proctoring_event.tab_switch',
  'proctoring_event.face_absent',
  'proctoring_event.face_mismatch',
  'proctoring_event.multiple_faces',
  'proctoring_event.audio_anomaly',
  'proctoring_event.fullscreen_exit',
  'proctoring_event.devtools_open',
  'proctoring_event.camera_lost',
  'proctoring_event.microphone_lost',
  'proctoring_event.snapshot',
  'incident.instance.create',
  'incident.instance.updated',
  /** Sent only by "send a test event", to that one endpoint. */
  'webhook.test',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Delivered only to endpoints that list them by exact name (high volume, privacy-sensitive). */
export const OPT_IN_EVENT_TYPES: readonly string[] = ['proctoring_event.snapshot'];

const FLAG_EVENT_TYPE: Partial<Record<string, EventType>> = {
  [Event.TAB_NOT_FOCUS]: 'proctoring_event.tab_switch',
  [Event.FACE_ABSENCE]: 'proctoring_event.face_absent',
  [Event.FACE_MISMATCH]: 'proctoring_event.face_mismatch',
  [Event.MULTIPLE_FACE]: 'proctoring_event.multiple_faces',
  [Event.SOUND_DETECTED]: 'proctoring_event.audio_anomaly',
  [Event.EXIT_FULLSCREEN]: 'proctoring_event.fullscreen_exit',
  [Event.DEVTOOLS_OPEN]: 'proctoring_event.devtools_open',
  [Event.CAMERA_LOST]: 'proctoring_event.camera_lost',
  [Event.MICROPHONE_LOST]: 'proctoring_event.microphone_lost',
  [Event.PERIODIC_SNAPSHOT]: 'proctoring_event.snapshot',
};

export function eventTypeOfFlag(flagType: string): EventType | null {
  return FLAG_EVENT_TYPE[flagType] ?? null;
}

/**
 * A subscription entry is an exact type or `prefix.*` (e.g. `proctoring_event.*`). Returns the
 * entries that are neither, for a 400.
 */
export function unknownEventTypes(list: readonly string[]): string[] {
  const known = new Set<string>(EVENT_TYPES);
  return list.filter((t) => {
    if (known.has(t)) return false;
    if (t === '*') return false;
    if (t.endsWith('.*')) return !EVENT_TYPES.some((k) => k.startsWith(t.slice(0, -1)));
    return true;
  });
}

/** Does an endpoint with this filter (null = everything not opt-in) receive `eventType`? */
export function endpointWants(filter: readonly string[] | null, eventType: string): boolean {
  if (filter?.includes(eventType)) return true;
  if (OPT_IN_EVENT_TYPES.includes(eventType)) return false;
  if (filter === null) return true;
  return filter.some((t) => t === '*' || (t.endsWith('.*') && eventType.startsWith(t.slice(0, -1))));
}

export interface CatalogEvent {
  eventType: EventType;
  occurredAt: string;
  /** Envelope data without media_url. */
  data: Record<string, unknown>;
  /** Media to sign into `media_url` at send time. */
  mediaId: string | null;
}

function base(session: Pick<SessionRow, 'id' | 'exam_id' | 'candidate_id'>, occurredAt: string) {
  return { exam_id: session.exam_id, session_id: session.id, candidate_id: session.candidate_id, occurred_at: occurredAt };
}

function parseJson(text: string | null): Record<string, unknown> {
  if (!text) return {};
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function pick(obj: Record<string, unknown>, ...names: string[]): unknown {
  for (const n of names) if (obj[n] !== undefined && obj[n] !== null) return obj[n];
  return null;
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export function sessionStartedEvent(session: SessionRow): CatalogEvent {
  const m = parseJson(session.metadata);
  const occurredAt = session.started_at ?? session.updated_at;
  return {
    eventType: 'session.started',
    occurredAt,
    data: {
      ...base(session, occurredAt),
      metadata: {
        browser_ua: pick(m, 'browser_ua', 'browserUa', 'userAgent', 'user_agent'),
        screen_resolution: pick(m, 'screen_resolution', 'screenResolution'),
        timezone: pick(m, 'timezone', 'timeZone'),
        sdk_version: pick(m, 'sdk_version', 'sdkVersion'),
      },
      // The candidate's consent in force when monitoring began (null: the widget reported none).
      consent: consentOf(session),
    },
    mediaId: null,
  };
}

export function sessionEndedEvent(
  session: SessionRow,
  exitReason: string,
  summary: EventsSummary,
  riskScore: number,
): CatalogEvent {
  const occurredAt = session.ended_at ?? session.updated_at;
  const start = Date.parse(session.started_at ?? session.created_at);
  const end = Date.parse(occurredAt);
  return {
    eventType: 'session.ended',
    occurredAt,
    data: {
      ...base(session, occurredAt),
      exit_reason: exitReason,
      total_duration_seconds: Number.isFinite(end - start) ? Math.max(0, Math.round((end - start) / 1000)) : 0,
      events_summary: summary,
      risk_score: riskScore,
    },
    mediaId: null,
  };
}

/** The proctoring_event.* for a stored flag, or null when the flag type is not in the catalog. */
export function flagEvent(session: SessionRow, flag: FlagRow, countThisSession: number): CatalogEvent | null {
  const eventType = eventTypeOfFlag(flag.type);
  if (!eventType) return null;
  const d = parseJson(flag.details);
  const common = { ...base(session, flag.created_at), flag_id: flag.id, description: flag.description };
  // away_ms: the tab-switch duration the relay learnt after the flag (sessions/tab-switch.ts).
  const durationMs = flag.away_ms ?? num(d.durationMs);
  const confidence = num(d.confidence);
  let extra: Record<string, unknown> = {};
  switch (eventType) {
    case 'proctoring_event.tab_switch':
      extra = { duration_ms: durationMs, count_this_session: countThisSession };
      break;
    case 'proctoring_event.face_absent':
      extra = { duration_ms: durationMs, confidence };
      break;
    case 'proctoring_event.face_mismatch':
      // confidence: similarity to the enrolled face (0..1); the embedding itself never leaves the device.
      extra = { confidence, re_enrolled: d.reEnrolled === true };
      break;
    case 'proctoring_event.multiple_faces':
      extra = { face_count: num(d.faceCount), confidence };
      break;
    case 'proctoring_event.audio_anomaly':
      extra = { peak_db: num(d.peakDb), duration_ms: durationMs, count_this_session: countThisSession };
      break;
    case 'proctoring_event.fullscreen_exit':
      extra = { count_this_session: countThisSession };
      break;
    default:
      extra = {};
  }
  return { eventType, occurredAt: flag.created_at, data: { ...common, ...extra }, mediaId: flag.media_id };
}

/** Event types whose envelope carries `media_url` (null when the flag came without a file). */
export const MEDIA_EVENT_TYPES: readonly string[] = [
  'proctoring_event.face_absent',
  'proctoring_event.face_mismatch',
  'proctoring_event.multiple_faces',
  'proctoring_event.audio_anomaly',
  'proctoring_event.snapshot',
];
