import type { Kysely } from 'kysely';
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

/** An exam row's risk settings; the defaults when there is no exam row. */
export function riskSettingsOf(exam: ExamRiskColumns | undefined): ExamRiskSettings {
  return {
    escalationThreshold: exam ? Number(exam.escalation_threshold) : DEFAULT_ESCALATION_THRESHOLD,
    criticalThreshold: exam ? Number(exam.critical_threshold) : DEFAULT_CRITICAL_THRESHOLD,
    autoPause: exam ? Number(exam.auto_pause) === 1 : false,
  };
}
