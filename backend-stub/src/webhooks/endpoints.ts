/**
 * Endpoint management (per tenant): register, list, update / enable / disable, rotate the secret,
 * send a test event, inspect deliveries with their attempt log, redeliver.
 */
import type { Kysely, Updateable } from 'kysely';
import type { Database } from '../db/schema.js';
import { httpError } from '../errors.js';
import { unknownEventTypes } from './catalog.js';
import { holdPendingDeliveries, releaseHeldDeliveries } from './hold.js';
import { enqueueEvent, insertDeliveries, newId, signalOutbox } from './outbox.js';
import type { SecretBox } from './secret-box.js';
import { generateWebhookSecret } from './signing.js';
import { resolveWebhookTarget, UnsafeTargetError, type Resolver, type TargetPolicy } from './ssrf.js';
import type { WebhookAttemptRow, WebhookDeliveryRow, WebhookEndpointRow, WebhookEndpointsTable } from './tables.js';
import { now as clockNow, nowIso } from '../clock.js';

export interface EndpointDeps {
  db: Kysely<Database>;
  secrets: SecretBox;
  targets: TargetPolicy;
  rotationGraceMs: number;
  resolver?: Resolver;
}

export const MAX_URL_LENGTH = 2048;
/** Each endpoint multiplies outgoing traffic; a tenant needs a handful. */
export const MAX_ENDPOINTS_PER_TENANT = 50;

export function endpointJson(row: WebhookEndpointRow) {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    eventTypes: row.event_types ? (JSON.parse(row.event_types) as string[]) : null,
    enabled: row.enabled === 1,
    disabledReason: row.disabled_reason,
    disabledAt: row.disabled_at,
    previousSecretExpiresAt:
      row.previous_secret_expires_at && Date.parse(row.previous_secret_expires_at) > clockNow() ? row.previous_secret_expires_at : null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Refuses unsafe targets with a 400 (https only, public addresses only, unless allowed). */
async function checkTarget(deps: EndpointDeps, url: string): Promise<void> {
  if (url.length > MAX_URL_LENGTH) throw httpError(400, 'invalid_url', `url longer than ${MAX_URL_LENGTH} characters`);
  try {
    await resolveWebhookTarget(url, deps.targets, deps.resolver);
  } catch (err) {
    if (err instanceof UnsafeTargetError) {
      throw httpError(400, err.code === 'invalid_url' ? 'invalid_url' : 'unsafe_url', err.message);
    }
    throw err;
  }
}

function checkEventTypes(list: string[] | null | undefined): string[] | null {
  if (list === undefined || list === null) return null;
  const unknown = unknownEventTypes(list);
  if (unknown.length > 0) throw httpError(400, 'unknown_event_type', `unknown event types: ${unknown.join(', ')}`);
  return [...new Set(list)];
}

export async function getEndpoint(db: Kysely<Database>, tenantId: string, id: string): Promise<WebhookEndpointRow> {
  const row = await db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).where('tenant_id', '=', tenantId).executeTakeFirst();
  if (!row) throw httpError(404, 'endpoint_not_found', 'webhook endpoint not found');
  return row;
}

