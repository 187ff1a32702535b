import type { Migration } from 'kysely';
import { coreMigration } from './0001_core.js';
import { webhooksMigration } from './0002_webhooks.js';
import { tabSwitchDurationMigration } from './0003_tab_switch_duration.js';
import { riskEvidenceMigration } from './0004_risk_evidence.js';
import { identityReenrollMigration } from './0006_identity_reenroll.js';
import { consoleMigration } from './0008_console.js';
import { consentMigration } from './0010_consent.js';
import { mediaBlobsMigration } from './0011_media_blobs.js';
import { deliveryClaimOrderMigration } from './0012_delivery_claim_order.js';
import { flagCountsMigration } from './0013_flag_counts.js';
import { flagIndexesMigration } from './0014_flag_indexes.js';

/**
 * Every migration, in order. Kysely runs them sorted by name, so names start with a 4-digit
 * number. To add one: create `NNNN_name.ts` in this folder and add ONE line below.
 * Each must run unchanged on SQLite and PostgreSQL (see schema.ts for the portable types).
 */
export const migrations: Record<string, Migration> = {
  '0001_core': coreMigration,
  '0002_webhooks': webhooksMigration,
  '0003_tab_switch_duration': tabSwitchDurationMigration,
  '0004_risk_evidence': riskEvidenceMigration,
  '0006_identity_reenroll': identityReenrollMigration,
  '0008_console': consoleMigration,
  '0010_consent': consentMigration,
  '0011_media_blobs': mediaBlobsMigration,
  '0012_delivery_claim_order': deliveryClaimOrderMigration,
  '0013_flag_counts': flagCountsMigration,
  '0014_flag_indexes': flagIndexesMigration,
};
