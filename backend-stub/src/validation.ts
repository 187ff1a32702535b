import { AjvCompiler } from '@fastify/ajv-compiler';
import type { FastifyInstance } from 'fastify';

/**
 * Request validation. Fastify's default Ajv coerces types and silently drops unknown properties,
 * which would turn `"id": 123` into "123" and accept a misspelt field as if it were absent. JSON
 * bodies are therefore validated strictly (no coercion, no removal: an unknown property where the
 * schema forbids one is a 400). Query strings, params and headers are text on the wire, so they
 * keep coercion ("?limit=10" is the integer 10).
 */
export function installStrictValidation(app: FastifyInstance): void {
  const build = AjvCompiler();
  const formats = { binary: true as const };
  const strictBody = build({}, { customOptions: { formats, coerceTypes: false, removeAdditional: false } });
  const wireText = build({}, { customOptions: { formats } });
  app.setValidatorCompiler((route) => (route.httpPart === 'body' ? strictBody(route) : wireText(route)));
}