export async function createEndpoint(
  deps: EndpointDeps,
  tenantId: string,
  input: { url: string; eventTypes?: string[] | null; description?: string | null },
): Promise<{ endpoint: WebhookEndpointRow; secret: string }> {
  await checkTarget(deps, input.url);
  const eventTypes = checkEventTypes(input.eventTypes);
  const { n } = await deps.db
    .selectFrom('webhook_endpoints')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('tenant_id', '=', tenantId)
    .executeTakeFirstOrThrow();
  if (Number(n) >= MAX_ENDPOINTS_PER_TENANT) {
    throw httpError(409, 'too_many_endpoints', `at most ${MAX_ENDPOINTS_PER_TENANT} webhook endpoints per tenant; delete unused ones`);
  }
  const secret = generateWebhookSecret();
  const now = nowIso();
  const endpoint = await deps.db
    .insertInto('webhook_endpoints')
    .values({
      id: newId('we'),
      tenant_id: tenantId,
      url: input.url,
      description: input.description ?? null,
      event_types: eventTypes ? JSON.stringify(eventTypes) : null,
      secret_sealed: deps.secrets.seal(secret),
      previous_secret_sealed: null,
      previous_secret_expires_at: null,
      enabled: 1,
      disabled_reason: null,
      disabled_at: null,
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { endpoint, secret };
}

export async function listEndpoints(db: Kysely<Database>, tenantId: string): Promise<WebhookEndpointRow[]> {
  return db.selectFrom('webhook_endpoints').selectAll().where('tenant_id', '=', tenantId).orderBy('created_at').orderBy('id').execute();
}

export async function updateEndpoint(
  deps: EndpointDeps,
  tenantId: string,
  id: string,
  patch: { url?: string; eventTypes?: string[] | null; description?: string | null; enabled?: boolean },
): Promise<WebhookEndpointRow> {
  const current = await getEndpoint(deps.db, tenantId, id);
  if (patch.url !== undefined) await checkTarget(deps, patch.url);
  const now = nowIso();
  const set: Updateable<WebhookEndpointsTable> = { updated_at: now };
  if (patch.url !== undefined) set.url = patch.url;
  if (patch.description !== undefined) set.description = patch.description;
  if (patch.eventTypes !== undefined) {
    const types = checkEventTypes(patch.eventTypes);
    set.event_types = types ? JSON.stringify(types) : null;
  }
  if (patch.enabled === true && current.enabled !== 1) Object.assign(set, { enabled: 1, disabled_reason: null, disabled_at: null });
  if (patch.enabled === false && current.enabled === 1) Object.assign(set, { enabled: 0, disabled_reason: 'disabled through the API', disabled_at: now });
  const row = await deps.db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('webhook_endpoints')
      .set(set)
      .where('id', '=', id)
      .where('tenant_id', '=', tenantId)
      .returningAll()
      .executeTakeFirstOrThrow();
    // Disabled: its deliveries wait (held). Re-enabled: those that waited go out now, oldest first.
    if (patch.enabled === false && current.enabled === 1) await holdPendingDeliveries(trx, id, now);
    if (patch.enabled === true && current.enabled !== 1) {
      await releaseHeldDeliveries(trx, now, id);
      await signalOutbox(trx);
    }
    return updated;
  });
  return row;
}

export async function deleteEndpoint(db: Kysely<Database>, tenantId: string, id: string): Promise<void> {
  const r = await db.deleteFrom('webhook_endpoints').where('id', '=', id).where('tenant_id', '=', tenantId).executeTakeFirst();
  if (Number(r.numDeletedRows) === 0) throw httpError(404, 'endpoint_not_found', 'webhook endpoint not found');
}

