/** A review console client for relay tests: signs in over HTTP and keeps the cookies and CSRF token like a browser page. */
import assert from 'node:assert/strict';
import type { SignedInReviewer } from '../console/auth.js';
import type { JsonResponse } from './client.js';
import type { TestRelay } from './harness.js';

/** POST /console/api/sign-in's answer. */
export interface SignInAnswer {
  reviewer: SignedInReviewer;
  csrfToken: string;
  expiresAt: string;
}

function parseBody(text: string): unknown {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return text;
  }
}

export interface ConsoleClient {
  cookie: string;
  csrfToken: string;
  setCookies: string[];
  call<T = unknown>(method: string, path: string, opts?: { json?: unknown; csrf?: string | null; origin?: string | null }): Promise<JsonResponse<T>>;
}

/** `T`: the body the test expects (a SignInAnswer, or an error body on a refusal). */
export async function consoleSignIn<T = unknown>(relay: TestRelay, tenant: string, email: string, password: string, headers: Record<string, string> = {}): Promise<JsonResponse<T> & { setCookies: string[] }> {
  const res = await fetch(`${relay.url}/console/api/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ tenant, email, password }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : null) as T, setCookies: res.headers.getSetCookie() };
}

/** Signs in (must succeed) and returns a client that sends the cookies, and the CSRF header on state changes. */
export async function consoleClient(relay: TestRelay, tenant: string, email: string, password: string): Promise<ConsoleClient> {
  const signed = await consoleSignIn<SignInAnswer>(relay, tenant, email, password);
  assert.equal(signed.status, 200, JSON.stringify(signed.body));
  const cookie = signed.setCookies.map((c) => c.split(';')[0]).join('; ');
  const csrfToken = signed.body.csrfToken;
  return {
    cookie,
    csrfToken,
    setCookies: signed.setCookies,
    async call<T>(method: string, path: string, opts: { json?: unknown; csrf?: string | null; origin?: string | null } = {}): Promise<JsonResponse<T>> {
      const headers: Record<string, string> = { cookie };
      const csrf = opts.csrf === undefined ? csrfToken : opts.csrf;
      if (csrf !== null && method !== 'GET') headers['x-csrf-token'] = csrf;
      if (opts.origin) headers.origin = opts.origin;
      if (opts.json !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(relay.url + path, { method, headers, body: opts.json === undefined ? undefined : JSON.stringify(opts.json) });
      return { status: res.status, headers: res.headers, body: parseBody(await res.text()) as T };
    },
  };
}
