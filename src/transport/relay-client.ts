import { errorMessage } from '../errors.js';

/** What the relay may tell the widget in a flag response (`re-enroll`: a proctor wants the face enrolled again). */
export type Directive = 'pause' | 'resume' | 'end' | 're-enroll';

export type SessionStatus = 'CREATED' | 'IN_PROGRESS' | 'PAUSED' | 'STOPPED' | 'SUSPENDED' | 'COMPLETED';

/** Response of `POST /v1/sessions/{id}/flags` (and of the lifecycle route). */
export interface RelayResponse {
  id: string;
  duplicate: boolean;
  /** A SessionStatus; typed string so that a status a newer relay adds still parses. */
  session: { status: string };
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

/**
 * What an HTTP status means for a message, decided once for every client of the relay:
 * - 401: the session token was refused; the message waits for a renewed token.
 * - 408, 425, 429 and 5xx (except 501, 505): the relay or a proxy could not take it now (507: its
 *   disk is full, the flag waits until space is freed); the same request may succeed later, and the
 *   message id makes the retry harmless.
 * - every other 4xx (400 bad input, 403 out of the token's scope, 404 unknown session, 409 flag
 *   conflict or session already ended, 410, 413 too large, 415, 422, ...) and 501/505: permanent.
 *   Sending the same bytes again gets the same answer, so the message is given up.
 */
export type StatusClass = 'unauthorized' | 'retryable' | 'rejected';

export function classifyStatus(status: number): StatusClass {
  if (status === 401) return 'unauthorized';
  if (status === 408 || status === 425 || status === 429) return 'retryable';
  if (status >= 500 && status <= 599 && status !== 501 && status !== 505) return 'retryable';
  return 'rejected';
}

export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

const DIRECTIVES = new Set<string>(['pause', 'resume', 'end', 're-enroll']);

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
      throw new RelayError('network', `relay unreachable: ${errorMessage(err)}`);
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
    const kind = classifyStatus(res.status);
    const retryAfterMs = kind === 'retryable' ? parseRetryAfter(res.headers.get('retry-after')) : null;
    throw new RelayError(kind, message_, res.status, code, retryAfterMs);
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
      throw new RelayError('network', `relay unreachable: ${errorMessage(err)}`);
    }
    const json = (await res.json().catch(() => null)) as { token?: unknown; expiresAt?: unknown; error?: unknown; message?: unknown } | null;
    if (res.ok && typeof json?.token === 'string') return { token: json.token, expiresAt: typeof json.expiresAt === 'string' ? json.expiresAt : '' };
    const text = `token renewal answered ${res.status}: ${typeof json?.message === 'string' ? json.message : ''}`;
    throw new RelayError(classifyStatus(res.status), text, res.status);
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
