import type { Kysely } from 'kysely';
import type { RelayConfig } from '../config.js';
import type { Database, SessionRow } from '../db/schema.js';
import { signMediaUrl } from '../media/signed-url.js';
import { identityOf } from './identity.js';
import { consentOf } from './consent.js';

/** Counters of a session's flags, as in session.ended webhooks and GET /v1/sessions/{id}. */
export interface EventsSummary {
  tab_switches: number;
  face_absences: number;
  face_mismatches: number;
  multiple_faces: number;
  audio_anomalies: number;
  fullscreen_exits: number;
  devtools_opens: number;
}

const SUMMARY_KEYS: Record<string, keyof EventsSummary> = {
  TAB_NOT_FOCUS: 'tab_switches',
  FACE_ABSENCE: 'face_absences',
  FACE_MISMATCH: 'face_mismatches',
  MULTIPLE_FACE: 'multiple_faces',
  SOUND_DETECTED: 'audio_anomalies',
  EXIT_FULLSCREEN: 'fullscreen_exits',
  DEVTOOLS_OPEN: 'devtools_opens',
};

export async function eventsSummary(db: Kysely<Database>, sessionId: string): Promise<EventsSummary> {
  const rows = await db
    .selectFrom('flags')
    .select(['type', (eb) => eb.fn.countAll<number | string>().as('n')])
    .where('session_id', '=', sessionId)
    .where('type', 'in', Object.keys(SUMMARY_KEYS))
    .groupBy('type')
    .execute();
  const out: EventsSummary = { tab_switches: 0, face_absences: 0, face_mismatches: 0, multiple_faces: 0, audio_anomalies: 0, fullscreen_exits: 0, devtools_opens: 0 };
  for (const r of rows) {
    const key = SUMMARY_KEYS[r.type];
    if (key) out[key] = Number(r.n);
  }
  return out;
}

function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** A tab switch's time away, learnt after the flag (sessions/tab-switch.ts), shown as details.durationMs. */
function withDuration(details: unknown, awayMs: number | null): unknown {
  if (awayMs === null) return details;
  return { ...(details && typeof details === 'object' ? details : {}), durationMs: awayMs };
}

/** Incidents of a session (table from the webhook engine's migration), oldest first. */
async function incidentsOf(db: Kysely<Database>, sessionId: string) {
  return db
    .selectFrom('incidents')
    .select(['id', 'rule', 'description', 'status', 'severity', 'start_time', 'end_time', 'resolution_notes', 'created_at', 'updated_at'])
    .where('session_id', '=', sessionId)
    .orderBy('created_at')
    .execute();
}

/** Everything GET /v1/sessions/{id} returns (snake_case like the webhook payloads). */
export async function sessionView(db: Kysely<Database>, config: RelayConfig, session: SessionRow) {
  const flags = await db
    .selectFrom('flags')
    .leftJoin('media', 'media.id', 'flags.media_id')
    .select([
      'flags.id as id',
      'flags.type as type',
      'flags.description as description',
      'flags.created_at as created_at',
      'flags.received_at as received_at',
      'flags.details as details',
      'flags.payload as payload',
      'flags.media_id as media_id',
      'flags.away_ms as away_ms',
      'media.content_type as content_type',
      'media.size as size',
      'media.sha256 as sha256',
    ])
    .where('flags.session_id', '=', session.id)
    .orderBy('flags.created_at')
    .orderBy('flags.received_at')
    .orderBy('flags.id')
    .execute();
  const summary = await eventsSummary(db, session.id);
  return {
    id: session.id,
    exam_id: session.exam_id,
    candidate_id: session.candidate_id,
    status: session.status,
    metadata: parseJson(session.metadata) ?? {},
    calibration: parseJson(session.calibration),
    consent: consentOf(session),
    started_at: session.started_at,
    ended_at: session.ended_at,
    exit_reason: session.exit_reason,
    created_at: session.created_at,
    updated_at: session.updated_at,
    risk_score: session.risk_score,
    events_summary: summary,
    flags: flags.map((f) => ({
      id: f.id,
      type: f.type,
      description: f.description,
      created_at: f.created_at,
      received_at: f.received_at,
      details: withDuration(parseJson(f.details), f.away_ms),
      payload: parseJson(f.payload),
      media: f.media_id ? { id: f.media_id, content_type: f.content_type, size: Number(f.size), sha256: f.sha256 } : null,
      media_url: f.media_id ? signMediaUrl(config, f.media_id, config.mediaUrlTtlSeconds) : null,
    })),
    incidents: await incidentsOf(db, session.id),
    identity: { ...identityOf(flags.map((f) => ({ type: f.type, created_at: f.created_at, details: parseJson(f.details) }))), face_mismatches: summary.face_mismatches, reenroll_requested_at: session.reenroll_requested_at },
  };
}
