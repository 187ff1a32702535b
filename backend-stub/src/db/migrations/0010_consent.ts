import type { Kysely, Migration } from 'kysely';

/**
 * The candidate's consent on the session (DESIGN.md "Consent"): a JSON object
 * `{ given, at, locale, version, external }` written when the widget reports CONSENT_GIVEN or
 * CONSENT_DECLINED; null until then. GET session and session.started carry it.
 */
export const consentMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('sessions').addColumn('consent', 'text').execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('sessions').dropColumn('consent').execute();
  },
};
