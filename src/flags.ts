import { FLAG_DESCRIPTIONS, type FlagData, type FlagDetails, type FlagEvent } from './events.js';

/** Who a flag is about; copied into every flag. */
export interface FlagIdentity {
  examId: string;
  candidateId: string;
  sessionId?: string | null;
}

export type FlagFactory = (type: FlagEvent, description?: string, details?: FlagDetails) => FlagData;

/**
 * Returns a factory for complete flags: unique `id` (UUID v4), ISO `createdAt`, exam/candidate and,
 * when known, the relay session. Consumers de-duplicate on `id`, so it must never repeat.
 * One factory lives for one monitoring session and numbers the flags of each type in
 * `details.countThisSession` (1, 2, ...), so counts survive detectors being paused and restarted.
 */
export function createFlagFactory(identity: FlagIdentity, now: () => Date = () => new Date()): FlagFactory {
  const counts = new Map<FlagEvent, number>();
  return (type, description, details) => {
    const countThisSession = (counts.get(type) ?? 0) + 1;
    counts.set(type, countThisSession);
    const flag: FlagData = {
      id: randomUUID(),
      type,
      description: description ?? FLAG_DESCRIPTIONS[type],
      createdAt: now().toISOString(),
      examId: identity.examId,
      candidateId: identity.candidateId,
    };
    if (identity.sessionId) flag.sessionId = identity.sessionId;
    flag.details = { countThisSession, ...details };
    return flag;
  };
}

/** `crypto.randomUUID` only exists in secure contexts; fall back to getRandomValues elsewhere. */
export function randomUUID(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40; // 16 bytes: both indices exist
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
