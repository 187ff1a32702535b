/**
 * The webhook payloads (DESIGN.md "Webhooks", docs/WEBHOOKS.md) as OpenAPI 3.1 `webhooks`: one
 * operation per event_type, the envelope with that type's `data`, so receivers can generate types.
 */
import { EVENT_TYPES, type EventType } from '../webhooks/catalog.js';

type Schema = Record<string, unknown>;

const nullable = (type: string): Schema => ({ type: [type, 'null'] });
const mediaUrl: Schema = { ...nullable('string'), format: 'uri', description: 'Signed, expiring URL of the exact bytes the widget sent' };
const countThisSession: Schema = { type: 'integer', minimum: 1 };

const incident: Schema = {
  type: 'object',
  required: ['id', 'status', 'severity'],
  properties: {
    id: { type: 'string' },
    description: { type: 'string' },
    status: { enum: ['TRIGGERED', 'RESOLVED', 'DISMISSED', 'REOPENED'] },
    severity: { enum: ['LOW', 'MEDIUM', 'HIGH'] },
    start_time: { type: 'string', format: 'date-time' },
    end_time: { ...nullable('string'), format: 'date-time' },
    resolution_notes: nullable('string'),
    tenant_id: { type: 'string' },
    created_at: { type: 'string', format: 'date-time' },
    updated_at: { type: 'string', format: 'date-time' },
  },
};

const incidentData: Schema = {
  incident,
  session: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      uuid: { type: 'string' },
      status: { enum: ['CREATED', 'IN_PROGRESS', 'PAUSED', 'STOPPED', 'SUSPENDED', 'COMPLETED'] },
      score: { type: 'number', minimum: 0, maximum: 1 },
      created_at: { type: 'string', format: 'date-time' },
      updated_at: { type: 'string', format: 'date-time' },
    },
  },
  urgent: { type: 'boolean', description: 'The risk score reached the critical threshold' },
};

/** `data` fields of each event type besides exam_id, session_id, candidate_id, occurred_at. */
const DATA: Record<EventType, Schema> = {
  'session.started': {
    metadata: {
      type: 'object',
      properties: { browser_ua: nullable('string'), screen_resolution: nullable('string'), timezone: nullable('string'), sdk_version: nullable('string') },
    },
    consent: {
      type: ['object', 'null'],
      description: "The candidate's consent in force when monitoring began; null when the widget reported none",
      properties: {
        given: { type: 'boolean' },
        at: { type: 'string', format: 'date-time' },
        locale: nullable('string'),
        version: { type: 'string', description: 'sha256:<hex> of the consent text shown, or the LMS label when external' },
        external: { type: 'boolean', description: 'The LMS collected consent itself' },
      },
    },
  },
  'session.ended': {
    exit_reason: nullable('string'),
    total_duration_seconds: nullable('number'),
    events_summary: {
      type: 'object',
      additionalProperties: { type: 'integer' },
      properties: Object.fromEntries(
        ['tab_switches', 'face_absences', 'face_mismatches', 'multiple_faces', 'audio_anomalies', 'fullscreen_exits', 'devtools_opens'].map((k) => [k, { type: 'integer' }]),
      ),
    },
    risk_score: { type: 'number', minimum: 0, maximum: 1 },
  },
  'proctoring_event.tab_switch': { duration_ms: nullable('number'), count_this_session: countThisSession },
  'proctoring_event.face_absent': { duration_ms: nullable('number'), confidence: nullable('number'), media_url: mediaUrl },
  'proctoring_event.face_mismatch': {
    confidence: { type: 'number', minimum: 0, maximum: 1, description: 'Similarity of the face seen to the enrolled one' },
    re_enrolled: { type: 'boolean', description: 'The enrollment compared with came from a re-enroll directive' },
    media_url: mediaUrl,
  },
  'proctoring_event.multiple_faces': { face_count: nullable('integer'), confidence: nullable('number'), media_url: mediaUrl },
  'proctoring_event.audio_anomaly': { peak_db: nullable('number'), duration_ms: nullable('number'), count_this_session: countThisSession, media_url: mediaUrl },
  'proctoring_event.fullscreen_exit': { count_this_session: countThisSession },
  'proctoring_event.devtools_open': {},
  'proctoring_event.camera_lost': {},
  'proctoring_event.microphone_lost': {},
  'proctoring_event.snapshot': { media_url: mediaUrl },
  'incident.instance.create': incidentData,
  'incident.instance.updated': incidentData,
  'webhook.test': {},
};

/** Component name of an event type's envelope: `proctoring_event.face_absent` -> `WebhookProctoringEventFaceAbsent`. */
export const webhookSchemaName = (eventType: string): string =>
  'Webhook' + eventType.split(/[._]/).map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');

function envelope(eventType: EventType): Schema {
  return {
    type: 'object',
    required: ['id', 'event_type', 'meta', 'data'],
    properties: {
      id: { type: 'string', pattern: '^evt_', description: 'Stable across retries (= webhook-id header)' },
      event_type: { const: eventType },
      meta: { $ref: '#/components/schemas/WebhookMeta' },
      data: {
        type: 'object',
        required: ['exam_id', 'session_id', 'candidate_id', 'occurred_at'],
        properties: {
          exam_id: { type: 'string' },
          session_id: { type: 'string' },
          candidate_id: { type: 'string' },
          occurred_at: { type: 'string', format: 'date-time' },
          ...DATA[eventType],
        },
      },
    },
  };
}

/** Component schemas of the webhook envelopes. */
export function webhookSchemas(): Record<string, Schema> {
  return {
    WebhookMeta: {
      type: 'object',
      required: ['version', 'sent_at'],
      properties: { version: { const: 1 }, sent_at: { type: 'string', format: 'date-time' } },
    },
    ...Object.fromEntries(EVENT_TYPES.map((t) => [webhookSchemaName(t), envelope(t)])),
  };
}

const SIGNATURE_HEADERS = [
  ['X-Eye-Timestamp', 'Unix seconds of this attempt'],
  ['X-Eye-Signature', 'sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>'],
  ['webhook-id', 'Standard Webhooks: the envelope id'],
  ['webhook-timestamp', 'Standard Webhooks: unix seconds of this attempt'],
  ['webhook-signature', 'Standard Webhooks: v1,<base64 HMAC-SHA256>, space-separated during a secret rotation'],
] as const;

/** The OpenAPI 3.1 `webhooks` object: what the relay POSTs to registered endpoints. */
export function webhookOperations(): Record<string, unknown> {
  return Object.fromEntries(
    EVENT_TYPES.map((eventType) => [
      eventType,
      {
        post: {
          operationId: `webhook${webhookSchemaName(eventType).slice('Webhook'.length)}`,
          summary: `${eventType} delivery`,
          tags: ['webhooks'],
          description: 'Signed delivery to a registered endpoint (docs/WEBHOOKS.md). Answer 2xx within 5 s; 410 disables the endpoint.',
          security: [],
          parameters: SIGNATURE_HEADERS.map(([name, description]) => ({ name, in: 'header', required: true, description, schema: { type: 'string' } })),
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: `#/components/schemas/${webhookSchemaName(eventType)}` } } } },
          responses: {
            '200': { description: 'Accepted (any 2xx)' },
            '410': { description: 'Gone: the relay disables the endpoint' },
          },
        },
      },
    ]),
  );
}
