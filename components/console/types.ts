/** Shapes of the relay's console API answers (backend-stub/src/routes/console-*.ts). */

export type SessionStatus = 'CREATED' | 'IN_PROGRESS' | 'PAUSED' | 'STOPPED' | 'SUSPENDED' | 'COMPLETED';
export const SESSION_STATUSES: readonly SessionStatus[] = ['CREATED', 'IN_PROGRESS', 'PAUSED', 'STOPPED', 'SUSPENDED', 'COMPLETED'];
export const ENDED: readonly SessionStatus[] = ['STOPPED', 'SUSPENDED', 'COMPLETED'];

export interface ConsoleMe {
  reviewer: { id: string; tenantId: string; email: string; role: 'admin' | 'reviewer' };
  tenant: { id: string; name: string } | null;
  csrfToken: string;
}

export interface SessionSummary {
  id: string;
  exam_id: string;
  candidate_id: string;
  status: SessionStatus;
  risk_score: number;
  started_at: string | null;
  ended_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface SessionListQuery {
  exam_id?: string;
  status?: string;
  risk_min?: number;
  risk_max?: number;
  from?: string;
  to?: string;
  q?: string;
  sort: string;
  order: 'asc' | 'desc';
  page: number;
  page_size: number;
}

export interface SessionListPage {
  sessions: SessionSummary[];
  total: number;
  page: number;
  page_size: number;
}

export interface ReportFlag {
  id: string;
  type: string;
  description: string;
  created_at: string;
  details: Record<string, unknown> | null;
  media: { id: string; content_type: string; size: number; sha256: string } | null;
  media_url: string | null;
}

export interface IncidentHistoryEntry {
  at: string;
  status: string;
  fromStatus: string | null;
  severity: string;
  notes: string | null;
  actor: string;
}

export interface ReportIncident {
  id: string;
  rule: string;
  description: string;
  status: 'TRIGGERED' | 'RESOLVED' | 'DISMISSED' | 'REOPENED';
  severity: 'LOW' | 'MEDIUM' | 'HIGH';
  start_time: string;
  end_time: string | null;
  resolution_notes: string | null;
  history: IncidentHistoryEntry[];
}

export interface SessionReport {
  id: string;
  exam_id: string;
  candidate_id: string;
  status: SessionStatus;
  started_at: string | null;
  ended_at: string | null;
  exit_reason: string | null;
  created_at: string;
  events_summary: Record<string, number>;
  flags: ReportFlag[];
  risk: {
    score: number;
    level: 'normal' | 'escalated' | 'critical';
    evaluatedAt: string | null;
    escalationThreshold: number;
    criticalThreshold: number;
    evidence: { flagId: string; type: string; at: string; weight: number; contribution: number }[];
  };
  incidents: ReportIncident[];
  generated_at: string;
}

export interface AuditEntry {
  id: string;
  at: string;
  actor: { type: string; id: string | null; email: string | null };
  action: string;
  target: { type: string; id: string | null } | null;
  details: Record<string, unknown> | null;
}

export interface SessionDetail extends SessionReport {
  audit: AuditEntry[];
}

export interface WebhookEndpoint {
  id: string;
  url: string;
  description: string | null;
  eventTypes: string[] | null;
  enabled: boolean;
  disabledReason: string | null;
  previousSecretExpiresAt: string | null;
  createdAt: string;
}

export interface WebhookDelivery {
  id: string;
  eventId: string;
  eventType: string;
  status: 'pending' | 'delivered' | 'undelivered';
  attemptCount: number;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: string;
  attempts: { attempt: number; startedAt: string; statusCode: number | null; latencyMs: number | null; error: string | null }[];
}

export interface Reviewer {
  id: string;
  email: string;
  role: 'admin' | 'reviewer';
  disabled: boolean;
  lastSignInAt: string | null;
}
