/**
 * Reads (never verifies: that is the relay's job) the claims the widget needs from a session
 * token: the session id (`sub`) when the host did not pass one, and the expiry (`exp`) to renew
 * the token before it lapses during a long exam.
 */
export interface SessionTokenClaims {
  sessionId: string | null;
  /** Expiry, ms since the epoch; null when absent or unreadable. */
  expiresAtMs: number | null;
}

export function readSessionToken(token: string): SessionTokenClaims {
  try {
    const part = token.split('.')[1];
    if (!part) return { sessionId: null, expiresAtMs: null };
    const base64 = part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '=');
    const json = JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)))) as Record<string, unknown>;
    return {
      sessionId: typeof json.sub === 'string' ? json.sub : null,
      expiresAtMs: typeof json.exp === 'number' ? json.exp * 1000 : null,
    };
  } catch {
    return { sessionId: null, expiresAtMs: null };
  }
}

/**
 * When to renew: at 80% of the remaining lifetime, but at least `minDelayMs` from now so a clock
 * skew or an almost-expired token cannot make the widget hammer the relay.
 */
export function renewalDelayMs(expiresAtMs: number, now = Date.now(), minDelayMs = 5_000): number {
  return Math.max(minDelayMs, Math.floor((expiresAtMs - now) * 0.8));
}
