/**
 * Retention: events stay replayable for `retentionMs` (72 h) after their session ended. Past
 * that, the job deletes the session's outgoing events (their deliveries and attempt logs go with
 * them) and its media files and rows. Test events (no session) are purged the same time after
 * they were created. Deliveries held for a disabled endpoint (webhooks/hold.ts) longer than the
 * window give up: they become undelivered (still listed, redeliverable while their event exists).
 * Idempotent, so several relay processes may run it.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { MediaStore } from '../media/store.js';
import { now as clockNow } from '../clock.js';

export interface PurgeResult {
  sessions: number;
  events: number;
  media: number;
  /** Held deliveries that waited longer than the window and were marked undelivered. */
  heldExpired: number;
}

export const HELD_EXPIRED_ERROR = 'held longer than the retention window while the endpoint was disabled';

const CHUNK = 200;

export async function purgeExpired(db: Kysely<Database>, store: MediaStore, retentionMs: number, now = clockNow()): Promise<PurgeResult> {
  const cutoff = new Date(now - retentionMs).toISOString();
  const result: PurgeResult = { sessions: 0, events: 0, media: 0, heldExpired: 0 };
  const held = await db
    .updateTable('webhook_deliveries')
    .set({ status: 'undelivered', last_error: HELD_EXPIRED_ERROR, updated_at: new Date(now).toISOString() })
    .where('status', '=', 'held')
    .where('created_at', '<', cutoff)
    .executeTakeFirst();
  result.heldExpired = Number(held.numUpdatedRows);
  for (;;) {
    // Ended sessions past the window that still hold events or media.
    const sessions = await db
      .selectFrom('sessions as s')
      .select('s.id')
      .where('s.ended_at', 'is not', null)
      .where('s.ended_at', '<', cutoff)
      .where((eb) =>
        eb.or([
          eb.exists(eb.selectFrom('webhook_events as e').select('e.id').whereRef('e.session_id', '=', 's.id')),
          eb.exists(eb.selectFrom('media as m').select('m.id').whereRef('m.session_id', '=', 's.id')),
        ]),
      )
      .limit(CHUNK)
      .execute();
    if (sessions.length === 0) break;
    const ids = sessions.map((s) => s.id);
    const files = await db.transaction().execute(async (trx) => {
      const ev = await trx.deleteFrom('webhook_events').where('session_id', 'in', ids).executeTakeFirst();
      const media = await trx.selectFrom('media').select(['id', 'storage_name']).where('session_id', 'in', ids).execute();
      if (media.length > 0) {
        const mediaIds = media.map((m) => m.id);
        await trx.updateTable('flags').set({ media_id: null }).where('media_id', 'in', mediaIds).execute();
        await trx.deleteFrom('media').where('id', 'in', mediaIds).execute();
      }
      result.events += Number(ev.numDeletedRows);
      result.media += media.length;
      return media.map((m) => m.storage_name);
    });
    // Files go after the rows are gone: a crash in between leaves an orphan file, never a dangling row.
    for (const name of files) await store.remove(name);
    result.sessions += ids.length;
    if (sessions.length < CHUNK) break;
  }
  const tests = await db.deleteFrom('webhook_events').where('session_id', 'is', null).where('created_at', '<', cutoff).executeTakeFirst();
  result.events += Number(tests.numDeletedRows);
  return result;
}
