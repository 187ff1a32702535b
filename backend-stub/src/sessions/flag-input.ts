import { createHash } from 'node:crypto';
import { Event, FLAG_DESCRIPTIONS, isEvent, isFlagEvent } from '../../../src/events.js';
import { httpError } from '../errors.js';
import { checkJsonValue, parseJsonText } from '../json-body.js';
import { parseRfc3339 } from '../rfc3339.js';
import type { SessionClaims } from '../tokens.js';
import { checkConsentPayload, isConsentEvent } from './consent.js';

/** A flag id: letters, digits and `._:-`, not starting with a dot; never used as a path. */
export const FLAG_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$';
const FLAG_ID = new RegExp(FLAG_ID_PATTERN);

/** A posted event after validation, before defaults. */
export interface FlagInput {
  id: string | null;
  type: Event;
  description: string | null;
  createdAt: string | null;
  details: Record<string, number | string | boolean | null> | null;
  payload: Record<string, unknown> | null;
}

/** Bounds of the measurements the widget sends in `details` (anything else there is free-form). */
interface DetailRule {
  integer: boolean;
  minimum: number;
  maximum: number;
  description: string;
}

/** A week: longer than any exam; a larger duration is a broken clock or a forged flag. */
const MAX_DURATION_MS = 7 * 24 * 3600 * 1000;

export const DETAIL_RULES: Record<string, DetailRule> = {
  durationMs: { integer: true, minimum: 0, maximum: MAX_DURATION_MS, description: 'How long it lasted, ms (integer, 0..7 days).' },
  awayMs: { integer: true, minimum: 0, maximum: MAX_DURATION_MS, description: 'Time away from the tab, ms (integer, 0..7 days).' },
  countThisSession: { integer: true, minimum: 0, maximum: 1_000_000, description: 'Running count of this kind in the session (integer, 0..1,000,000).' },
  faceCount: { integer: true, minimum: 0, maximum: 1000, description: 'Faces in the frame (integer, 0..1000).' },
  confidence: { integer: false, minimum: 0, maximum: 1, description: 'Detector confidence or face similarity, 0..1.' },
  // dBFS RMS. Web Audio float samples are not clamped to +-1, so an over-driven input (gain, AGC)
  // can read a little above 0 dBFS: +6 dB is samples at twice full scale. -160 dB is below the
  // noise floor of 24-bit audio; the widget itself floors silence at -100.
  peakDb: { integer: false, minimum: -160, maximum: 6, description: 'Peak level in dBFS, -160..+6 (a little headroom above 0 for over-driven float input).' },
};

const detailProperties = Object.fromEntries(
  Object.entries(DETAIL_RULES).map(([k, r]) => [k, { type: r.integer ? 'integer' : 'number', minimum: r.minimum, maximum: r.maximum, description: r.description }]),
);

function checkDetail(key: string, value: unknown): void {
  const rule = DETAIL_RULES[key];
  if (!rule) return;
  const ok = typeof value === 'number' && Number.isFinite(value) && (!rule.integer || Number.isInteger(value)) && value >= rule.minimum && value <= rule.maximum;
  if (!ok) bad(`details.${key} must be ${rule.integer ? 'an integer' : 'a number'} in ${rule.minimum}..${rule.maximum}`, 'invalid_detail');
}

/** JSON schema of a posted flag (JSON body, or the `flag` field of a multipart body). */
export const flagBodySchema = {
  type: 'object',
  required: ['type'],
  properties: {
    id: { type: 'string', pattern: FLAG_ID_PATTERN, description: 'Unique per session; repeats are idempotent.' },
    type: { type: 'string', maxLength: 64, description: 'An Event enum value (src/events.ts).' },
    description: { type: 'string', maxLength: 2000 },
    createdAt: {
      type: 'string',
      maxLength: 40,
      description:
        'RFC 3339 date-time with a timezone (e.g. 2026-03-03T10:00:00.000Z) the widget recorded it; a real calendar date, ' +
        'at most EYE_CLOCK_SKEW_MS (default 5 minutes) ahead of the relay clock. Default: the time the relay received it.',
    },
    examId: { type: 'string', maxLength: 200 },
    candidateId: { type: 'string', maxLength: 200 },
    sessionId: { type: 'string', maxLength: 64 },
    details: {
      type: 'object',
      maxProperties: 32,
      description: 'Measurements: durationMs, confidence, faceCount, peakDb, countThisSession, ... (known ones range-checked; others: finite numbers, booleans, null, short strings)',
      properties: detailProperties,
      additionalProperties: { anyOf: [{ type: 'number' }, { type: 'string', maxLength: 200 }, { type: 'boolean' }, { type: 'null' }] },
    },
    payload: { type: 'object', description: 'Payload of non-flag events (SET_CONFIG, CALIBRATION_COMPLETED, SYSTEM_CHECK_COMPLETED, ...).' },
  },
  additionalProperties: true,
} as const;

