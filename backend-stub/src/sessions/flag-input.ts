import { createHash } from 'node:crypto';
import { FLAG_DESCRIPTIONS, isEvent, isFlagEvent, type Event } from '../../../src/events.js';
import { httpError } from '../errors.js';
import type { SessionClaims } from '../tokens.js';

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

/** JSON schema of a posted flag (JSON body, or the `flag` field of a multipart body). */
export const flagBodySchema = {
  type: 'object',
  required: ['type'],
  properties: {
    id: { type: 'string', pattern: FLAG_ID_PATTERN, description: 'Unique per session; repeats are idempotent.' },
    type: { type: 'string', maxLength: 64, description: 'An Event enum value (src/events.ts).' },
    description: { type: 'string', maxLength: 2000 },
    createdAt: { type: 'string', maxLength: 40, description: 'ISO-8601 time the widget recorded it.' },
    examId: { type: 'string', maxLength: 200 },
    candidateId: { type: 'string', maxLength: 200 },
    sessionId: { type: 'string', maxLength: 64 },
    details: {
      type: 'object',
      maxProperties: 32,
      description: 'Measurements: durationMs, confidence, faceCount, peakDb, countThisSession, ...',
      additionalProperties: { anyOf: [{ type: 'number' }, { type: 'string', maxLength: 200 }, { type: 'boolean' }, { type: 'null' }] },
    },
    payload: { type: 'object', description: 'Payload of non-flag events (SET_CONFIG, CALIBRATION_COMPLETED, SYSTEM_CHECK_COMPLETED, ...).' },
  },
  additionalProperties: true,
} as const;

const MAX_PAYLOAD_DEPTH = 32;

/** True when objects/arrays nest deeper than `max` (iterative: hostile input must not blow the stack). */
function depthExceeds(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (d > max) return true;
    for (const child of Object.values(v)) stack.push([child, d + 1]);
  }
  return false;
}

function bad(message: string, code = 'invalid_flag'): never {
  throw httpError(400, code, message);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Validates a posted event against the Event enum and the token's scope. */
export function parseFlagInput(raw: unknown, claims: SessionClaims): FlagInput {
  if (!isPlainObject(raw)) bad('flag must be a JSON object');
  const { id, type, description, createdAt, examId, candidateId, sessionId, details, payload } = raw;
  if (type === undefined) bad('type is required (an Event enum value)');
  if (!isEvent(type)) bad(`unknown event type ${JSON.stringify(String(type)).slice(0, 80)}`, 'unknown_event_type');
  if (id !== undefined && (typeof id !== 'string' || !FLAG_ID.test(id))) bad('id must match ' + FLAG_ID_PATTERN, 'invalid_flag_id');
  // NUL is refused because PostgreSQL text cannot store it.
  if (description !== undefined && (typeof description !== 'string' || description.length > 2000 || description.includes('\u0000'))) {
    bad('description must be a string of at most 2000 characters without NUL');
  }
  let created: string | null = null;
  if (createdAt !== undefined) {
    const ms = typeof createdAt === 'string' && createdAt.length <= 40 ? Date.parse(createdAt) : NaN;
    if (!Number.isFinite(ms)) bad('createdAt must be an ISO-8601 date');
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
    }
    det = details as FlagInput['details'];
  }
  if (payload !== undefined && payload !== null && !isPlainObject(payload)) bad('payload must be an object');
  if (isPlainObject(payload) && depthExceeds(payload, MAX_PAYLOAD_DEPTH)) bad(`payload nests deeper than ${MAX_PAYLOAD_DEPTH} levels`);
  if (type === 'CALIBRATION_COMPLETED' && !isPlainObject(payload)) bad('CALIBRATION_COMPLETED needs the calibration as payload');
  return {
    id: (id as string | undefined) ?? null,
    type,
    description: (description as string | undefined) ?? null,
    createdAt: created,
    details: det,
    payload: isPlainObject(payload) ? payload : null,
  };
}

/** Reads a flag from multipart fields: a `flag` JSON field, or one field per property. */
export function flagFromFields(fields: Record<string, string>): unknown {
  if (fields.flag !== undefined) {
    try {
      return JSON.parse(fields.flag);
    } catch {
      bad('the flag field is not valid JSON', 'invalid_json');
    }
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (k === 'details' || k === 'payload') {
      try {
        out[k] = JSON.parse(v);
      } catch {
        bad(`the ${k} field is not valid JSON`, 'invalid_json');
      }
    } else out[k] = v;
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
