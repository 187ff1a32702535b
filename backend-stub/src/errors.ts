import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DEFAULTS } from './config.js';
import { STORAGE_RETRY_AFTER_SECONDS, storageFaultOf } from './db/storage-faults.js';
import { drainRequest } from './drain.js';

/** An error that reaches the client as `status` with body `{ error: code, message }`. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export function httpError(status: number, code: string, message: string): HttpError {
  return new HttpError(status, code, message);
}

/** JSON schema of every error response. */
export const errorSchema = {
  type: 'object',
  required: ['error', 'message'],
  properties: { error: { type: 'string' }, message: { type: 'string' } },
} as const;

/** Fastify / plugin error codes that are the client's fault, with the status and code we answer. */
const KNOWN: Record<string, [number, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'payload_too_large'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'unsupported_content_type'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'bad_request'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'invalid_json'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'invalid_json'],
  FST_ERR_VALIDATION: [400, 'validation_error'],
  FST_REQ_FILE_TOO_LARGE: [413, 'payload_too_large'],
  FST_PARTS_LIMIT: [413, 'too_many_parts'],
  FST_FILES_LIMIT: [413, 'too_many_files'],
  FST_FIELDS_LIMIT: [413, 'too_many_fields'],
  FST_PROTO_VIOLATION: [400, 'bad_request'],
  FST_INVALID_JSON_FIELD_ERROR: [400, 'invalid_json'],
  FST_INVALID_MULTIPART_CONTENT_TYPE: [415, 'unsupported_content_type'],
  FST_NO_FORM_DATA: [400, 'bad_request'],
  FST_ERR_RATE_LIMIT: [429, 'rate_limited'],
};

export interface ErrorResponse {
  status: number;
  body: { error: string; message: string };
  /** Extra response headers (Retry-After on storage faults). */
  headers?: Record<string, string>;
}

const STORAGE_FAULT_RESPONSES = {
  database_unavailable: { status: 503, message: 'the database is unavailable for a moment; retry after the Retry-After delay' },
  insufficient_storage: { status: 507, message: 'the relay is out of storage space; retry later' },
  media_store_unavailable: { status: 503, message: 'the media object store is unavailable for a moment; retry after the Retry-After delay' },
} as const;

/** Maps any thrown error to a status + `{ error, message }`; anything unknown is a logged 500. */
export function toErrorResponse(err: unknown): ErrorResponse {
  if (err instanceof HttpError) return { status: err.statusCode, body: { error: err.code, message: err.message } };
  // A lost database connection or a full disk: retryable, never a 500 (the request stored nothing).
  const fault = storageFaultOf(err);
  if (fault) {
    const { status, message } = STORAGE_FAULT_RESPONSES[fault];
    return { status, body: { error: fault, message }, headers: { 'retry-after': String(STORAGE_RETRY_AFTER_SECONDS) } };
  }
  const e = err as Partial<FastifyError> & { status?: number };
  if (e.validation) return { status: 400, body: { error: 'validation_error', message: e.message ?? 'invalid request' } };
  const known = e.code ? KNOWN[e.code] : undefined;
  if (known) return { status: known[0], body: { error: known[1], message: e.message ?? known[1] } };
  // busboy's own errors for a broken multipart body (no boundary, body cut off mid-part).
  if (typeof e.message === 'string' && /^(Multipart: Boundary not found|Part terminated early|Unexpected end of (form|multipart))/.test(e.message)) {
    return { status: 400, body: { error: 'invalid_multipart', message: e.message } };
  }
  if (err instanceof SyntaxError || e.name === 'SyntaxError') {
    return { status: 400, body: { error: 'invalid_json', message: 'request body is not valid JSON' } };
  }
  const status = e.statusCode ?? e.status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { status, body: { error: status === 429 ? 'rate_limited' : 'bad_request', message: e.message ?? 'bad request' } };
  }
  return { status: 500, body: { error: 'internal_error', message: 'internal server error' } };
}

/**
 * Error and not-found answers for `app`. `drainBytes`: how much of an unread request body is still
 * read before answering (drain.ts).
 */
export function installErrorHandlers(app: FastifyInstance, drainBytes = DEFAULTS.drainBytes): void {
  app.setErrorHandler(async (err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const { status, body, headers } = toErrorResponse(err);
    if (headers) reply.headers(headers);
    if (status >= 500 && !headers) request.log.error({ err }, 'request failed');
    else if (status >= 500) request.log.warn({ err: (err as Error).message, status }, 'storage fault');
    else request.log.info({ status, error: body.error }, body.message);
    // Let a client still uploading finish, so it reads this answer (drain.ts); past the bound, close.
    if (!(await drainRequest(request.raw, drainBytes))) reply.header('connection', 'close');
    // A rate-limit error keeps the headers the plugin set (Retry-After, x-ratelimit-*).
    return reply.code(status).type('application/json; charset=utf-8').send(body);
  });
  app.setNotFoundHandler(async (request, reply) => {
    if (!(await drainRequest(request.raw, drainBytes))) reply.header('connection', 'close');
    return reply.code(404).send({ error: 'not_found', message: `no route for ${request.method} ${request.url.split('?')[0]}` });
  });
}
