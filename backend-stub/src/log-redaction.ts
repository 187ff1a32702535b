/**
 * Keeps credentials out of the relay's logs. Request URLs are logged at info level, and some carry
 * secrets: signed media URLs (`?expires=&sig=`, valid for 24 h) and credentials a client misplaced
 * in a query string (`?api_key=`, `?token=`). Every log line passes through here:
 *
 * - the request serializer logs the URL with sensitive query values replaced by `[REDACTED]`;
 * - logged objects (plain objects and arrays, a few levels deep) lose the values of sensitive keys
 *   (`authorization`, `token`, `secret`, ...), and their strings, the message and serialized errors
 *   are scrubbed of sensitive query values, `Bearer` credentials, webhook secrets (`whsec_`), API
 *   keys (`eye_live_` / `eye_demo_`) and JWTs (session tokens).
 */
import type { FastifyServerOptions } from 'fastify';

export const REDACTED = '[REDACTED]';

/**
 * Names of query parameters, headers and object keys whose values are credentials. `sig` but not
 * `signal` (the shutdown line's signal name is no secret).
 */
const SENSITIVE_NAME = /sig(?!nal)|token|key|secret|passw|pwd|auth|credential|jwt|cookie/i;

export function isSensitiveName(name: string): boolean {
  return SENSITIVE_NAME.test(name);
}

/** `name=value` pairs in a query string (or any text: URLs inside messages and errors). */
const QUERY_PAIR = /([?&;]\s*)([^=&?#\s"'<>]+)=([^&#\s"'<>]*)/g;
const SECRET_SHAPES: [RegExp, string][] = [
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${REDACTED}`],
  [/whsec_[A-Za-z0-9+/=]+/g, `whsec_${REDACTED}`],
  [/\beye_(live|demo)_[A-Za-z0-9_-]+/g, `eye_$1_${REDACTED}`],
  // JWTs (session tokens): three base64url parts, the first a JSON header ("eyJ").
  [/\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, REDACTED],
];

/** `text` with sensitive query values and credential-shaped substrings replaced. */
export function redactText(text: string): string {
  let out = text.replace(QUERY_PAIR, (all, lead: string, name: string) => {
    let decoded = name;
    try {
      decoded = decodeURIComponent(name);
    } catch {
      // keep the raw name
    }
    return isSensitiveName(decoded) ? `${lead}${name}=${REDACTED}` : all;
  });
  for (const [shape, replacement] of SECRET_SHAPES) out = out.replace(shape, replacement);
  return out;
}

const MAX_DEPTH = 6;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * A copy of `value` with sensitive keys' values redacted and strings scrubbed. Only plain objects
 * and arrays are walked: other objects (requests, errors) go to their serializers, which redact.
 */
export function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (depth >= MAX_DEPTH) return value;
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1));
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = isSensitiveName(k) && (typeof v === 'string' || typeof v === 'number') ? REDACTED : redactValue(v, depth + 1);
  }
  return out;
}

interface LoggedRequest {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  headers?: Record<string, string | string[] | undefined>;
  socket?: { remotePort?: number };
}

/** Fastify's request serializer with the URL redacted (headers are not logged). */
function serializeRequest(req: LoggedRequest) {
  return {
    method: req.method,
    url: typeof req.url === 'string' ? redactText(req.url) : req.url,
    version: req.headers?.['accept-version']?.toString(),
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}

interface SerializedError {
  [key: string]: unknown;
  type: string;
  message: string;
  stack: string;
}

/** Type, message, stack, own fields (code, statusCode, ...) and cause, all redacted. */
function serializeError(err: Error, depth = 0): SerializedError {
  const out: SerializedError = { type: err.constructor.name, message: err.message, stack: err.stack ?? '' };
  for (const [k, v] of Object.entries(err)) if (!(k in out)) out[k] = v;
  if (err.cause !== undefined && depth < 3) out.cause = err.cause instanceof Error ? serializeError(err.cause, depth + 1) : err.cause;
  return redactValue(out) as SerializedError;
}

type LoggerOption = FastifyServerOptions['logger'];

/** `logger` (Fastify's option: false, true or pino options) with the redaction above added. */
export function redactingLogger(logger: LoggerOption): LoggerOption {
  if (logger === false || logger === undefined) return logger;
  const base = logger === true ? {} : logger;
  return {
    ...base,
    serializers: { ...base.serializers, req: serializeRequest, err: (e: Error) => serializeError(e) },
    formatters: { ...base.formatters, log: (obj: Record<string, unknown>) => redactValue(obj) as Record<string, unknown> },
    hooks: {
      ...base.hooks,
      logMethod(args: unknown[], method: (...a: unknown[]) => void) {
        method.apply(this, args.map((a) => (typeof a === 'string' ? redactText(a) : a)));
      },
    },
  };
}
