import type { SessionStatus } from '../db/schema.js';

export const SESSION_STATUSES: readonly SessionStatus[] = ['CREATED', 'IN_PROGRESS', 'PAUSED', 'STOPPED', 'SUSPENDED', 'COMPLETED'];

/** Ended states are final: monitoring is over, no transition leaves them. */
export const ENDED_STATUSES: readonly SessionStatus[] = ['STOPPED', 'SUSPENDED', 'COMPLETED'];

/**
 * Allowed transitions. STARTED moves CREATED -> IN_PROGRESS; END_PROCTORING moves a live session
 * to COMPLETED; the API pauses, resumes, suspends (ended, under review) or stops (ended by a proctor).
 */
const TRANSITIONS: Record<SessionStatus, readonly SessionStatus[]> = {
  CREATED: ['IN_PROGRESS', 'STOPPED', 'SUSPENDED', 'COMPLETED'],
  IN_PROGRESS: ['PAUSED', 'STOPPED', 'SUSPENDED', 'COMPLETED'],
  PAUSED: ['IN_PROGRESS', 'STOPPED', 'SUSPENDED', 'COMPLETED'],
  STOPPED: [],
  SUSPENDED: [],
  COMPLETED: [],
};

export function canTransition(from: SessionStatus, to: SessionStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function isEnded(status: SessionStatus): boolean {
  return ENDED_STATUSES.includes(status);
}

/** What the widget should do, sent back on every flag POST. */
export type Directive = 'pause' | 're-enroll' | 'resume' | 'end' | null;

/**
 * The directive for a widget that just posted `eventType` while the session is `status`:
 * pause while PAUSED, end once ended, resume if it reports itself paused while the session runs.
 * No directive repeats what the widget itself just reported.
 */
export function directiveFor(status: SessionStatus, eventType: string): Directive {
  if (isEnded(status)) return eventType === 'END_PROCTORING' ? null : 'end';
  if (status === 'PAUSED') return eventType === 'PAUSED' ? null : 'pause';
  if (status === 'IN_PROGRESS' && eventType === 'PAUSED') return 'resume';
  return null;
}

/** directiveFor, plus `re-enroll` while a proctor's re-enroll request is pending on a running session. */
export function directiveForSession(session: { status: SessionStatus; reenroll_requested_at: string | null }, eventType: string): Directive {
  const directive = directiveFor(session.status, eventType);
  if (directive === null && session.status === 'IN_PROGRESS' && session.reenroll_requested_at !== null) return 're-enroll';
  return directive;
}
