import { Event, isFlagEvent, type EyeEmission, type FlagData } from '../events.js';
import { randomUUID } from '../flags.js';
import type { RelayMessage } from './relay-client.js';

/** Who the widget is watching; lifecycle messages carry it like flags do. */
export interface MessageIdentity {
  examId: string;
  candidateId: string;
  sessionId: string;
}

/**
 * Non-flag events the relay keeps in the session timeline: they drive its status machine
 * (STARTED, END_PROCTORING, PAUSED, RESUMED) or travel with the session (calibration, check,
 * the candidate's consent).
 */
export const LIFECYCLE_EVENTS = new Set<Event>([
  Event.STARTED,
  Event.END_PROCTORING,
  Event.PAUSED,
  Event.RESUMED,
  Event.SYSTEM_CHECK_COMPLETED,
  Event.CALIBRATION_COMPLETED,
  Event.CONSENT_GIVEN,
  Event.CONSENT_DECLINED,
]);

/**
 * The candidate came back to the exam tab: `{ focused: true, awayMs, flagId }` names the
 * TAB_NOT_FOCUS flag it closes, so the relay can record how long the candidate was away.
 */
function isTabReturn(emission: EyeEmission): boolean {
  return emission.type === Event.TAB_FOCUS_CHANGE && emission.payload.focused && typeof emission.payload.flagId === 'string';
}

/** The wire body of a flag: every FlagData field except the File (which travels as `mediaFile`). */
export function flagBody(flag: FlagData & { mediaFile?: File }, sessionId: string): Record<string, unknown> {
  const body: Record<string, unknown> = { ...flag };
  delete body.mediaFile;
  return { ...body, sessionId: flag.sessionId ?? sessionId };
}

/**
 * What the relay should receive for an emission, or null for events that stay in the page
 * (SET_CONFIG, focus and fullscreen state changes, ...). Flags keep the id the widget gave
 * them, so the host and the relay see the same id; lifecycle events get a fresh one here.
 */
export function toRelayMessage(emission: EyeEmission, identity: MessageIdentity, now = () => new Date()): RelayMessage | null {
  if (isFlagEvent(emission.type)) {
    const flag = emission.payload as FlagData & { mediaFile?: File };
    const id = flag.id ?? randomUUID();
    const media = flag.mediaFile instanceof Blob ? flag.mediaFile : null; // a File (or a host's plain Blob, which has no name)
    return {
      id,
      kind: 'flag',
      type: emission.type,
      body: { ...flagBody(flag, identity.sessionId), id },
      media,
      mediaName: media ? (media.name || emission.type.toLowerCase()) : null,
    };
  }
  if (!LIFECYCLE_EVENTS.has(emission.type) && !isTabReturn(emission)) return null;
  const id = randomUUID();
  const body: Record<string, unknown> = {
    id,
    type: emission.type,
    createdAt: now().toISOString(),
    examId: identity.examId,
    candidateId: identity.candidateId,
    sessionId: identity.sessionId,
  };
  if (emission.payload !== undefined) body.payload = emission.payload;
  return { id, kind: 'lifecycle', type: emission.type, body, media: null, mediaName: null };
}
