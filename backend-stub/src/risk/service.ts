import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { DEFAULT_CRITICAL_THRESHOLD, DEFAULT_ESCALATION_THRESHOLD } from './score.js';

export interface ExamRiskSettings {
  escalationThreshold: number;
  criticalThreshold: number;
  /** Pause the session (directive 'pause' to the widget) when the score crosses critical. */
  autoPause: boolean;
}

type ExamRiskColumns = { escalation_threshold: unknown; critical_threshold: unknown; auto_pause: unknown };

/** The exam's thresholds (core `exams` table), defaults if the exam row is missing. */
export async function examRiskSettings(db: Kysely<Database>, tenantId: string, examId: string): Promise<ExamRiskSettings> {
  const exam = await db
    .selectFrom('exams')
    .select(['escalation_threshold', 'critical_threshold', 'auto_pause'])
    .where('tenant_id', '=', tenantId)
    .where('id', '=', examId)
    .executeTakeFirst();
  return riskSettingsOf(exam);
}

/**
 * A stored flag's count in its session (itself included, index flags_session_type_idx) and its
 * exam's risk settings, in one query (one round trip instead of two on the ingest path).
 */
export async function flagCountAndRiskSettings(
  trx: Kysely<Database>,
  session: { id: string; tenant_id: string; exam_id: string },
  flagType: string,
): Promise<{ count: number; settings: ExamRiskSettings }> {
  const { rows } = await sql<ExamRiskColumns & { n: number | string; exam_found: unknown }>`
    select (select count(*) from flags where session_id = ${session.id} and type = ${flagType}) as n,
           e.id as exam_found, e.escalation_threshold, e.critical_threshold, e.auto_pause
    from (select 1 as one) as d left join exams e on e.tenant_id = ${session.tenant_id} and e.id = ${session.exam_id}`.execute(trx);
  const [row] = rows;
  if (!row) throw new Error('risk settings query returned no row');
  return { count: Number(row.n), settings: riskSettingsOf(row.exam_found == null ? undefined : row) };
}

function riskSettingsOf(exam: ExamRiskColumns | undefined): ExamRiskSettings {
  return {
    escalationThreshold: exam ? Number(exam.escalation_threshold) : DEFAULT_ESCALATION_THRESHOLD,
    criticalThreshold: exam ? Number(exam.critical_threshold) : DEFAULT_CRITICAL_THRESHOLD,
    autoPause: exam ? Number(exam.auto_pause) === 1 : false,
  };
}
