import type { FastifyPluginAsync } from 'fastify';
import { EVENT_TYPES } from '../webhooks/catalog.js';
import { DELIVERY_STATUSES } from '../webhooks/tables.js';
import {
  createEndpoint,
  deleteEndpoint,
  endpointJson,
  getDelivery,
  getEndpoint,
  listDeliveries,
  listEndpoints,
  MAX_URL_LENGTH,
  redeliver,
  rotateSecret,
  sendTestEvent,
  updateEndpoint,
} from '../webhooks/endpoints.js';
import { endpointDepsOf } from '../webhooks/endpoint-deps.js';
import { apiKeySecurity, errorResponses } from './schemas.js';
import { routePlugin } from '../sync-plugin.js';

const endpointSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    url: { type: 'string' },
    description: { type: ['string', 'null'] },
    eventTypes: { type: ['array', 'null'], items: { type: 'string' } },
    enabled: { type: 'boolean' },
    disabledReason: { type: ['string', 'null'] },
    disabledAt: { type: ['string', 'null'] },
    previousSecretExpiresAt: { type: ['string', 'null'], description: 'While set, the previous secret also signs.' },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
  },
} as const;

const withSecret = {
  type: 'object',
  properties: { ...endpointSchema.properties, secret: { type: 'string', description: '`whsec_` + base64 of 32 random bytes; shown once.' } },
} as const;

const attemptSchema = {
  type: 'object',
  properties: {
    attempt: { type: 'integer' },
    startedAt: { type: 'string' },
    finishedAt: { type: ['string', 'null'] },
    statusCode: { type: ['integer', 'null'] },
    latencyMs: { type: ['integer', 'null'] },
    error: { type: ['string', 'null'] },
    responseExcerpt: { type: ['string', 'null'] },
  },
} as const;

const deliverySchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    endpointId: { type: 'string' },
    eventId: { type: 'string', description: 'Envelope id = webhook-id header.' },
    eventType: { type: 'string' },
    status: { type: 'string', enum: DELIVERY_STATUSES, description: 'held: waiting while the endpoint is disabled; sent in order when it is enabled.' },
    attemptCount: { type: 'integer' },
    nextAttemptAt: { type: ['string', 'null'] },
    deliveredAt: { type: ['string', 'null'] },
    lastStatusCode: { type: ['integer', 'null'] },
    lastError: { type: ['string', 'null'] },
    redeliveryOf: { type: ['string', 'null'] },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
    attempts: { type: 'array', items: attemptSchema },
  },
} as const;

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 100 } } } as const;
const eventTypesSchema = {
  type: ['array', 'null'],
  maxItems: 50,
  items: { type: 'string', maxLength: 100 },
  description: `Event types to receive (exact, or \`prefix.*\`); null/absent: all except opt-in \`proctoring_event.snapshot\`. Known: ${EVENT_TYPES.join(', ')}`,
} as const;

/** Bodies shared with the console's webhook routes (routes/console-webhooks.ts). */
export const endpointCreateBody = {
  type: 'object',
  required: ['url'],
  additionalProperties: false,
  properties: {
    url: { type: 'string', minLength: 1, maxLength: MAX_URL_LENGTH, description: 'https URL resolving to public addresses' },
    eventTypes: eventTypesSchema,
    description: { type: ['string', 'null'], maxLength: 500 },
  },
} as const;

export const endpointPatchBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    url: { type: 'string', minLength: 1, maxLength: MAX_URL_LENGTH },
    eventTypes: eventTypesSchema,
    description: { type: ['string', 'null'], maxLength: 500 },
    enabled: { type: 'boolean' },
  },
} as const;

export const deliveriesQuerystring = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: DELIVERY_STATUSES },
    event_id: { type: 'string', maxLength: 100 },
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
    before: { type: 'string', format: 'date-time', description: 'Only deliveries created before this time (paging).' },
  },
} as const;

