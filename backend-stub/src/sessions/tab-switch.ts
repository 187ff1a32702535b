import type { Kysely } from 'kysely';
import { Event } from '../../../src/events.js';
import type { Database, FlagRow, SessionRow } from '../db/schema.js';
import { flagEvent } from '../webhooks/catalog.js';
import { enqueueEvent } from '../webhooks/outbox.js';

/**
 * Tab switches have a duration the widget only knows when the candidate comes back. A TAB_NOT_FOCUS
 * posted without `details.durationMs` is stored at once (it counts for risk and incidents right
 * away) but its proctoring_event.tab_switch webhook waits (`event_pending`) until the return message
 * (TAB_FOCUS_CHANGE `{focused:true, awayMs, flagId}`) or the end of the session, whichever comes first,
 * so the webhook carries a real `duration_ms`.
 */

/** Upper bound for a reported time away: a day (anything longer is a broken clock). */
const MAX_AWAY_MS = 24 * 60 * 60 * 1000;

/** The TAB_NOT_FOCUS id and time away a return message names, or null when it is not one. */
export function tabReturnOf(type: Event, payload: Record<string, unknown> | null): { flagId: string; awayMs: number } | null {
  if (type !== Event.TAB_FOCUS_CHANGE || !payload || payload.focused !== true) return null;
  const { flagId, awayMs } = payload;
  if (typeof flagId !== 'string' || typeof awayMs !== 'number' || !Number.isFinite(awayMs) || awayMs < 0) return null;
  return { flagId, awayMs: Math.min(Math.round(awayMs), MAX_AWAY_MS) };
}

/** True for a TAB_NOT_FOCUS whose duration is not known yet (its webhook must wait). */
export function awaitsDuration(type: string, details: Record<string, unknown> | null): boolean {
  const d = details?.durationMs;
  return type === Event.TAB_NOT_FOCUS && !(typeof d === 'number' && Number.isFinite(d));
}

/** The 1-based position of `flag` among the session's tab switches (count_this_session). */
async function tabSwitchNumber(trx: Kysely<Database>, flag: FlagRow): Promise<number> {
  const before = await trx
    .selectFrom('flags')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('session_id', '=', flag.session_id)
    .where('type', '=', Event.TAB_NOT_FOCUS)
    .where((eb) => eb.or([eb('created_at', '<', flag.created_at), eb.and([eb('created_at', '=', flag.created_at), eb('id', '<=', flag.id)])]))
    .executeTakeFirstOrThrow();
  return Number(before.n);
}

/** Records `awayMs` on a waiting tab switch and releases its webhook. No-op when not waiting. */
async function close(trx: Kysely<Database>, session: SessionRow, flag: FlagRow, awayMs: number): Promise<void> {
  const updated = await trx
    .updateTable('flags')
    .set({ away_ms: awayMs, event_pending: 0 })
    .where('session_id', '=', flag.session_id)
    .where('id', '=', flag.id)
    .where('event_pending', '=', 1)
    .returningAll()
    .executeTakeFirst();
  if (!updated) return;
  const event = flagEvent(session, updated, await tabSwitchNumber(trx, updated));
  if (event) await enqueueEvent(trx, { tenantId: session.tenant_id, sessionId: session.id, event });
}

/** A return message arrived: close the tab switch it names (if that flag is here and waiting). */
export async function closeTabSwitch(trx: Kysely<Database>, session: SessionRow, flagId: string, awayMs: number): Promise<void> {
  const flag = await trx
    .selectFrom('flags')
    .selectAll()
    .where('session_id', '=', session.id)
    .where('id', '=', flagId)
    .where('type', '=', Event.TAB_NOT_FOCUS)
    .executeTakeFirst();
  if (flag) await close(trx, session, flag, awayMs);
}

/**
 * A waiting TAB_NOT_FOCUS was just stored: if its return message came first (requests may be
 * retried out of order), close it with that message's time away. Returns whether it did.
 */
export async function closeWithEarlierReturn(trx: Kysely<Database>, session: SessionRow, flag: FlagRow): Promise<boolean> {
  const returns = await trx
    .selectFrom('flags')
    .select('payload')
    .where('session_id', '=', session.id)
    .where('type', '=', Event.TAB_FOCUS_CHANGE)
    .where('payload', 'like', `%${JSON.stringify(flag.id)}%`)
    .execute();
  for (const r of returns) {
    const ret = tabReturnOf(Event.TAB_FOCUS_CHANGE, r.payload ? (JSON.parse(r.payload) as Record<string, unknown>) : null);
    if (ret?.flagId === flag.id) {
      await close(trx, session, flag, ret.awayMs);
      return true;
    }
  }
  return false;
}

/**
 * The session ended: every tab switch still waiting lasted until the end (the candidate never
 * came back, or the return message was lost), measured on the relay's clock from the flag's time.
 */
export async function closeOpenTabSwitches(trx: Kysely<Database>, session: SessionRow): Promise<void> {
  const open = await trx.selectFrom('flags').selectAll().where('session_id', '=', session.id).where('event_pending', '=', 1).orderBy('created_at').execute();
  const endMs = Date.parse(session.ended_at ?? session.updated_at);
  for (const flag of open) {
    const away = Number.isFinite(endMs - Date.parse(flag.created_at)) ? Math.max(0, Math.min(endMs - Date.parse(flag.created_at), MAX_AWAY_MS)) : 0;
    await close(trx, session, flag, Math.round(away));
  }
}