function bad(message: string, code = 'invalid_flag'): never {
  throw httpError(400, code, message);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** How createdAt is judged: the relay's now and how far ahead of it a device clock may be. */
export interface FlagClock {
  nowMs: number;
  skewMs: number;
}

/** Validates a posted event against the Event enum, the token's scope and the relay's clock. */
export function parseFlagInput(raw: unknown, claims: SessionClaims, clock: FlagClock): FlagInput {
  if (!isPlainObject(raw)) bad('flag must be a JSON object');
  const { id, type, description, createdAt, examId, candidateId, sessionId, details, payload } = raw;
  if (type === undefined) bad('type is required (an Event enum value)');
  if (!isEvent(type)) bad(`unknown event type ${JSON.stringify(type).slice(0, 80)}`, 'unknown_event_type');
  if (id !== undefined && (typeof id !== 'string' || !FLAG_ID.test(id))) bad('id must match ' + FLAG_ID_PATTERN, 'invalid_flag_id');
  // NUL is refused because PostgreSQL text cannot store it.
  if (description !== undefined && (typeof description !== 'string' || description.length > 2000 || description.includes('\u0000'))) {
    bad('description must be a string of at most 2000 characters without NUL');
  }
  let created: string | null = null;
  if (createdAt !== undefined) {
    const ms = typeof createdAt === 'string' && createdAt.length <= 40 ? parseRfc3339(createdAt) : null;
    if (ms === null) bad('createdAt must be an RFC 3339 date-time with a timezone and a real date, e.g. 2026-03-03T10:00:00.000Z', 'invalid_created_at');
    if (ms > clock.nowMs + clock.skewMs) bad(`createdAt is more than ${clock.skewMs} ms ahead of the relay clock`, 'created_at_in_future');
    created = new Date(ms).toISOString();
  }
  if (examId !== undefined && examId !== claims.examId) throw httpError(403, 'scope_mismatch', 'examId does not match the session token');
  if (candidateId !== undefined && candidateId !== claims.candidateId) throw httpError(403, 'scope_mismatch', 'candidateId does not match the session token');
  if (sessionId !== undefined && sessionId !== claims.sessionId) throw httpError(403, 'scope_mismatch', 'sessionId does not match the session token');
  let det: FlagInput['details'] = null;
  if (details !== undefined && details !== null) {
    if (!isPlainObject(details) || Object.keys(details).length > 32) bad('details must be an object with at most 32 fields');
    for (const [k, v] of Object.entries(details)) {
      const ok = v === null || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && v.length <= 200);
      if (!ok || k.length > 64) bad(`details.${k.slice(0, 64)} must be a finite number, boolean, null or short string`);
      checkDetail(k, v);
    }
    det = details as FlagInput['details'];
  }
  if (payload !== undefined && payload !== null && !isPlainObject(payload)) bad('payload must be an object');
  if (type === Event.CALIBRATION_COMPLETED && !isPlainObject(payload)) bad('CALIBRATION_COMPLETED needs the calibration as payload');
  if (isConsentEvent(type)) checkConsentPayload(isPlainObject(payload) ? payload : null);
  return {
    id: id ?? null,
    type,
    description: description ?? null,
    createdAt: created,
    details: det,
    payload: isPlainObject(payload) ? payload : null,
  };
}

/** JSON-carrying multipart fields: text (parsed here) or an `application/json` part the multipart parser already decoded. */
const JSON_FIELDS = new Set(['flag', 'details', 'payload']);

/**
 * Reads a flag from multipart fields: a `flag` JSON field, or one field per property. JSON fields
 * go through the same parser and guard as a JSON body (json-body.ts).
 */
export function flagFromFields(fields: Record<string, unknown>): unknown {
  const json = (name: string, v: unknown) => {
    const what = `the ${name} field`;
    if (typeof v === 'string') return parseJsonText(v, what);
    checkJsonValue(v, what);
    return v;
  };
  if (fields.flag !== undefined) return json('flag', fields.flag);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (JSON_FIELDS.has(k)) out[k] = json(k, v);
    else if (typeof v === 'string') out[k] = v;
    else bad(`field ${k} must be text`, 'invalid_field');
  }
  return out;
}

export function defaultDescription(type: Event): string {
  return isFlagEvent(type) ? FLAG_DESCRIPTIONS[type] : type;
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (isPlainObject(v)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])]));
  return v;
}

/** Hash of what the client sent (before defaults), so an identical retry matches and a different reuse does not. */
export function flagContentHash(flag: FlagInput, mediaSha256: string | null): string {
  const body = JSON.stringify(
    canonical({ type: flag.type, description: flag.description, createdAt: flag.createdAt, details: flag.details, payload: flag.payload, media: mediaSha256 }),
  );
  return createHash('sha256').update(body).digest('hex');
}
