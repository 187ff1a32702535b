import type { TestRelay, TestSession } from './harness.js';

/** Small fetch helpers for relay tests (real HTTP). */

export interface JsonResponse<T = any> {
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

export async function request<T = any>(relay: TestRelay, method: string, path: string, opts: { token?: string; apiKey?: string; json?: unknown; body?: RequestInit['body']; headers?: Record<string, string> } = {}): Promise<JsonResponse<T>> {
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

/** POST a flag as JSON with the session's token. */
export function postFlag(relay: TestRelay, s: TestSession, flag: Record<string, unknown>, token = s.token) {
  return request(relay, 'POST', `/v1/sessions/${s.sessionId}/flags`, { token, json: flag });
}

/** POST a flag as multipart: `flag` JSON field plus an optional `mediaFile`. */
export function postFlagWithMedia(relay: TestRelay, s: TestSession, flag: Record<string, unknown>, media?: { bytes: Uint8Array; type?: string; name?: string }) {
  const form = new FormData();
  form.set('flag', JSON.stringify(flag));
  if (media) form.set('mediaFile', new Blob([media.bytes], { type: media.type ?? 'application/octet-stream' }), media.name ?? 'media.bin');
  return request(relay, 'POST', `/v1/sessions/${s.sessionId}/flags`, { token: s.token, body: form });
}

export function getSession(relay: TestRelay, sessionId: string, apiKey = relay.apiKey) {
  return request(relay, 'GET', `/v1/sessions/${sessionId}`, { apiKey });
}

/** A flag body with the session's scope and a fresh id. */
export function flagOf(s: TestSession, type: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id: crypto.randomUUID(), type, examId: s.examId, candidateId: s.candidateId, description: `${type} test`, createdAt: new Date().toISOString(), ...extra };
}
