import type { Kysely, Migration } from 'kysely';

/**
 * Tab-switch durations. The widget posts TAB_NOT_FOCUS when the candidate leaves and names that
 * flag again (TAB_FOCUS_CHANGE `{focused:true, awayMs, flagId}`) on return. `away_ms` keeps the
 * measured time away without touching `details` (whose hash makes retries idempotent);
 * `event_pending` = 1 while the flag's proctoring_event.tab_switch waits for that duration.
 */
export const tabSwitchDurationMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('flags').addColumn('away_ms', 'integer').execute();
    await db.schema.alterTable('flags').addColumn('event_pending', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('flags').dropColumn('event_pending').execute();
    await db.schema.alterTable('flags').dropColumn('away_ms').execute();
  },
};
