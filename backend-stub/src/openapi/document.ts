/**
 * /openapi.json for client generators (issue 13 item 7): OpenAPI 3.1 with an operationId and a
 * `security` on every operation, `servers`, shared component schemas and the webhook payloads as
 * `webhooks`. Routes keep their schemas beside them; this module completes the document:
 * - operationId: the route's own, else derived from method and path (`POST /v1/sessions/{id}/flags`
 *   -> `postSessionsByIdFlags`);
 * - security: the route's own, else the one its authentication hook enforces, else none (`[]`,
 *   public or signed-URL routes);
 * - responses equal to the error body `{ error, message }` become `$ref: Error`;
 * - wildcard routes (`/assets/widget/*`) take a `{path}` parameter.
 */
import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import { requireApiKey, requireSessionToken } from '../auth.js';
import { errorSchema } from '../errors.js';
import { apiKeySecurity, sessionTokenSecurity } from '../routes/schemas.js';
import { webhookOperations, webhookSchemas } from './webhooks.js';

type Json = Record<string, unknown>;

const METHOD_VERBS: Record<string, string> = { GET: 'get', POST: 'post', PUT: 'put', PATCH: 'patch', DELETE: 'delete', HEAD: 'head', OPTIONS: 'options' };

/** `POST /v1/sessions/{id}/flags` -> `postSessionsByIdFlags` (the /v1 prefix is implied). */
export function operationIdOf(method: string, url: string): string {
  const words = url
    .replace(/^\/v1(?=\/|$)/, '')
    .split('/')
    .filter(Boolean)
    .flatMap((segment) => {
      const param = /^[:{](\w+)}?$/.exec(segment);
      const name = param?.[1];
      return name !== undefined ? ['by', name] : segment.split(/[^a-zA-Z0-9]+/).filter(Boolean);
    });
  return (METHOD_VERBS[method] ?? method.toLowerCase()) + words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
}

function hooksOf(route: { onRequest?: unknown }): unknown[] {
  const hooks = route.onRequest;
  return Array.isArray(hooks) ? hooks : hooks ? [hooks] : [];
}

/** Fastify's wildcard `/assets/widget/*` is `{*}` in swagger's output: a parameter named `path` instead. */
function nameWildcards(paths: Json): Json {
  return Object.fromEntries(
    Object.entries(paths).map(([url, item]) => {
      if (!url.includes('{*}')) return [url, item];
      const operations = Object.entries(item as Json).map(([method, op]) => {
        const parameters = ((op as Json).parameters as Json[] | undefined)?.map((p) => (p.name === '*' ? { ...p, name: 'path' } : p));
        return [method, { ...(op as Json), ...(parameters ? { parameters } : {}) }];
      });
      return [url.replace('{*}', '{path}'), Object.fromEntries(operations)];
    }),
  );
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Replaces inline copies of a named component schema with a $ref, everywhere in `node`. */
function refShared(node: unknown, named: [string, unknown][]): unknown {
  if (Array.isArray(node)) return node.map((n) => refShared(n, named));
  if (!node || typeof node !== 'object') return node;
  for (const [name, schema] of named) if (sameJson(node, schema)) return { $ref: `#/components/schemas/${name}` };
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, refShared(v, named)]));
}

type SecuritySchemes = NonNullable<NonNullable<NonNullable<FastifyDynamicSwaggerOptions['openapi']>['components']>['securitySchemes']>;

export function openapiOptions(publicUrl: string, info: Json, securitySchemes: SecuritySchemes): FastifyDynamicSwaggerOptions {
  return {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Eye relay', version: '1', license: { name: 'MIT', identifier: 'MIT' }, ...info },
      servers: [{ url: publicUrl, description: 'This relay (EYE_PUBLIC_URL)' }],
      components: { securitySchemes },
    },
    transform({ schema, url, route }) {
      // Routes declared without a schema reach the transform with none.
      const own: Json = (schema as Json | undefined) ?? {};
      if (own.hide) return { schema: own, url };
      const hooks = hooksOf(route);
      const security = own.security ?? (hooks.includes(requireApiKey) ? apiKeySecurity : hooks.includes(requireSessionToken) ? sessionTokenSecurity : []);
      const method = Array.isArray(route.method) ? route.method[0] : route.method;
      if (method === undefined) throw new Error(`route ${url} has no method`);
      return { schema: { ...own, operationId: own.operationId ?? operationIdOf(method, url), security } as never, url };
    },
    transformObject(documentObject) {
      const document = (documentObject as { openapiObject: Json }).openapiObject;
      const components = (document.components ?? {}) as Json;
      const shared: [string, unknown][] = [['Error', errorSchema]];
      const shaped = refShared(document, shared) as Json;
      return {
        ...shaped,
        paths: nameWildcards((shaped.paths ?? {}) as Json),
        components: { ...components, schemas: { ...(components.schemas as Json | undefined), Error: errorSchema, ...webhookSchemas() } },
        webhooks: webhookOperations(),
      } as never;
    },
  };
}
