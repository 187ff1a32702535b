import type { Kysely, Migration } from 'kysely';

/**
 * When a proctor asked the widget to enroll the candidate's face again (POST
 * /v1/sessions/{id}/re-enroll). While set, flag responses carry the `re-enroll` directive; the
 * next IDENTITY_ENROLLED received after it clears it.
 */
export const identityReenrollMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('sessions').addColumn('reenroll_requested_at', 'text').execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('sessions').dropColumn('reenroll_requested_at').execute();
  },
};
