/**
 * Incidents: opened by rules (rules.ts) from flags inside the flag's transaction, changed by
 * operators through PATCH /v1/incidents/{id}. Every creation and change is a webhook
 * (incident.instance.create / incident.instance.updated) written to the same transaction's outbox.
 */
import type { Kysely } from 'kysely';
import type { Database, SessionRow } from '../db/schema.js';
import { hotQuery } from '../db/hot-sql.js';
import { httpError } from '../errors.js';
import { examRiskSettings } from '../risk/service.js';
import type { CatalogEvent } from '../webhooks/catalog.js';
import { enqueueEvent, isPostgres, newId } from '../webhooks/outbox.js';
import type { IncidentRow, IncidentSeverity, IncidentStatus } from './tables.js';
import { recordIncidentChange, type IncidentActor } from './history.js';
import { SEVERITY_RANK, type RuleHit } from './rules.js';
import { nowIso } from '../clock.js';
import { omit } from '../omit.js';

export const INCIDENT_STATUSES: readonly IncidentStatus[] = ['TRIGGERED', 'RESOLVED', 'DISMISSED', 'REOPENED'];
export const INCIDENT_SEVERITIES: readonly IncidentSeverity[] = ['LOW', 'MEDIUM', 'HIGH'];
export const OPEN_STATUSES: readonly IncidentStatus[] = ['TRIGGERED', 'REOPENED'];

/** Allowed status changes: close an open incident (resolve / dismiss) or reopen a closed one. */
const TRANSITIONS: Record<IncidentStatus, readonly IncidentStatus[]> = {
  TRIGGERED: ['RESOLVED', 'DISMISSED'],
  REOPENED: ['RESOLVED', 'DISMISSED'],
  RESOLVED: ['REOPENED'],
  DISMISSED: ['REOPENED'],
};

