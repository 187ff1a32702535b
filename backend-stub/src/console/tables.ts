/** Table types of the review console (migration 0008_console); listed in db/schema.ts `Database`. */
import type { Selectable } from 'kysely';

export type ReviewerRole = 'admin' | 'reviewer';
export const REVIEWER_ROLES: readonly ReviewerRole[] = ['admin', 'reviewer'];

export interface ReviewersTable {
  id: string;
  tenant_id: string;
  /** Lower-cased; unique per tenant. */
  email: string;
  display_name: string | null;
  role: ReviewerRole;
  /** `scrypt$N$r$p$<salt b64>$<hash b64>` (console/passwords.ts). */
  password_hash: string;
  disabled_at: string | null;
  last_sign_in_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface ConsoleSessionsTable {
  /** hex SHA-256 of the cookie value; the value itself is never stored. */
  token_hash: string;
  reviewer_id: string;
  tenant_id: string;
  created_at: string;
  /** Idle expiry, pushed forward on use, never past absolute_expires_at. */
  expires_at: string;
  absolute_expires_at: string;
  user_agent: string | null;
}

export interface ConsoleSignInFailuresTable {
  id: string;
  tenant_id: string;
  email: string;
  failed_at: string;
}

export interface ConsoleAuditTable {
  id: string;
  tenant_id: string;
  actor_type: 'reviewer' | 'api_key';
  actor_id: string | null;
  actor_email: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  session_id: string | null;
  /** JSON object or null. */
  details: string | null;
  created_at: string;
}

export interface IncidentHistoryTable {
  id: string;
  incident_id: string;
  tenant_id: string;
  from_status: string | null;
  status: string;
  severity: string;
  notes: string | null;
  /** Reviewer email, or "api" for a change through PATCH /v1/incidents/{id}. */
  actor: string;
  created_at: string;
}

export type ReviewerRow = Selectable<ReviewersTable>;
export type ConsoleAuditRow = Selectable<ConsoleAuditTable>;
