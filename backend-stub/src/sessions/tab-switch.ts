import { sql, type Kysely } from 'kysely';
import { Event, isEvent } from '../../../src/events.js';
import type { Database, FlagRow, SessionRow } from '../db/schema.js';
import { flagEvent } from '../webhooks/catalog.js';
import { enqueueEvent } from '../webhooks/outbox.js';
import { isEnded } from './status.js';

/**
 * Tab switches have a duration the widget only knows when the candidate comes back. A TAB_NOT_FOCUS
 * posted without `details.durationMs` is stored at once (it counts for risk and incidents right
 * away) but its proctoring_event.tab_switch webhook waits (`event_pending`) until the return message
 * (TAB_FOCUS_CHANGE `{focused:true, awayMs, flagId}`) or the end of the session, whichever comes first,
 * so the webhook carries a real `duration_ms`.
 */

/**
 * The flag types as SQL literals: PostgreSQL's generic plans (prepared statements) use the partial
 * indexes flags_tab_switch_idx / flags_tab_return_idx (migration 0014) only when the type is a
 * literal, not a parameter.
 */
const TAB_SWITCH = sql.lit(Event.TAB_NOT_FOCUS);
const TAB_RETURN = sql.lit(Event.TAB_FOCUS_CHANGE);

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
  return isEvent(type) && type === Event.TAB_NOT_FOCUS && !(typeof d === 'number' && Number.isFinite(d));
}

/**
 * The tab-switch queries that read more than one row, as builders (tab-switch.test.ts checks that
 * each one's plan uses its partial index on both engines).
 */
export const tabSwitchQueries = {
  /** Counts the session's tab switches up to `flag` in (created_at, id) order. */
  upTo: (db: Kysely<Database>, flag: Pick<FlagRow, 'session_id' | 'created_at' | 'id'>) =>
    db
      .selectFrom('flags')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('session_id', '=', flag.session_id)
      .where('type', '=', TAB_SWITCH)
      .where((eb) => eb.or([eb('created_at', '<', flag.created_at), eb.and([eb('created_at', '=', flag.created_at), eb('id', '<=', flag.id)])])),
  /** Return messages of the session that may name `flagId` (the payload is checked after). */
  returnsNaming: (db: Kysely<Database>, sessionId: string, flagId: string) =>
    db
      .selectFrom('flags')
      .select('payload')
      .where('session_id', '=', sessionId)
      .where('type', '=', TAB_RETURN)
      .where('payload', 'like', `%${JSON.stringify(flagId)}%`),
  /** Tab switches of the session still waiting for their duration, oldest first. */
  waiting: (db: Kysely<Database>, sessionId: string) =>
    db.selectFrom('flags').selectAll().where('session_id', '=', sessionId).where('type', '=', TAB_SWITCH).where('event_pending', '=', 1).orderBy('created_at').orderBy('id'),
};

/** The 1-based position of `flag` among the session's tab switches (count_this_session). */
async function tabSwitchNumber(trx: Kysely<Database>, flag: FlagRow): Promise<number> {
  const before = await tabSwitchQueries.upTo(trx, flag).executeTakeFirstOrThrow();
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
    .where('type', '=', TAB_SWITCH)
    .executeTakeFirst();
  if (flag) await close(trx, session, flag, awayMs);
}

/** The time away a return message already stored for `flagId` reports, or null (requests may be retried out of order). */
async function earlierReturn(trx: Kysely<Database>, sessionId: string, flagId: string): Promise<number | null> {
  const returns = await tabSwitchQueries.returnsNaming(trx, sessionId, flagId).execute();
  for (const r of returns) {
    const ret = tabReturnOf(Event.TAB_FOCUS_CHANGE, r.payload ? (JSON.parse(r.payload) as Record<string, unknown>) : null);
    if (ret?.flagId === flagId) return ret.awayMs;
  }
  return null;
}

/** From the flag to the session's end, on the relay's clock (the candidate never came back, or the return was lost). */
function awayUntilEnd(session: SessionRow, flag: FlagRow): number {
  const away = Date.parse(session.ended_at ?? session.updated_at) - Date.parse(flag.created_at);
  return Number.isFinite(away) ? Math.round(Math.min(Math.max(0, away), MAX_AWAY_MS)) : 0;
}

/**
 * A TAB_NOT_FOCUS was just stored. If it waits for its duration, it is closed at once when its
 * return message arrived first, or when the session is already over; otherwise it keeps waiting.
 */
export async function settleNewTabSwitch(trx: Kysely<Database>, session: SessionRow, flag: FlagRow): Promise<void> {
  if (!flag.event_pending) return;
  const awayMs = await earlierReturn(trx, session.id, flag.id);
  if (awayMs !== null) await close(trx, session, flag, awayMs);
  else if (isEnded(session.status)) await close(trx, session, flag, awayUntilEnd(session, flag));
}

/** The session ended: every tab switch still waiting lasted until the end. */
export async function closeOpenTabSwitches(trx: Kysely<Database>, session: SessionRow): Promise<void> {
  const open = await tabSwitchQueries.waiting(trx, session.id).execute();
  for (const flag of open) await close(trx, session, flag, awayUntilEnd(session, flag));
}
