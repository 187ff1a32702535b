/** What the relay may tell the widget in a flag response. */
export type Directive = 'pause' | 'resume' | 'end';

export type SessionStatus = 'CREATED' | 'IN_PROGRESS' | 'PAUSED' | 'STOPPED' | 'SUSPENDED' | 'COMPLETED';

/** Response of `POST /v1/sessions/{id}/flags` (and of the lifecycle route). */
export interface RelayResponse {
  id: string;
  duplicate: boolean;
  session: { status: SessionStatus | string };
  directive: Directive | null;
}

/** Where and as whom the widget talks to the relay. */
export interface RelayCredentials {
  relayUrl: string;
  sessionId: string;
  sessionToken: string;
}

/**
 * What goes over the wire: a flag (with its media file, if any) or a session lifecycle event
 * (STARTED, END_PROCTORING, PAUSED, RESUMED) that drives the relay's session status.
 */
export interface RelayMessage {
  /** Unique id; the relay ignores repeats, so a message may be sent any number of times. */
  id: string;
  kind: 'flag' | 'lifecycle';
  /** The Event value. */
  type: string;
  /** JSON body: the FlagData fields (without the file) or `{ id, type, createdAt, ... }`. */
  body: Record<string, unknown>;
  media: Blob | null;
  mediaName: string | null;
}

/** Why a send failed, and whether trying again later can help. */
export class RelayError extends Error {
  constructor(
    readonly kind: 'network' | 'retryable' | 'unauthorized' | 'rejected',
    message: string,
    readonly status: number | null = null,
    readonly code: string | null = null,
    /** Server-requested wait (Retry-After), in ms. */
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
    this.name = 'RelayError';
  }
}

/** Statuses where the same request may succeed later (the flag id makes the retry harmless). */
const RETRYABLE_STATUSES = new Set([408, 425, 429, 500, 502, 503, 504]);

export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

const DIRECTIVES = new Set<string>(['pause', 'resume', 'end']);

/** Checks the relay's answer instead of trusting it: a bad directive must not steer the widget. */
export function parseRelayResponse(json: unknown): RelayResponse {
  const r = (json ?? {}) as Record<string, unknown>;
  const session = (r.session ?? {}) as Record<string, unknown>;
  const directive = typeof r.directive === 'string' && DIRECTIVES.has(r.directive) ? (r.directive as Directive) : null;
  return {
    id: typeof r.id === 'string' ? r.id : '',
    duplicate: r.duplicate === true,
    session: { status: typeof session.status === 'string' ? session.status : 'UNKNOWN' },
    directive,
  };
}

/** Flags and lifecycle events share one route: the relay keeps every event of a session in one timeline. */
export function relayEndpoint(credentials: RelayCredentials): string {
  return `${credentials.relayUrl.replace(/\/+$/, '')}/v1/sessions/${encodeURIComponent(credentials.sessionId)}/flags`;
}

/** Builds the request: JSON, or multipart with the flag JSON in `flag` and the bytes in `mediaFile`. */
export function buildRequest(credentials: RelayCredentials, message: RelayMessage, keepalive = false): RequestInit {
  const headers: Record<string, string> = { authorization: `Bearer ${credentials.sessionToken}` };
  let body: BodyInit;
  if (message.media) {
    const form = new FormData();
    form.append('flag', JSON.stringify(message.body));
    form.append('mediaFile', message.media, message.mediaName ?? 'media');
    body = form;
  } else {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(message.body);
  }
  return { method: 'POST', headers, body, keepalive, credentials: 'omit', mode: 'cors' };
}

/**
 * Talks to the relay the widget was given, and nothing else. One method per message; failures
 * come back as a RelayError that says whether to retry.
 */
export class RelayClient {
  constructor(private readonly fetchImpl: typeof fetch = globalThis.fetch.bind(globalThis)) {}

  async send(credentials: RelayCredentials, message: RelayMessage, signal?: AbortSignal): Promise<RelayResponse> {
    let res: Response;
    try {
      res = await this.fetchImpl(relayEndpoint(credentials), { ...buildRequest(credentials, message), signal });
    } catch (err) {
      throw new RelayError('network', `relay unreachable: ${(err as Error)?.message ?? err}`);
    }
    const text = await res.text().catch(() => '');
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    if (res.ok) return parseRelayResponse(json);
    const error = (json ?? {}) as { error?: unknown; message?: unknown };
    const code = typeof error.error === 'string' ? error.error : null;
    const detail = typeof error.message === 'string' ? error.message : text.slice(0, 200);
    const message_ = `relay answered ${res.status}${code ? ` ${code}` : ''}: ${detail}`;
    if (res.status === 401) throw new RelayError('unauthorized', message_, res.status, code);
    if (RETRYABLE_STATUSES.has(res.status)) {
      throw new RelayError('retryable', message_, res.status, code, parseRetryAfter(res.headers.get('retry-after')));
    }
    throw new RelayError('rejected', message_, res.status, code);
  }

  /**
   * Exchanges a still-valid session token for a fresh one (`POST /v1/sessions/{id}/token`), so a
   * long exam outlives the token's lifetime. Throws RelayError like `send`.
   */
  async renewToken(credentials: RelayCredentials): Promise<{ token: string; expiresAt: string }> {
    const url = `${credentials.relayUrl.replace(/\/+$/, '')}/v1/sessions/${encodeURIComponent(credentials.sessionId)}/token`;
    let res: Response;
    try {
      res = await this.fetchImpl(url, { method: 'POST', headers: { authorization: `Bearer ${credentials.sessionToken}` }, credentials: 'omit', mode: 'cors' });
    } catch (err) {
      throw new RelayError('network', `relay unreachable: ${(err as Error)?.message ?? err}`);
    }
    const json = (await res.json().catch(() => null)) as { token?: unknown; expiresAt?: unknown; error?: unknown; message?: unknown } | null;
    if (res.ok && typeof json?.token === 'string') return { token: json.token, expiresAt: String(json.expiresAt ?? '') };
    const text = `token renewal answered ${res.status}: ${typeof json?.message === 'string' ? json.message : ''}`;
    if (res.status === 401) throw new RelayError('unauthorized', text, res.status);
    throw new RelayError(RETRYABLE_STATUSES.has(res.status) ? 'retryable' : 'rejected', text, res.status);
  }

  /**
   * Fire-and-forget for a closing page: the browser finishes a keepalive request after the page
   * is gone (bodies up to 64 KiB in total). The response may never be read, so callers keep the
   * message in their outbox and send it again later; the id makes that harmless.
   */
  sendBeacon(credentials: RelayCredentials, message: RelayMessage): boolean {
    try {
      void this.fetchImpl(relayEndpoint(credentials), buildRequest(credentials, message, true)).catch(() => {});
      return true;
    } catch {
      return false;
    }
  }
}
