import type { Kysely, Migration } from 'kysely';

/**
 * The worker claims due deliveries `order by next_attempt_at, id` (webhooks/worker.ts). With an
 * index on (status, next_attempt_at) only, SQLite sorted every due row of the backlog in a
 * temporary B-tree on each claim; with `id` in the index both engines read the first rows in
 * order and stop at the limit. The new index covers every query of the old one.
 */
export const deliveryClaimOrderMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.createIndex('webhook_deliveries_claim_idx').on('webhook_deliveries').columns(['status', 'next_attempt_at', 'id']).execute();
    await db.schema.dropIndex('webhook_deliveries_due_idx').execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.createIndex('webhook_deliveries_due_idx').on('webhook_deliveries').columns(['status', 'next_attempt_at']).execute();
    await db.schema.dropIndex('webhook_deliveries_claim_idx').execute();
  },
};
