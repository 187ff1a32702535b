import { Event, isEvent } from '../../../src/events.js';

/** Identity checking of a session, from its IDENTITY_ENROLLED / IDENTITY_UNAVAILABLE flags. */
export interface SessionIdentity {
  /** not_checked: identity was off (or nothing arrived yet); unavailable: the model failed on the device. */
  status: 'not_checked' | 'enrolled' | 'unavailable';
  enrolled_at: string | null;
  reference_match: boolean | null;
  reference_similarity: number | null;
  unavailable_reason: string | null;
}

interface IdentityFlag {
  type: string;
  created_at: string;
  details: unknown;
}

/** The latest word wins: a re-enrollment after a failure, or a failure after an enrollment. Flags come oldest first. */
export function identityOf(flags: readonly IdentityFlag[]): SessionIdentity {
  const out: SessionIdentity = { status: 'not_checked', enrolled_at: null, reference_match: null, reference_similarity: null, unavailable_reason: null };
  for (const f of flags) {
    const d = (f.details && typeof f.details === 'object' ? f.details : {}) as Record<string, unknown>;
    const type = isEvent(f.type) ? f.type : undefined;
    if (type === Event.IDENTITY_ENROLLED) {
      out.status = 'enrolled';
      out.enrolled_at = f.created_at;
      out.reference_match = typeof d.referenceMatch === 'boolean' ? d.referenceMatch : null;
      out.reference_similarity = typeof d.confidence === 'number' ? d.confidence : null;
    } else if (type === Event.IDENTITY_UNAVAILABLE) {
      out.status = 'unavailable';
      out.unavailable_reason = typeof d.reason === 'string' ? d.reason : null;
    }
  }
  return out;
}
