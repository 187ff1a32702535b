/**
 * What a reviewer sees of one session, and what a report shows: the session view of
 * GET /v1/sessions/{id} (flags with signed media URLs), the risk score with the evidence behind it
 * (each flag's decayed weight, docs/RISK.md), and incidents with their status history. The console
 * adds the audit log; the embeddable report does not.
 */
import type { Kysely } from 'kysely';
import type { RelayConfig } from '../config.js';
import type { Database, SessionRow } from '../db/schema.js';
import { httpError } from '../errors.js';
import { incidentHistories } from '../incidents/history.js';
import { incidentJson } from '../incidents/service.js';
import { flagEvidence, riskLevel, RISK_WEIGHTS } from '../risk/score.js';
import { examRiskSettings } from '../risk/service.js';
import { sessionView } from '../sessions/view.js';
import { nowIso } from '../clock.js';
import { omit } from '../omit.js';

export async function findSession(db: Kysely<Database>, tenantId: string, sessionId: string): Promise<SessionRow> {
  const session = await db.selectFrom('sessions').selectAll().where('id', '=', sessionId).where('tenant_id', '=', tenantId).executeTakeFirst();
  if (!session) throw httpError(404, 'session_not_found', 'session not found');
  return session;
}

/** The score and what makes it: flags with weight, newest evidence first, at the score's evaluation time. */
async function riskOf(db: Kysely<Database>, session: SessionRow, flags: { id: string; type: string; created_at: string }[]) {
  const settings = await examRiskSettings(db, session.tenant_id, session.exam_id);
  const at = session.risk_evaluated_at ?? session.updated_at;
  const evidence = flags
    .flatMap((f) => {
      const weight = RISK_WEIGHTS[f.type] ?? 0;
      if (weight <= 0) return [];
      return [{ flagId: f.id, type: f.type, at: f.created_at, weight, contribution: Math.round(flagEvidence(f.type, f.created_at, at) * 10_000) / 10_000 }];
    })
    .sort((a, b) => b.contribution - a.contribution);
  const score = session.risk_score;
  return {
    score,
    level: riskLevel(score, settings.escalationThreshold, settings.criticalThreshold),
    evaluatedAt: session.risk_evaluated_at,
    escalationThreshold: settings.escalationThreshold,
    criticalThreshold: settings.criticalThreshold,
    evidence,
  };
}

/** The session's report; media URLs are valid for `mediaTtlSeconds`. */
export async function sessionReport(db: Kysely<Database>, config: RelayConfig, session: SessionRow, mediaTtlSeconds: number) {
  const view = await sessionView(db, { ...config, mediaUrlTtlSeconds: Math.max(1, Math.floor(mediaTtlSeconds)) }, session);
  const rows = await db.selectFrom('incidents').selectAll().where('session_id', '=', session.id).orderBy('created_at').execute();
  const histories = await incidentHistories(db, rows);
  return {
    ...omit(view, 'incidents'),
    risk: await riskOf(db, session, view.flags),
    incidents: rows.map((r) => ({ ...incidentJson(r), history: histories.get(r.id) ?? [] })),
    generated_at: nowIso(),
  };
}

export type SessionReport = Awaited<ReturnType<typeof sessionReport>>;