/** New secret; the current one keeps signing (alongside) for rotationGraceMs. */
export async function rotateSecret(
  deps: EndpointDeps,
  tenantId: string,
  id: string,
): Promise<{ endpoint: WebhookEndpointRow; secret: string }> {
  return deps.db.transaction().execute(async (trx) => {
    const current = await getEndpoint(trx, tenantId, id);
    const secret = generateWebhookSecret();
    const now = clockNow();
    const endpoint = await trx
      .updateTable('webhook_endpoints')
      .set({
        secret_sealed: deps.secrets.seal(secret),
        previous_secret_sealed: current.secret_sealed,
        previous_secret_expires_at: new Date(now + deps.rotationGraceMs).toISOString(),
        updated_at: new Date(now).toISOString(),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return { endpoint, secret };
  });
}

/** Queues a `webhook.test` event to this endpoint only (whatever its filter). */
export async function sendTestEvent(db: Kysely<Database>, tenantId: string, id: string): Promise<{ eventId: string; deliveryId: string }> {
  return db.transaction().execute(async (trx) => {
    const endpoint = await getEndpoint(trx, tenantId, id);
    if (endpoint.enabled !== 1) throw httpError(409, 'endpoint_disabled', 'enable the endpoint before sending a test event');
    const now = nowIso();
    const { eventId, deliveryIds } = await enqueueEvent(trx, {
      tenantId,
      sessionId: null,
      onlyEndpointId: id,
      event: {
        eventType: 'webhook.test',
        occurredAt: now,
        data: { exam_id: null, session_id: null, candidate_id: null, occurred_at: now, endpoint_id: id, message: 'Test event from the Eye relay' },
        mediaId: null,
      },
    });
    const [deliveryId] = deliveryIds;
    if (deliveryId === undefined) throw new Error(`test event ${eventId}: no delivery enqueued for endpoint ${id}`);
    return { eventId, deliveryId };
  });
}

export function attemptJson(a: WebhookAttemptRow) {
  return {
    attempt: a.attempt,
    startedAt: a.started_at,
    finishedAt: a.finished_at,
    statusCode: a.status_code,
    latencyMs: a.latency_ms,
    error: a.error,
    responseExcerpt: a.response_excerpt,
  };
}

export function deliveryJson(d: WebhookDeliveryRow & { event_type: string }, attempts: WebhookAttemptRow[]) {
  return {
    id: d.id,
    endpointId: d.endpoint_id,
    eventId: d.event_id,
    eventType: d.event_type,
    status: d.status,
    attemptCount: d.attempts,
    nextAttemptAt: d.status === 'pending' ? d.next_attempt_at : null,
    deliveredAt: d.delivered_at,
    lastStatusCode: d.last_status_code,
    lastError: d.last_error,
    redeliveryOf: d.redelivery_of,
    createdAt: d.created_at,
    updatedAt: d.updated_at,
    attempts: attempts.map(attemptJson),
  };
}

async function withAttempts(db: Kysely<Database>, rows: (WebhookDeliveryRow & { event_type: string })[]) {
  if (rows.length === 0) return [];
  const attempts = await db
    .selectFrom('webhook_attempts')
    .selectAll()
    .where(
      'delivery_id',
      'in',
      rows.map((r) => r.id),
    )
    .orderBy('attempt')
    .execute();
  return rows.map((r) =>
    deliveryJson(
      r,
      attempts.filter((a) => a.delivery_id === r.id),
    ),
  );
}

function deliveriesQuery(db: Kysely<Database>, tenantId: string) {
  return db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_events as e', 'e.id', 'd.event_id')
    .selectAll('d')
    .select('e.event_type as event_type')
    .where('d.tenant_id', '=', tenantId);
}

export async function listDeliveries(
  db: Kysely<Database>,
  tenantId: string,
  endpointId: string,
  filter: { status?: string; eventId?: string; limit: number; before?: string },
) {
  await getEndpoint(db, tenantId, endpointId);
  let q = deliveriesQuery(db, tenantId).where('d.endpoint_id', '=', endpointId);
  if (filter.status) q = q.where('d.status', '=', filter.status as WebhookDeliveryRow['status']);
  if (filter.eventId) q = q.where('d.event_id', '=', filter.eventId);
  if (filter.before) q = q.where('d.created_at', '<', filter.before);
  const rows = await q.orderBy('d.created_at', 'desc').orderBy('d.id', 'desc').limit(filter.limit).execute();
  return withAttempts(db, rows);
}

export async function getDelivery(db: Kysely<Database>, tenantId: string, id: string) {
  const row = await deliveriesQuery(db, tenantId).where('d.id', '=', id).executeTakeFirst();
  if (!row) throw httpError(404, 'delivery_not_found', 'delivery not found');
  const [delivery] = await withAttempts(db, [row]);
  if (!delivery) throw new Error(`delivery ${id}: attempts not joined`);
  return delivery;
}

/** A new delivery of the same event (same envelope id / webhook-id) to the same endpoint, due now. */
export async function redeliver(db: Kysely<Database>, tenantId: string, deliveryId: string): Promise<string> {
  return db.transaction().execute(async (trx) => {
    const d = await trx.selectFrom('webhook_deliveries').selectAll().where('id', '=', deliveryId).where('tenant_id', '=', tenantId).executeTakeFirst();
    if (!d) throw httpError(404, 'delivery_not_found', 'delivery not found');
    const endpoint = await getEndpoint(trx, tenantId, d.endpoint_id);
    if (endpoint.enabled !== 1) throw httpError(409, 'endpoint_disabled', 'enable the endpoint before redelivering');
    const id = newId('dlv');
    await insertDeliveries(trx, [{ id, tenant_id: tenantId, event_id: d.event_id, endpoint_id: d.endpoint_id, status: 'pending', at: nowIso(), redelivery_of: d.id }]);
    await signalOutbox(trx);
    return id;
  });
}
