import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts';
import type { FastifyBaseLogger, FastifyInstance, FastifyPluginAsync, FastifyPluginOptions, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';

/**
 * A Fastify plugin whose setup does not await (it declares routes, hooks and decorations). It is still an
 * async plugin: a throw while setting up rejects the registration (`app.ready()` rejects), as an `async`
 * plugin's throw does, rather than escaping Fastify's loader as an uncaught exception like a callback
 * plugin's throw.
 */
export function syncPlugin<Options extends FastifyPluginOptions = FastifyPluginOptions>(
  setup: (app: FastifyInstance, opts: Options) => void,
): FastifyPluginAsync<Options> {
  return (app, opts) =>
    new Promise<void>((resolve) => {
      setup(app, opts);
      resolve();
    });
}

/**
 * The app as route plugins see it: request params, querystrings and bodies (and handler results) are
 * typed from the route's JSON schemas (`as const`) by json-schema-to-ts, so they cannot drift apart.
 */
export type RouteApp = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, JsonSchemaToTsProvider>;

/** A syncPlugin that declares routes on the schema-typed app (same instance: nothing changes at run time). */
export function routePlugin(declare: (app: RouteApp) => void): FastifyPluginAsync {
  return syncPlugin((app) => {
    declare(app.withTypeProvider<JsonSchemaToTsProvider>());
  });
}
