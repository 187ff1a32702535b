import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { IncidentsTable } from '../incidents/tables.js';
import type {
  WebhookAttemptsTable,
  WebhookDeliveriesTable,
  WebhookEndpointsTable,
  WebhookEventsTable,
} from '../webhooks/tables.js';
import type {
  ConsoleAuditTable,
  ConsoleSessionsTable,
  ConsoleSignInFailuresTable,
  IncidentHistoryTable,
  ReviewersTable,
} from '../console/tables.js';

/**
 * Table types for Kysely. One interface per table, listed in `Database` at the bottom.
 * Portable storage rules (SQLite and PostgreSQL share the migrations):
 * - timestamps are ISO-8601 UTC text (`new Date().toISOString()`), so they sort as text;
 * - JSON is stored as text (serialise with JSON.stringify, parse on read);
 * - booleans are integers 0/1; ids are text (UUIDs or client-supplied flag ids).
 * Other modules add their tables here: add an interface and one line in `Database`.
 */

export type SessionStatus = 'CREATED' | 'IN_PROGRESS' | 'PAUSED' | 'STOPPED' | 'SUSPENDED' | 'COMPLETED';

export interface TenantsTable {
  id: string;
  name: string;
  created_at: string;
}

export interface ApiKeysTable {
  id: string;
  tenant_id: string;
  /** hex SHA-256 of the full key; the key itself is never stored. */
  key_hash: string;
  /** First characters of the key, for operators to recognise it. */
  prefix: string;
  label: string | null;
  created_at: string;
  revoked_at: string | null;
}

export interface ExamsTable {
  tenant_id: string;
  id: string;
  name: string | null;
  escalation_threshold: ColumnType<number, number | undefined, number>;
  critical_threshold: ColumnType<number, number | undefined, number>;
  /** 1: the relay tells the widget to pause when the risk score reaches critical_threshold. */
  auto_pause: ColumnType<number, number | undefined, number>;
  /** JSON object of further per-exam settings. */
  settings: string | null;
  created_at: string;
  updated_at: string;
}

export interface SessionsTable {
  id: string;
  tenant_id: string;
  exam_id: string;
  candidate_id: string;
  status: SessionStatus;
  /** JSON object. */
  metadata: string;
  /** JSON (Calibration) or null. */
  calibration: string | null;
  started_at: string | null;
  ended_at: string | null;
  exit_reason: string | null;
  risk_score: ColumnType<number, number | undefined, number>;
  /** Σ of the flags' decayed weights at `risk_evaluated_at` (risk/score.ts); the score is 1 - e^-evidence. */
  risk_evidence: ColumnType<number, number | undefined, number>;
  /** When `risk_evidence` was last evaluated (ISO), null before the first scored flag. */
  risk_evaluated_at: string | null;
  /** A proctor's pending re-enroll request (ISO); the widget gets the `re-enroll` directive until it enrolls again. */
  reenroll_requested_at: string | null;
  /** JSON (sessions/consent.ts `ConsentRecord`) or null before the candidate answered. */
  consent: ColumnType<string | null, string | null | undefined, string | null>;
  /**
   * JSON object: stored flags per flag type (`isFlagEvent` types), e.g. `{"TAB_NOT_FOCUS":3}`, kept
   * with the risk score under the session's lock; null before the first. The flag path reads its
   * type's count here instead of counting the session's flags.
   */
  flag_counts: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: string;
  updated_at: string;
}

export interface MediaTable {
  id: string;
  session_id: string;
  content_type: string;
  size: number;
  sha256: string;
  /** File name inside the media directory, chosen by the relay (never from input). */
  storage_name: string;
  created_at: string;
}

/** Committed media bytes when the media store is `database` (media/db-store.ts). */
export interface MediaBlobsTable {
  /** = media.storage_name. */
  storage_name: string;
  bytes: Buffer;
}

/** Every event a widget posted for a session (flags and lifecycle events such as STARTED). */
export interface FlagsTable {
  session_id: string;
  /** The widget's flag id, unique per session. */
  id: string;
  type: string;
  description: string;
  /** When the widget recorded it (client clock, ISO). */
  created_at: string;
  /** When the relay stored it (relay clock, ISO). */
  received_at: string;
  /** JSON FlagDetails or null. */
  details: string | null;
  /** JSON payload of non-flag events (SET_CONFIG, CALIBRATION_COMPLETED, ...) or null. */
  payload: string | null;
  media_id: string | null;
  /** SHA-256 over the canonical content, to tell a retry from a conflicting reuse of the id. */
  content_hash: string;
  /** TAB_NOT_FOCUS: milliseconds away (from the widget's return message, or the session end). */
  away_ms: number | null;
  /** 1 while this flag's webhook waits for its duration (TAB_NOT_FOCUS posted without one). */
  event_pending: Generated<number>;
}

export interface Database {
  tenants: TenantsTable;
  api_keys: ApiKeysTable;
  exams: ExamsTable;
  sessions: SessionsTable;
  media: MediaTable;
  media_blobs: MediaBlobsTable;
  flags: FlagsTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_events: WebhookEventsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  incidents: IncidentsTable;
  reviewers: ReviewersTable;
  console_sessions: ConsoleSessionsTable;
  console_sign_in_failures: ConsoleSignInFailuresTable;
  console_audit: ConsoleAuditTable;
  incident_history: IncidentHistoryTable;
}

export type Tenant = Selectable<TenantsTable>;
export type Exam = Selectable<ExamsTable>;
export type SessionRow = Selectable<SessionsTable>;
export type NewSession = Insertable<SessionsTable>;
export type SessionUpdate = Updateable<SessionsTable>;
export type MediaRow = Selectable<MediaTable>;
export type FlagRow = Selectable<FlagsTable>;
export type NewFlag = Insertable<FlagsTable>;

// Re-exported so table modules elsewhere can import everything from here.
export type { ColumnType, Generated };
