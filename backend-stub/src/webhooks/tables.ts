/** Table types of the webhook engine (migration 0002_webhooks); listed in db/schema.ts `Database`. */
import type { ColumnType, Selectable } from 'kysely';

/** `held`: waiting while its endpoint is disabled (webhooks/hold.ts); pending again when it is enabled. */
export const DELIVERY_STATUSES = ['pending', 'held', 'delivered', 'undelivered'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface WebhookEndpointsTable {
  id: string;
  tenant_id: string;
  url: string;
  description: string | null;
  /** JSON array of event types (exact or `prefix.*`); null = every type except opt-in ones. */
  event_types: string | null;
  /** Current `whsec_` secret, sealed with the relay secret (SecretBox). */
  secret_sealed: string;
  /** Secret before the last rotation; still signs until previous_secret_expires_at. */
  previous_secret_sealed: string | null;
  previous_secret_expires_at: string | null;
  enabled: ColumnType<number, number | undefined, number>;
  disabled_reason: string | null;
  disabled_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface WebhookEventsTable {
  /** `evt_...`: the envelope id and the Standard Webhooks `webhook-id`. */
  id: string;
  tenant_id: string;
  /** null for test events. */
  session_id: string | null;
  event_type: string;
  occurred_at: string;
  /** JSON envelope `data` without media_url (minted fresh at send time from media_id). */
  data: string;
  media_id: string | null;
  created_at: string;
}

export interface WebhookDeliveriesTable {
  id: string;
  tenant_id: string;
  event_id: string;
  endpoint_id: string;
  status: DeliveryStatus;
  /** Attempts started (incremented when a worker claims the delivery). */
  attempts: ColumnType<number, number | undefined, number>;
  /** When the next attempt is due; while claimed, the end of the claim's lease (then it is due again). */
  next_attempt_at: string;
  /** Worker holding the claim, null when not claimed. */
  lease_owner: string | null;
  last_status_code: number | null;
  last_error: string | null;
  delivered_at: string | null;
  redelivery_of: string | null;
  created_at: string;
  updated_at: string;
}

export interface WebhookAttemptsTable {
  id: string;
  delivery_id: string;
  attempt: number;
  worker_id: string;
  started_at: string;
  finished_at: string | null;
  status_code: number | null;
  latency_ms: number | null;
  error: string | null;
  response_excerpt: string | null;
}

export type WebhookEndpointRow = Selectable<WebhookEndpointsTable>;
export type WebhookEventRow = Selectable<WebhookEventsTable>;
export type WebhookDeliveryRow = Selectable<WebhookDeliveriesTable>;
export type WebhookAttemptRow = Selectable<WebhookAttemptsTable>;
