import type { WebhookEventRow } from './tables.js';
import { MEDIA_EVENT_TYPES } from './catalog.js';

/**
 * The JSON body of every delivery and of every replayed event (DESIGN.md "Webhooks"). A type alias,
 * not an interface, so it fits the `{ type: 'object' }` items of the replay route's response schema.
 */
export type Envelope = {
  id: string;
  event_type: string;
  meta: { version: 1; sent_at: string };
  data: Record<string, unknown>;
};

/**
 * Builds the envelope of a stored event at send (or replay) time: `sent_at` is now and
 * `media_url` is freshly signed, so every attempt carries a URL that has not expired.
 */
export function buildEnvelope(
  event: Pick<WebhookEventRow, 'id' | 'event_type' | 'data' | 'media_id'>,
  sentAt: Date,
  signMedia: (mediaId: string) => string,
): Envelope {
  const data = JSON.parse(event.data) as Record<string, unknown>;
  if (MEDIA_EVENT_TYPES.includes(event.event_type)) {
    data.media_url = event.media_id ? signMedia(event.media_id) : null;
  }
  return { id: event.id, event_type: event.event_type, meta: { version: 1, sent_at: sentAt.toISOString() }, data };
}
