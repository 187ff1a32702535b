import { Event, isEvent } from '../../../src/events.js';
import type { SessionRow } from '../db/schema.js';
import { httpError } from '../errors.js';

/** What the relay keeps of the candidate's consent (sessions.consent, GET session, session.started). */
export interface ConsentRecord {
  /** True for CONSENT_GIVEN, false for CONSENT_DECLINED. */
  given: boolean;
  /** When the candidate answered (the widget's clock), ISO. */
  at: string;
  /** Locale the text was shown in. */
  locale: string;
  /** `sha256:<hex>` of the text shown, or the host's own version label. */
  version: string;
  /** The LMS collected consent; the widget showed nothing. */
  external: boolean;
}

export function isConsentEvent(type: string): type is Event.CONSENT_GIVEN | Event.CONSENT_DECLINED {
  return isEvent(type) && (type === Event.CONSENT_GIVEN || type === Event.CONSENT_DECLINED);
}

const LOCALE = /^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/;

/** Checks a CONSENT_* payload `{ version, locale, external }`; 400 otherwise. */
export function checkConsentPayload(payload: Record<string, unknown> | null): void {
  const bad = (message: string) => {
    throw httpError(400, 'invalid_consent', message);
  };
  if (!payload) return bad('consent events need the payload { version, locale, external }');
  const { version, locale, external } = payload;
  if (typeof version !== 'string' || version.length === 0 || version.length > 200) bad('payload.version must be a string of 1..200 characters');
  if (typeof locale !== 'string' || locale.length > 35 || !LOCALE.test(locale)) bad('payload.locale must be a BCP 47 language tag');
  if (typeof external !== 'boolean') bad('payload.external must be a boolean');
}

export function consentRecord(type: Event.CONSENT_GIVEN | Event.CONSENT_DECLINED, payload: Record<string, unknown>, at: string): ConsentRecord {
  return {
    given: type === Event.CONSENT_GIVEN,
    at,
    locale: payload.locale as string,
    version: payload.version as string,
    external: payload.external as boolean,
  };
}

/** The stored record, or null (none yet, or unreadable). */
export function consentOf(session: Pick<SessionRow, 'consent'>): ConsentRecord | null {
  if (!session.consent) return null;
  try {
    const v: unknown = JSON.parse(session.consent);
    return typeof v === 'object' && v !== null ? (v as ConsentRecord) : null;
  } catch {
    return null;
  }
}
