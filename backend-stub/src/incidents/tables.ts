/** Table types of incidents (migration 0002_webhooks); listed in db/schema.ts `Database`. */
import type { Selectable } from 'kysely';

export type IncidentStatus = 'TRIGGERED' | 'RESOLVED' | 'DISMISSED' | 'REOPENED';
export type IncidentSeverity = 'LOW' | 'MEDIUM' | 'HIGH';

export interface IncidentsTable {
  id: string;
  tenant_id: string;
  session_id: string;
  exam_id: string;
  /** Rule that opened it (incidents/rules.ts); open incidents are unique per session + rule. */
  rule: string;
  description: string;
  status: IncidentStatus;
  severity: IncidentSeverity;
  start_time: string;
  end_time: string | null;
  resolution_notes: string | null;
  created_at: string;
  updated_at: string;
}

export type IncidentRow = Selectable<IncidentsTable>;
