/**
 * Demo helper shared by the example pages: a candidate session of the demo tenant, kept in
 * sessionStorage so that a reload resumes the same session (the widget's outbox then sends
 * whatever the previous page could not). In a real LMS the backend creates the session with
 * its API key (POST /v1/sessions) and renders the token into the exam page.
 */
const KEY = 'eye-demo-session';

/**
 * A demo candidate session, as `POST /demo/api/sessions` answers it.
 * @typedef {{ relayUrl: string, token: string, sessionId: string, examId: string, candidateId: string }} DemoSession
 */
/**
 * What describeEvent reads of an event's detail (a flag, or a state change).
 * @typedef {{
 *   description?: string,
 *   details?: { durationMs?: number, faceCount?: number, peakDb?: number | string, countThisSession?: number },
 *   reason?: unknown,
 *   focused?: boolean,
 *   awayMs?: number,
 * }} EventDetail
 */

/**
 * The stored session, or null.
 * @returns {DemoSession | null}
 */
export function storedSession() {
  try {
    /** @type {unknown} */
    const session = JSON.parse(sessionStorage.getItem(KEY) ?? 'null');
    return /** @type {DemoSession | null} */ (session);
  } catch {
    return null;
  }
}

/**
 * Creates a demo session on the relay this page came from (or `relayUrl`).
 * @param {string} [candidateId]
 * @param {string} [relayUrl]
 * @returns {Promise<DemoSession>}
 */
export async function createDemoSession(candidateId, relayUrl = location.origin) {
  const res = await fetch(`${relayUrl}/demo/api/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(candidateId ? { candidateId } : {}),
  });
  if (!res.ok) throw new Error(`could not create a demo session: HTTP ${res.status}`);
  /** @type {unknown} */
  const session = await res.json();
  sessionStorage.setItem(KEY, JSON.stringify(session));
  return /** @type {DemoSession} */ (session);
}

export function forgetSession() {
  sessionStorage.removeItem(KEY);
}

/**
 * Applies a session to an <eye-proctor> element (attributes are the widget's base config).
 * @param {Element} widget
 * @param {DemoSession} session
 */
export function applySession(widget, session) {
  widget.setAttribute('relay-url', session.relayUrl);
  widget.setAttribute('session-token', session.token);
  widget.setAttribute('session-id', session.sessionId);
  widget.setAttribute('exam-id', session.examId);
  widget.setAttribute('candidate-id', session.candidateId);
}

/**
 * A short human line for an event, for the demo logs.
 * @param {string} type
 * @param {EventDetail | null | undefined} detail
 */
export function describeEvent(type, detail) {
  if (!detail) return type;
  if (detail.description) {
    const d = detail.details ?? {};
    const extra = [
      d.durationMs != null ? `${Math.round(d.durationMs / 100) / 10} s` : null,
      d.faceCount != null ? `${d.faceCount} faces` : null,
      d.peakDb != null ? `${typeof d.peakDb === 'number' ? d.peakDb.toFixed(1) : d.peakDb} dBFS` : null,
      d.countThisSession != null ? `#${d.countThisSession}` : null,
    ].filter(Boolean);
    return `${type}: ${detail.description}${extra.length ? ` (${extra.join(', ')})` : ''}`;
  }
  if (type === 'SET_CONFIG') return 'SET_CONFIG';
  if (typeof detail.reason === 'string') return `${type}: ${detail.reason}`;
  if (type === 'TAB_FOCUS_CHANGE') return `${type}: ${detail.focused ? `back after ${Math.round((detail.awayMs ?? 0) / 100) / 10} s` : 'left'}`;
  return `${type} ${JSON.stringify(detail).slice(0, 120)}`;
}