export function canChangeIncident(from: IncidentStatus, to: IncidentStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** The incident object of webhooks and API answers. */
export function incidentJson(row: IncidentRow) {
  return {
    id: row.id,
    description: row.description,
    status: row.status,
    severity: row.severity,
    start_time: row.start_time,
    end_time: row.end_time,
    resolution_notes: row.resolution_notes,
    tenant_id: row.tenant_id,
    created_at: row.created_at,
    updated_at: row.updated_at,
    session_id: row.session_id,
    exam_id: row.exam_id,
    rule: row.rule,
  };
}

function incidentEvent(
  kind: 'incident.instance.create' | 'incident.instance.updated',
  incident: IncidentRow,
  session: SessionRow,
  urgent: boolean,
): CatalogEvent {
  const incidentData = omit(incidentJson(incident), 'session_id', 'exam_id', 'rule');
  return {
    eventType: kind,
    occurredAt: incident.updated_at,
    data: {
      exam_id: session.exam_id,
      session_id: session.id,
      candidate_id: session.candidate_id,
      occurred_at: incident.updated_at,
      incident: incidentData,
      session: {
        id: session.id,
        uuid: session.id,
        status: session.status,
        score: session.risk_score,
        created_at: session.created_at,
        updated_at: session.updated_at,
      },
      urgent,
    },
    mediaId: null,
  };
}

async function publish(
  trx: Kysely<Database>,
  kind: 'incident.instance.create' | 'incident.instance.updated',
  incident: IncidentRow,
  session: SessionRow,
  urgent: boolean,
): Promise<void> {
  await enqueueEvent(trx, { tenantId: session.tenant_id, sessionId: session.id, event: incidentEvent(kind, incident, session, urgent) });
}

export interface RuleContext {
  /** The session's score is at or above the exam's critical threshold. */
  urgent: boolean;
  /** This flag took the score across the critical threshold. */
  crossedCritical: boolean;
}

/** What the flag path needs of a session's open incidents (at most one per rule: incidents_open_uq). */
export type OpenIncident = Pick<IncidentRow, 'id' | 'rule' | 'severity'>;
/** Statuses of an open incident as SQL literals (constants, so statements that read open incidents keep fixed text). */
export const OPEN_STATUSES_SQL = OPEN_STATUSES.map((s) => `'${s}'`).join(', ');
/**
 * SQLite: a session's open incidents as one JSON array column (its text) of a statement that reads
 * the session (`sessionColumn`); the flag path's lock reads them with the session row
 * (sessions/service.ts).
 */
export function openIncidentsJsonSql(sessionColumn: string): string {
  return `(select json_group_array(json_object('id', i.id, 'rule', i.rule, 'severity', i.severity)) from incidents i where i.session_id = ${sessionColumn} and i.status in (${OPEN_STATUSES_SQL}))`;
}

/** The value of an openIncidentsJsonSql column. */
export function openIncidentsOf(value: unknown): OpenIncident[] {
  return JSON.parse(String(value)) as OpenIncident[];
}

/** A session's open incidents; fixed SQL, run for a flag with rule hits when its lock did not read them. */
const SELECT_OPEN_INCIDENTS = `select id, rule, severity from incidents where session_id = ? and status in (${OPEN_STATUSES_SQL})`;
const INCIDENT_COLUMNS: readonly (keyof IncidentRow)[] = ['id', 'tenant_id', 'session_id', 'exam_id', 'rule', 'description', 'status', 'severity', 'start_time', 'end_time', 'resolution_notes', 'created_at', 'updated_at'];
const INSERT_INCIDENT = `insert into incidents (${INCIDENT_COLUMNS.join(', ')}) values (${INCIDENT_COLUMNS.map(() => '?').join(', ')}) returning *`;

/**
 * Applies rule hits for one flag (caller holds the session's lock): opens incidents that are not
 * open yet, raises the severity of open ones, and re-announces the risk incident, urgent, when the
 * score crosses the critical threshold.
 */
export async function applyRuleHits(trx: Kysely<Database>, session: SessionRow, hits: RuleHit[], ctx: RuleContext, readOpen?: OpenIncident[]): Promise<void> {
  if (hits.length === 0) return;
  // One read for all hits (a flag often hits its own rule and RISK_ESCALATION), unless the caller
  // read them already in this transaction; the session's lock keeps it current.
  const openIncidents = readOpen ?? (await hotQuery<OpenIncident>(trx, SELECT_OPEN_INCIDENTS, [session.id]));
  const openByRule = new Map(openIncidents.map((i) => [i.rule, i]));
  for (const hit of hits) {
    const now = nowIso();
    const open = openByRule.get(hit.rule);
    if (!open) {
      const incident: IncidentRow = {
        id: newId('inc'),
        tenant_id: session.tenant_id,
        session_id: session.id,
        exam_id: session.exam_id,
        rule: hit.rule,
        description: hit.description,
        status: 'TRIGGERED',
        severity: hit.severity,
        start_time: now,
        end_time: null,
        resolution_notes: null,
        created_at: now,
        updated_at: now,
      };
      const [row] = await hotQuery<IncidentRow>(trx, INSERT_INCIDENT, INCIDENT_COLUMNS.map((c) => incident[c]));
      if (!row) throw new Error('incident insert returned no row');
      await publish(trx, 'incident.instance.create', row, session, ctx.urgent);
      continue;
    }
    const raise = SEVERITY_RANK[hit.severity] > SEVERITY_RANK[open.severity];
    const escalate = hit.rule === 'RISK_ESCALATION' && ctx.crossedCritical;
    if (!raise && !escalate) continue;
    const row = await trx
      .updateTable('incidents')
      .set({ severity: raise ? hit.severity : open.severity, description: hit.description, updated_at: now })
      .where('id', '=', open.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await publish(trx, 'incident.instance.updated', row, session, ctx.urgent);
  }
}

export interface IncidentPatch {
  status?: IncidentStatus;
  severity?: IncidentSeverity;
  resolution_notes?: string | null;
}

export interface IncidentChangeOptions {
  /** Recorded in the incident's history (default "api"). */
  actor?: IncidentActor;
  /** Runs inside the change's transaction after a real change (the console's audit log). */
  afterChange?: (trx: Kysely<Database>, before: IncidentRow, after: IncidentRow) => Promise<void>;
}

/** PATCH /v1/incidents/{id}: one transaction; 404 / 409 as HttpErrors; a change is a webhook and a history row. */
export async function changeIncident(
  db: Kysely<Database>,
  tenantId: string,
  id: string,
  patch: IncidentPatch,
  opts: IncidentChangeOptions = {},
): Promise<IncidentRow> {
  return db.transaction().execute(async (trx) => {
    const current = await trx
      .selectFrom('incidents')
      .selectAll()
      .where('id', '=', id)
      .where('tenant_id', '=', tenantId)
      .$if(isPostgres(trx), (q) => q.forUpdate())
      .executeTakeFirst();
    if (!current) throw httpError(404, 'incident_not_found', 'incident not found');

    const status = patch.status ?? current.status;
    if (status !== current.status) {
      if (!canChangeIncident(current.status, status)) {
        throw httpError(409, 'invalid_transition', `cannot change incident status from ${current.status} to ${status}`);
      }
      if (status === 'REOPENED') {
        const other = await trx
          .selectFrom('incidents')
          .select('id')
          .where('session_id', '=', current.session_id)
          .where('rule', '=', current.rule)
          .where('status', 'in', OPEN_STATUSES)
          .executeTakeFirst();
        if (other) throw httpError(409, 'already_open', `incident ${other.id} for the same rule is open; update that one`);
      }
    }
    const severity = patch.severity ?? current.severity;
    const notes = patch.resolution_notes === undefined ? current.resolution_notes : patch.resolution_notes;
    if (status === current.status && severity === current.severity && notes === current.resolution_notes) return current;

    const now = nowIso();
    const closing = status !== current.status && (status === 'RESOLVED' || status === 'DISMISSED');
    const reopening = status !== current.status && status === 'REOPENED';
    const row = await trx
      .updateTable('incidents')
      .set({
        status,
        severity,
        resolution_notes: notes,
        updated_at: now,
        ...(closing ? { end_time: now } : {}),
        ...(reopening ? { end_time: null } : {}),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    const session = await trx.selectFrom('sessions').selectAll().where('id', '=', row.session_id).executeTakeFirstOrThrow();
    const settings = await examRiskSettings(trx, session.tenant_id, session.exam_id);
    await publish(trx, 'incident.instance.updated', row, session, session.risk_score >= settings.criticalThreshold);
    await recordIncidentChange(trx, current, row, opts.actor ?? 'api');
    await opts.afterChange?.(trx, current, row);
    return row;
  });
}

export async function listIncidents(
  db: Kysely<Database>,
  tenantId: string,
  filter: { sessionId?: string; status?: IncidentStatus; limit?: number },
): Promise<IncidentRow[]> {
  let q = db.selectFrom('incidents').selectAll().where('tenant_id', '=', tenantId);
  if (filter.sessionId) q = q.where('session_id', '=', filter.sessionId);
  if (filter.status) q = q.where('status', '=', filter.status);
  return q.orderBy('created_at', 'desc').orderBy('id').limit(filter.limit ?? 100).execute();
}
