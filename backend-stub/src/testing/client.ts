import type { components, paths } from '../client/relay-api.js';
import type { TestRelay, TestSession } from './harness.js';

/** Small fetch helpers for relay tests (real HTTP). */

/**
 * A response body as a test reads it: every field the schema declares is there (the generated types make them all
 * optional because the relay's response schemas list no `required`). A field that is missing fails the test's assertion.
 */
export type Answered<T> = T extends readonly (infer U)[] ? Answered<U>[] : T extends object ? { [K in keyof T]-?: Answered<T[K]> } : T;

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type JsonContent<R> = R extends { content: { 'application/json': infer B } } ? B : never;

/** The JSON body of `method path` answering `status`, from the generated relay API types (backend-stub/openapi.json). */
export type ApiBody<P extends keyof paths, M extends Method & keyof paths[P], S extends number = 200> =
  paths[P][M] extends { responses: infer R } ? (S extends keyof R ? Answered<JsonContent<R[S]>> : never) : never;

/** The relay's error body (`{ error, message }`). */
export type ApiError = components['schemas']['Error'];

/** An answer the test reads both as `T` (on success) and as an error body (on a refusal) through one variable. */
export type OrError<T> = T & Partial<ApiError>;

export interface JsonResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

async function asJson<T>(res: Response): Promise<JsonResponse<T>> {
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    /* keep text */
  }
  return { status: res.status, headers: res.headers, body: body as T };
}

export async function request<T = unknown>(relay: TestRelay, method: string, path: string, opts: { token?: string; apiKey?: string; json?: unknown; body?: RequestInit['body']; headers?: Record<string, string> } = {}): Promise<JsonResponse<T>> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.apiKey) headers['x-api-key'] = opts.apiKey;
  let body = opts.body;
  if (opts.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.json);
  }
  return asJson<T>(await fetch(relay.url + path, { method, headers, body }));
}

/** POST /v1/sessions/{id}/flags's answer to a stored (or repeated) flag. */
export type FlagAnswer = ApiBody<'/v1/sessions/{id}/flags', 'post', 201>;
/** GET /v1/sessions/{id}'s answer. */
export type SessionAnswer = ApiBody<'/v1/sessions/{id}', 'get'>;

/** POST a flag as JSON with the session's token (`T`: the body expected, e.g. ApiError on a refusal). */
export function postFlag<T = FlagAnswer>(relay: TestRelay, s: TestSession, flag: Record<string, unknown>, token = s.token) {
  return request<T>(relay, 'POST', `/v1/sessions/${s.sessionId}/flags`, { token, json: flag });
}

/** POST a flag as multipart: `flag` JSON field plus an optional `mediaFile`. */
export function postFlagWithMedia<T = FlagAnswer>(relay: TestRelay, s: TestSession, flag: Record<string, unknown>, media?: { bytes: Uint8Array; type?: string; name?: string }) {
  const form = new FormData();
  form.set('flag', JSON.stringify(flag));
  if (media) form.set('mediaFile', new Blob([media.bytes], { type: media.type ?? 'application/octet-stream' }), media.name ?? 'media.bin');
  return request<T>(relay, 'POST', `/v1/sessions/${s.sessionId}/flags`, { token: s.token, body: form });
}

export function getSession<T = SessionAnswer>(relay: TestRelay, sessionId: string, apiKey = relay.apiKey) {
  return request<T>(relay, 'GET', `/v1/sessions/${sessionId}`, { apiKey });
}

/** A flag body with the session's scope and a fresh id. */
export function flagOf(s: TestSession, type: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id: crypto.randomUUID(), type, examId: s.examId, candidateId: s.candidateId, description: `${type} test`, createdAt: new Date().toISOString(), ...extra };
}
