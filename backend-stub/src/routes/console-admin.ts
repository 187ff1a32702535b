/**
 * Admin pages of the console (role admin): webhook endpoints (create, rotate, disable / enable,
 * test, delivery log with attempts, redeliver) and reviewer accounts. The handlers call the same
 * services as the API-key routes (webhooks/endpoints.ts, console/reviewers.ts); each change is
 * written to the audit log.
 */
import type { FastifyPluginAsync } from 'fastify';
import { requireReviewer, requireRole } from '../console/auth.js';
import { audit } from '../console/audit.js';
import { createReviewer, listReviewers, reviewerJson, updateReviewer } from '../console/reviewers.js';
import { endpointDepsOf } from '../webhooks/endpoint-deps.js';
import {
  createEndpoint,
  endpointJson,
  listDeliveries,
  listEndpoints,
  redeliver,
  rotateSecret,
  sendTestEvent,
  updateEndpoint,
} from '../webhooks/endpoints.js';
import { reviewerCreateBody, reviewerIdParams, reviewerPatchBody } from './reviewer-schemas.js';
import { deliveriesQuerystring, endpointCreateBody, endpointPatchBody } from './webhooks.js';
import { routePlugin } from '../sync-plugin.js';

const idParams = reviewerIdParams;

export const consoleAdminRoutes: FastifyPluginAsync = routePlugin((app) => {
  const schema = { hide: true };
  const deps = () => endpointDepsOf(app);
  app.addHook('onRequest', requireReviewer);
  app.addHook('onRequest', requireRole('admin'));

  app.get('/console/api/webhooks/endpoints', { schema }, async (request) => ({
    endpoints: (await listEndpoints(app.db, request.reviewer.tenantId)).map(endpointJson),
  }));

  app.post(
    '/console/api/webhooks/endpoints',
    { schema: { ...schema, body: endpointCreateBody } },
    async (request, reply) => {
      const r = request.reviewer;
      const { endpoint, secret } = await createEndpoint(deps(), r.tenantId, request.body);
      await audit(app.db, r, { action: 'webhook_endpoint.created', targetType: 'webhook_endpoint', targetId: endpoint.id, details: { url: endpoint.url } });
      return reply.code(201).send({ ...endpointJson(endpoint), secret });
    },
  );

  app.patch(
    '/console/api/webhooks/endpoints/:id',
    { schema: { ...schema, params: idParams, body: endpointPatchBody } },
    async (request) => {
      const r = request.reviewer;
      const endpoint = await updateEndpoint(deps(), r.tenantId, request.params.id, request.body);
      const action = request.body.enabled === false ? 'disabled' : request.body.enabled === true ? 'enabled' : 'updated';
      await audit(app.db, r, { action: `webhook_endpoint.${action}`, targetType: 'webhook_endpoint', targetId: endpoint.id, details: { ...request.body } });
      return endpointJson(endpoint);
    },
  );

  app.post('/console/api/webhooks/endpoints/:id/rotate-secret', { schema: { ...schema, params: idParams } }, async (request) => {
    const r = request.reviewer;
    const { endpoint, secret } = await rotateSecret(deps(), r.tenantId, request.params.id);
    await audit(app.db, r, { action: 'webhook_endpoint.secret_rotated', targetType: 'webhook_endpoint', targetId: endpoint.id });
    return { ...endpointJson(endpoint), secret };
  });

  app.post('/console/api/webhooks/endpoints/:id/test', { schema: { ...schema, params: idParams } }, async (request, reply) => {
    const r = request.reviewer;
    const sent = await sendTestEvent(app.db, r.tenantId, request.params.id);
    await audit(app.db, r, { action: 'webhook_endpoint.tested', targetType: 'webhook_endpoint', targetId: request.params.id, details: sent });
    return reply.code(202).send(sent);
  });

  app.get(
    '/console/api/webhooks/endpoints/:id/deliveries',
    { schema: { ...schema, params: idParams, querystring: deliveriesQuerystring } },
    async (request) => ({
      deliveries: await listDeliveries(app.db, request.reviewer.tenantId, request.params.id, {
        status: request.query.status,
        eventId: request.query.event_id,
        limit: request.query.limit,
        before: request.query.before,
      }),
    }),
  );

  app.post('/console/api/webhooks/deliveries/:id/redeliver', { schema: { ...schema, params: idParams } }, async (request, reply) => {
    const r = request.reviewer;
    const deliveryId = await redeliver(app.db, r.tenantId, request.params.id);
    await audit(app.db, r, { action: 'webhook_delivery.redelivered', targetType: 'webhook_delivery', targetId: request.params.id, details: { deliveryId } });
    return reply.code(202).send({ deliveryId });
  });

  app.get('/console/api/reviewers', { schema }, async (request) => ({ reviewers: (await listReviewers(app.db, request.reviewer.tenantId)).map(reviewerJson) }));

  app.post('/console/api/reviewers', { schema: { ...schema, body: reviewerCreateBody } }, async (request, reply) => {
    const r = request.reviewer;
    const { reviewer, password, generated } = await createReviewer(app.db, r.tenantId, request.body);
    await audit(app.db, r, { action: 'reviewer.created', targetType: 'reviewer', targetId: reviewer.id, details: { email: reviewer.email, role: reviewer.role } });
    return reply.code(201).send({ ...reviewerJson(reviewer), ...(generated ? { password } : {}) });
  });

  app.patch(
    '/console/api/reviewers/:id',
    { schema: { ...schema, params: idParams, body: reviewerPatchBody } },
    async (request) => {
      const r = request.reviewer;
      const { password, ...visible } = request.body;
      const reviewer = await updateReviewer(app.db, r.tenantId, request.params.id, request.body);
      await audit(app.db, r, { action: 'reviewer.updated', targetType: 'reviewer', targetId: reviewer.id, details: { ...visible, ...(password ? { passwordChanged: true } : {}) } });
      return reviewerJson(reviewer);
    },
  );
});
