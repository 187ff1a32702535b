import type { FastifyInstance } from 'fastify';
import { httpError } from './errors.js';

/**
 * The one JSON reader of the relay: every JSON request body and every JSON text inside a multipart
 * body goes through `parseJsonText` (or `checkJsonValue` for a part the multipart parser already
 * decoded), so all of them get the same bounds and the same guard:
 * - size: the body limit (EYE_JSON_BODY_LIMIT, 413) for bodies, the same limit per multipart field;
 * - nesting: at most JSON_MAX_DEPTH levels of objects/arrays (deeper input crashed JSON.stringify
 *   with a stack overflow when stored);
 * - prototype poisoning: a `__proto__` key, or a `constructor` key holding a `prototype`, anywhere.
 * Refusals are 400 `{ error, message }`.
 */
export const JSON_MAX_DEPTH = 32;

const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/** Refuses values nested deeper than JSON_MAX_DEPTH or carrying prototype-poisoning keys (iterative: no recursion on hostile input). */
export function checkJsonValue(value: unknown, what = 'JSON body'): void {
  const stack: [unknown, number][] = [[value, 1]];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [v, depth] = top;
    if (typeof v !== 'object' || v === null) continue;
    if (depth > JSON_MAX_DEPTH) throw httpError(400, 'json_too_deep', `${what} nests objects/arrays deeper than ${JSON_MAX_DEPTH} levels`);
    if (!Array.isArray(v)) {
      if (hasOwn(v, '__proto__')) throw httpError(400, 'forbidden_json_key', `${what} contains a __proto__ key`);
      // Read as data: typed as Object's `constructor` (a Function), the value here is whatever the JSON held.
      const ctor: unknown = Reflect.get(v, 'constructor');
      if (hasOwn(v, 'constructor') && typeof ctor === 'object' && ctor !== null && hasOwn(ctor, 'prototype')) {
        throw httpError(400, 'forbidden_json_key', `${what} contains a constructor.prototype key`);
      }
    }
    for (const child of Object.values(v)) if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
  }
}

/** Parses JSON text with the relay's bounds and guard; `what` names it in error messages. */
export function parseJsonText(text: string, what = 'JSON body'): unknown {
  if (text.trim() === '') throw httpError(400, 'invalid_json', `${what} is empty`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw httpError(400, 'invalid_json', `${what} is not valid JSON`);
  }
  checkJsonValue(value, what);
  return value;
}

/** Replaces Fastify's JSON body parser with parseJsonText (the body limit still applies: 413). */
export function installJsonBodyParser(app: FastifyInstance, bodyLimit?: number): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string', ...(bodyLimit ? { bodyLimit } : {}) }, (_request, body, done) => {
    try {
      done(null, parseJsonText(body as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
}
