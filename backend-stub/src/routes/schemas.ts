import type { RelayConfig } from '../config.js';
import { authenticatedSession } from '../auth.js';
import type { FastifyRequest } from 'fastify';
import { errorSchema } from '../errors.js';

export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
/** Tenant-chosen exam / candidate ids: 1-200 characters, no control characters. */
export const EXTERNAL_ID_PATTERN = '^[^\\u0000-\\u001f\\u007f]{1,200}$';

export const sessionIdParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: UUID_PATTERN } },
} as const;

/** Error responses every route may give, for OpenAPI. */
export function errorResponses<Status extends number>(...statuses: Status[]): Record<Status, typeof errorSchema> {
  return Object.fromEntries(statuses.map((s) => [s, errorSchema])) as Record<Status, typeof errorSchema>;
}

type Security = { [scheme: string]: string[] }[];
export const apiKeySecurity: Security = [{ apiKey: [] }, { apiKeyHeader: [] }];
export const sessionTokenSecurity: Security = [{ sessionToken: [] }];

/**
 * Route-level rate limit for widget routes: keyed on the session (its id, from the token that the
 * group's onRequest hook verified before this route-level hook runs), so a renewed token shares its
 * session's budget; the client address for a request without one. `false` when disabled. The key
 * is the session id string the token cache already holds, so 10,000 live sessions add no key
 * strings and no hashing per request.
 */
export function widgetRateLimit(config: RelayConfig) {
  if (config.rateLimit.max <= 0) return false;
  return {
    max: config.rateLimit.max,
    timeWindow: config.rateLimit.windowMs,
    keyGenerator: (request: FastifyRequest) => authenticatedSession(request)?.sessionId ?? 'ip:' + request.ip,
  };
}
