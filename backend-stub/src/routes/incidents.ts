import type { FastifyPluginAsync } from 'fastify';
import { httpError } from '../errors.js';
import {
  changeIncident,
  INCIDENT_SEVERITIES,
  INCIDENT_STATUSES,
  incidentJson,
  listIncidents,
} from '../incidents/service.js';
import { apiKeySecurity, errorResponses } from './schemas.js';
import { routePlugin } from '../sync-plugin.js';

export const incidentSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    description: { type: 'string' },
    status: { type: 'string', enum: INCIDENT_STATUSES },
    severity: { type: 'string', enum: INCIDENT_SEVERITIES },
    start_time: { type: 'string' },
    end_time: { type: ['string', 'null'] },
    resolution_notes: { type: ['string', 'null'] },
    tenant_id: { type: 'string' },
    created_at: { type: 'string' },
    updated_at: { type: 'string' },
    session_id: { type: 'string' },
    exam_id: { type: 'string' },
    rule: { type: 'string' },
  },
} as const;

/** Body of an incident change, shared with the console (routes/console-sessions.ts). */
export const incidentPatchBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    status: { type: 'string', enum: INCIDENT_STATUSES },
    severity: { type: 'string', enum: INCIDENT_SEVERITIES },
    resolution_notes: { type: ['string', 'null'], maxLength: 4000 },
  },
} as const;

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 100 } } } as const;

export const incidentRoutes: FastifyPluginAsync = routePlugin((app) => {
  const tags = ['incidents'];

  app.get(
    '/incidents',
    {
      schema: {
        summary: 'Incidents of the tenant, newest first',
        tags,
        security: apiKeySecurity,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            session_id: { type: 'string', maxLength: 100 },
            status: { type: 'string', enum: INCIDENT_STATUSES },
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
          },
        },
        response: { 200: { type: 'object', properties: { incidents: { type: 'array', items: incidentSchema } } }, ...errorResponses(400, 401) },
      },
    },
    async (request) => {
      const rows = await listIncidents(app.db, request.tenant.id, {
        sessionId: request.query.session_id,
        status: request.query.status,
        limit: request.query.limit,
      });
      return { incidents: rows.map(incidentJson) };
    },
  );

  app.get(
    '/incidents/:id',
    { schema: { summary: 'One incident', tags, security: apiKeySecurity, params: idParams, response: { 200: incidentSchema, ...errorResponses(401, 404) } } },
    async (request) => {
      const row = await app.db.selectFrom('incidents').selectAll().where('id', '=', request.params.id).where('tenant_id', '=', request.tenant.id).executeTakeFirst();
      if (!row) throw httpError(404, 'incident_not_found', 'incident not found');
      return incidentJson(row);
    },
  );

  app.patch(
    '/incidents/:id',
    {
      schema: {
        summary: 'Resolve, dismiss or reopen an incident, change its severity or notes (sends incident.instance.updated)',
        description: 'Status changes: TRIGGERED/REOPENED -> RESOLVED or DISMISSED; RESOLVED/DISMISSED -> REOPENED. Anything else is a 409.',
        tags,
        security: apiKeySecurity,
        params: idParams,
        body: incidentPatchBody,
        response: { 200: incidentSchema, ...errorResponses(400, 401, 404, 409, 415) },
      },
    },
    async (request) => incidentJson(await changeIncident(app.db, request.tenant.id, request.params.id, request.body)),
  );
});
