import type { FastifyInstance } from 'fastify';
import './engine.js';
import type { EndpointDeps } from './endpoints.js';

/** What the endpoint service needs, from the relay's webhook engine (API routes, console, demo receiver). */
export function endpointDepsOf(app: FastifyInstance): EndpointDeps {
  return {
    db: app.db,
    secrets: app.webhooks.secrets,
    targets: app.webhooks.settings.targets,
    rotationGraceMs: app.webhooks.settings.rotationGraceMs,
    resolver: app.webhooks.resolver,
  };
}