export const webhookRoutes: FastifyPluginAsync = routePlugin((app) => {
  const deps = () => endpointDepsOf(app);
  const tags = ['webhooks'];

  app.post(
    '/webhooks/endpoints',
    {
      schema: {
        summary: 'Register a webhook endpoint; returns its signing secret (once)',
        tags,
        security: apiKeySecurity,
        body: endpointCreateBody,
        response: { 201: withSecret, ...errorResponses(400, 401, 409, 415) },
      },
    },
    async (request, reply) => {
      const { endpoint, secret } = await createEndpoint(deps(), request.tenant.id, request.body);
      return reply.code(201).send({ ...endpointJson(endpoint), secret });
    },
  );

  app.get(
    '/webhooks/endpoints',
    {
      schema: {
        summary: 'List webhook endpoints',
        tags,
        security: apiKeySecurity,
        response: { 200: { type: 'object', properties: { endpoints: { type: 'array', items: endpointSchema } } }, ...errorResponses(401) },
      },
    },
    async (request) => ({ endpoints: (await listEndpoints(app.db, request.tenant.id)).map(endpointJson) }),
  );

  app.get(
    '/webhooks/endpoints/:id',
    { schema: { summary: 'One webhook endpoint', tags, security: apiKeySecurity, params: idParams, response: { 200: endpointSchema, ...errorResponses(401, 404) } } },
    async (request) => endpointJson(await getEndpoint(app.db, request.tenant.id, request.params.id)),
  );

  app.patch(
    '/webhooks/endpoints/:id',
    {
      schema: {
        summary: 'Change an endpoint (url, eventTypes, description) or enable / disable it',
        tags,
        security: apiKeySecurity,
        params: idParams,
        body: endpointPatchBody,
        response: { 200: endpointSchema, ...errorResponses(400, 401, 404, 415) },
      },
    },
    async (request) => endpointJson(await updateEndpoint(deps(), request.tenant.id, request.params.id, request.body)),
  );

  for (const action of ['enable', 'disable'] as const) {
    app.post(
      `/webhooks/endpoints/:id/${action}`,
      {
        schema: {
          summary: action === 'enable' ? 'Enable an endpoint (its waiting deliveries resume)' : 'Disable an endpoint (deliveries wait until it is enabled)',
          tags,
          security: apiKeySecurity,
          params: idParams,
          response: { 200: endpointSchema, ...errorResponses(401, 404) },
        },
      },
      async (request) => endpointJson(await updateEndpoint(deps(), request.tenant.id, request.params.id, { enabled: action === 'enable' })),
    );
  }

  app.delete(
    '/webhooks/endpoints/:id',
    { schema: { summary: 'Delete an endpoint and its delivery log', tags, security: apiKeySecurity, params: idParams, response: { 204: { type: 'null', description: 'Deleted' }, ...errorResponses(401, 404) } } },
    async (request, reply) => {
      await deleteEndpoint(app.db, request.tenant.id, request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/webhooks/endpoints/:id/rotate-secret',
    {
      schema: {
        summary: 'Rotate the signing secret; the previous one keeps signing alongside for 24 h',
        tags,
        security: apiKeySecurity,
        params: idParams,
        response: { 200: withSecret, ...errorResponses(401, 404) },
      },
    },
    async (request) => {
      const { endpoint, secret } = await rotateSecret(deps(), request.tenant.id, request.params.id);
      return { ...endpointJson(endpoint), secret };
    },
  );

  app.post(
    '/webhooks/endpoints/:id/test',
    {
      schema: {
        summary: 'Send a `webhook.test` event to this endpoint',
        tags,
        security: apiKeySecurity,
        params: idParams,
        response: {
          202: { type: 'object', properties: { eventId: { type: 'string' }, deliveryId: { type: 'string' } } },
          ...errorResponses(401, 404, 409),
        },
      },
    },
    async (request, reply) => reply.code(202).send(await sendTestEvent(app.db, request.tenant.id, request.params.id)),
  );

  app.get(
    '/webhooks/endpoints/:id/deliveries',
    {
      schema: {
        summary: 'Deliveries of an endpoint, newest first, each with every attempt (time, status, latency, error, response excerpt)',
        tags,
        security: apiKeySecurity,
        params: idParams,
        querystring: deliveriesQuerystring,
        response: { 200: { type: 'object', properties: { deliveries: { type: 'array', items: deliverySchema } } }, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => ({
      deliveries: await listDeliveries(app.db, request.tenant.id, request.params.id, {
        status: request.query.status,
        eventId: request.query.event_id,
        limit: request.query.limit, // the schema default (100) fills it in
        before: request.query.before,
      }),
    }),
  );

  app.get(
    '/webhooks/deliveries/:id',
    { schema: { summary: 'One delivery with its attempts', tags, security: apiKeySecurity, params: idParams, response: { 200: deliverySchema, ...errorResponses(401, 404) } } },
    async (request) => getDelivery(app.db, request.tenant.id, request.params.id),
  );

  app.post(
    '/webhooks/deliveries/:id/redeliver',
    {
      schema: {
        summary: 'Deliver the same event (same webhook-id) again to the same endpoint, now',
        tags,
        security: apiKeySecurity,
        params: idParams,
        response: { 202: { type: 'object', properties: { deliveryId: { type: 'string' } } }, ...errorResponses(401, 404, 409) },
      },
    },
    async (request, reply) => reply.code(202).send({ deliveryId: await redeliver(app.db, request.tenant.id, request.params.id) }),
  );
});
