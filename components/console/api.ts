/**
 * The review console's client of the relay's /console/api (cookie session; the CSRF token from
 * sign-in or /me goes in `X-CSRF-Token` on every state change). Errors are `ConsoleApiError`s
 * carrying the relay's `{ error, message }`.
 */
import type { ConsoleMe, SessionListPage, SessionListQuery } from './types.js';

export class ConsoleApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ConsoleApiError';
  }
}

export class ConsoleApi {
  csrfToken: string | null = null;

  constructor(readonly base = '/console/api') {}

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (method !== 'GET' && this.csrfToken) headers['x-csrf-token'] = this.csrfToken;
    const res = await fetch(this.base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
    if (res.status === 204) return undefined as T;
    const json = (await res.json().catch(() => null)) as { error?: string; message?: string } | null;
    if (!res.ok) throw new ConsoleApiError(res.status, json?.error ?? 'http_error', json?.message ?? `HTTP ${res.status}`);
    return json as T;
  }

  async me(): Promise<ConsoleMe | null> {
    try {
      const me = await this.request<ConsoleMe>('GET', '/me');
      this.csrfToken = me.csrfToken;
      return me;
    } catch (err) {
      if (err instanceof ConsoleApiError && err.status === 401) return null;
      throw err;
    }
  }

  async signIn(tenant: string, email: string, password: string): Promise<void> {
    const r = await this.request<{ csrfToken: string }>('POST', '/sign-in', { tenant, email, password });
    this.csrfToken = r.csrfToken;
  }

  async signOut(): Promise<void> {
    await this.request('POST', '/sign-out');
    this.csrfToken = null;
  }

  sessions(query: SessionListQuery): Promise<SessionListPage> {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '' && v !== null) params.set(k, String(v));
    return this.request('GET', `/sessions?${params}`);
  }

  /** URL of the live feed (server-sent events) of sessions changed after `since`. */
  liveUrl(since: string): string {
    return `${this.base}/sessions/live?since=${encodeURIComponent(since)}`;
  }
}
