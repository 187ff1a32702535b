/** The audit log: every reviewer action (who, what, when), written in the action's own transaction. */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { SignedInReviewer } from './auth.js';
import type { ConsoleAuditRow } from './tables.js';
import { nowIso } from '../clock.js';

export interface AuditEntry {
  action: string;
  targetType?: string;
  targetId?: string;
  sessionId?: string | null;
  details?: Record<string, unknown>;
}

export async function audit(db: Kysely<Database>, reviewer: SignedInReviewer, entry: AuditEntry): Promise<void> {
  await db
    .insertInto('console_audit')
    .values({
      id: randomUUID(),
      tenant_id: reviewer.tenantId,
      actor_type: 'reviewer',
      actor_id: reviewer.id,
      actor_email: reviewer.email,
      action: entry.action,
      target_type: entry.targetType ?? null,
      target_id: entry.targetId ?? null,
      session_id: entry.sessionId ?? null,
      details: entry.details ? JSON.stringify(entry.details) : null,
      created_at: nowIso(),
    })
    .execute();
}

export function auditJson(r: ConsoleAuditRow) {
  let details: unknown = null;
  try {
    details = r.details ? JSON.parse(r.details) : null;
  } catch {
    details = null;
  }
  return {
    id: r.id,
    at: r.created_at,
    actor: { type: r.actor_type, id: r.actor_id, email: r.actor_email },
    action: r.action,
    target: r.target_type ? { type: r.target_type, id: r.target_id } : null,
    sessionId: r.session_id,
    details,
  };
}

/** The tenant's audit log, newest first, optionally of one session; `before` pages back. */
export async function listAudit(db: Kysely<Database>, tenantId: string, filter: { sessionId?: string; limit: number; before?: string }) {
  const rows = await db
    .selectFrom('console_audit')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .$call((q) => (filter.sessionId !== undefined ? q.where('session_id', '=', filter.sessionId) : q))
    .$call((q) => (filter.before !== undefined ? q.where('created_at', '<', filter.before) : q))
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(filter.limit)
    .execute();
  return rows.map(auditJson);
}
