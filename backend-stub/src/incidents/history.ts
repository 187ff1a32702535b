/**
 * Status history of incidents: one row per change (console or API), written in the change's
 * transaction. The opening (TRIGGERED) is the incident's own start_time, so rules write nothing.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { IncidentRow } from './tables.js';

/** Who changed an incident: a reviewer's email, or "api" (PATCH /v1/incidents/{id} with the API key). */
export type IncidentActor = string;

export async function recordIncidentChange(trx: Kysely<Database>, before: IncidentRow, after: IncidentRow, actor: IncidentActor): Promise<void> {
  await trx
    .insertInto('incident_history')
    .values({
      id: randomUUID(),
      incident_id: after.id,
      tenant_id: after.tenant_id,
      from_status: before.status,
      status: after.status,
      severity: after.severity,
      notes: after.resolution_notes,
      actor,
      created_at: after.updated_at,
    })
    .execute();
}

export interface IncidentHistoryEntry {
  at: string;
  status: string;
  fromStatus: string | null;
  severity: string;
  notes: string | null;
  actor: string;
}

/** Histories of the given incidents (opening included), oldest first, by incident id. */
export async function incidentHistories(db: Kysely<Database>, incidents: IncidentRow[]): Promise<Map<string, IncidentHistoryEntry[]>> {
  const out = new Map<string, IncidentHistoryEntry[]>(
    incidents.map((i) => [i.id, [{ at: i.start_time, status: 'TRIGGERED', fromStatus: null, severity: i.severity, notes: null, actor: `rule ${i.rule}` }]]),
  );
  if (incidents.length === 0) return out;
  const rows = await db
    .selectFrom('incident_history')
    .selectAll()
    .where(
      'incident_id',
      'in',
      incidents.map((i) => i.id),
    )
    .orderBy('created_at')
    .execute();
  for (const r of rows) {
    out.get(r.incident_id)?.push({ at: r.created_at, status: r.status, fromStatus: r.from_status, severity: r.severity, notes: r.notes, actor: r.actor });
  }
  return out;
}
