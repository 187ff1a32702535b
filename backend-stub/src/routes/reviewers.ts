import type { FastifyPluginAsync } from 'fastify';
import { createReviewer, listReviewers, reviewerJson, updateReviewer } from '../console/reviewers.js';
import { reviewerCreateBody, reviewerIdParams, reviewerPatchBody, reviewerSchema } from './reviewer-schemas.js';
import { apiKeySecurity, errorResponses } from './schemas.js';
import { routePlugin } from '../sync-plugin.js';

/** Review console accounts of the tenant, managed with the API key (the CLI and console admins do the same). */
export const reviewerRoutes: FastifyPluginAsync = routePlugin((app) => {
  const tags = ['console'];
  app.post(
    '/reviewers',
    {
      schema: {
        summary: 'Create a review console account (admin: webhooks and accounts too; reviewer: sessions and incidents)',
        tags,
        security: apiKeySecurity,
        body: reviewerCreateBody,
        response: {
          201: { type: 'object', properties: { ...reviewerSchema.properties, password: { type: 'string', description: 'Only when generated; shown once.' } } },
          ...errorResponses(400, 401, 409, 415),
        },
      },
    },
    async (request, reply) => {
      const { reviewer, password, generated } = await createReviewer(app.db, request.tenant.id, request.body);
      return reply.code(201).send({ ...reviewerJson(reviewer), ...(generated ? { password } : {}) });
    },
  );

  app.get(
    '/reviewers',
    {
      schema: { summary: 'Review console accounts', tags, security: apiKeySecurity, response: { 200: { type: 'object', properties: { reviewers: { type: 'array', items: reviewerSchema } } }, ...errorResponses(401) } },
    },
    async (request) => ({ reviewers: (await listReviewers(app.db, request.tenant.id)).map(reviewerJson) }),
  );

  app.patch(
    '/reviewers/:id',
    {
      schema: {
        summary: 'Change the role, disable / enable, or set a new password (disabling or a new password signs the account out)',
        tags,
        security: apiKeySecurity,
        params: reviewerIdParams,
        body: reviewerPatchBody,
        response: { 200: reviewerSchema, ...errorResponses(400, 401, 404, 415) },
      },
    },
    async (request) => reviewerJson(await updateReviewer(app.db, request.tenant.id, request.params.id, request.body)),
  );
});
