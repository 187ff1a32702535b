import type { Kysely, Migration } from 'kysely';

/**
 * The session's risk evidence sum and when it was evaluated, so a new flag updates the score from
 * one row (risk/score.ts `carryEvidence`) instead of re-reading every flag of the session.
 * Existing sessions get the evidence their stored score implies (score = 1 - e^-evidence).
 */
/** The columns this migration reads and writes (the schema as of this migration). */
interface RiskEvidenceTables {
  sessions: { id: string; risk_score: number; updated_at: string; risk_evidence: number; risk_evaluated_at: string | null };
}

export const riskEvidenceMigration: Migration = {
  async up(db: Kysely<RiskEvidenceTables>): Promise<void> {
    await db.schema.alterTable('sessions').addColumn('risk_evidence', 'double precision', (c) => c.notNull().defaultTo(0)).execute();
    await db.schema.alterTable('sessions').addColumn('risk_evaluated_at', 'text').execute();
    const scored = await db.selectFrom('sessions').select(['id', 'risk_score', 'updated_at']).where('risk_score', '>', 0).execute();
    for (const s of scored) {
      const score = Math.min(s.risk_score, 0.9999);
      await db.updateTable('sessions').set({ risk_evidence: -Math.log(1 - score), risk_evaluated_at: s.updated_at }).where('id', '=', s.id).execute();
    }
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('sessions').dropColumn('risk_evaluated_at').execute();
    await db.schema.alterTable('sessions').dropColumn('risk_evidence').execute();
  },
};
