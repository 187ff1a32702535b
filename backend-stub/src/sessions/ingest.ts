import { randomUUID } from 'node:crypto';
import { isFlagEvent, isMediaFlagEvent, Event } from '../../../src/events.js';
import type { FlagRow, SessionRow, SessionStatus } from '../db/schema.js';
import { httpError } from '../errors.js';
import { sniffMediaType, type SniffedType } from '../media/sniff.js';
import type { MediaStore, TempMedia } from '../media/store.js';
import type { SessionClaims } from '../tokens.js';
import { emitDomainEvents } from '../webhooks/emit.js';
import { defaultDescription, flagContentHash, type FlagInput } from './flag-input.js';
import { lockSession, transition, type Ctx } from './service.js';
import { directiveFor, isEnded, type Directive } from './status.js';
import { awaitsDuration, closeTabSwitch, settleNewTabSwitch, tabReturnOf } from './tab-switch.js';

/** Response of `POST /v1/sessions/{id}/flags` (`directive` tells the widget to pause, resume or end; see /openapi.json). */
export interface FlagResult {
  id: string;
  duplicate: boolean;
  session: { status: SessionStatus };
  directive: Directive;
  mediaId: string | null;
}

/** Snapshots (face absence, multiple faces, periodic) are images; SOUND_DETECTED is audio. */
function expectedKind(type: Event): 'image' | 'audio' {
  return type === Event.SOUND_DETECTED ? 'audio' : 'image';
}

/**
 * Checks an upload against the flag: only media flags carry files, the bytes decide the type,
 * the type must fit the flag, and each kind has its own size limit.
 */
export function checkMedia(ctx: Ctx, type: Event, temp: TempMedia): SniffedType {
  if (!isMediaFlagEvent(type)) throw httpError(400, 'media_not_allowed', `${type} does not carry a media file`);
  const sniffed = sniffMediaType(temp.head);
  if (!sniffed) throw httpError(415, 'unsupported_media', 'media bytes are not JPEG, PNG, WebP, WebM, Ogg or WAV');
  const want = expectedKind(type);
  if (sniffed.kind !== want) throw httpError(415, 'media_type_mismatch', `${type} needs ${want} media, got ${sniffed.contentType}`);
  const limit = want === 'image' ? ctx.config.limits.imageBytes : ctx.config.limits.audioBytes;
  if (temp.size > limit) throw httpError(413, 'payload_too_large', `${want} media exceeds ${limit} bytes`);
  if (temp.size === 0) throw httpError(400, 'empty_media', 'media file is empty');
  return sniffed;
}

/**
 * Stores one posted event in one transaction: the flag row, its media row (file renamed into the
 * store inside the transaction, removed again if it rolls back), status effects, domain events.
 * Idempotent on (session, flag id).
 */
export async function ingestFlag(
  ctx: Ctx,
  store: MediaStore,
  claims: SessionClaims,
  input: FlagInput,
  media: { temp: TempMedia; type: SniffedType } | null,
): Promise<FlagResult> {
  const flagId = input.id ?? randomUUID();
  const hash = flagContentHash(input, media?.temp.sha256 ?? null);
  const tabReturn = tabReturnOf(input.type, input.payload);
  let storageName: string | null = null;
  try {
    return await ctx.db.transaction().execute(async (trx) => {
      let session: SessionRow = await lockSession(trx, ctx.engine, claims.sessionId, claims.tenantId);
      const existing = await trx
        .selectFrom('flags')
        .select(['id', 'type', 'content_hash', 'media_id'])
        .where('session_id', '=', session.id)
        .where('id', '=', flagId)
        .executeTakeFirst();
      if (existing) {
        if (existing.content_hash !== hash) throw httpError(409, 'flag_conflict', `flag ${flagId} already exists with different content`);
        return { id: flagId, duplicate: true, session: { status: session.status }, directive: directiveFor(session.status, input.type), mediaId: existing.media_id };
      }

      const receivedAt = new Date().toISOString();
      let mediaId: string | null = null;
      if (media) {
        storageName = await store.commit(media.temp);
        mediaId = randomUUID();
        await trx
          .insertInto('media')
          .values({
            id: mediaId,
            session_id: session.id,
            content_type: media.type.contentType,
            size: media.temp.size,
            sha256: media.temp.sha256,
            storage_name: storageName,
            created_at: receivedAt,
          })
          .execute();
      }
      const flag: FlagRow = await trx
        .insertInto('flags')
        .values({
          session_id: session.id,
          id: flagId,
          type: input.type,
          description: input.description ?? defaultDescription(input.type),
          created_at: input.createdAt ?? receivedAt,
          received_at: receivedAt,
          details: input.details ? JSON.stringify(input.details) : null,
          payload: input.payload ? JSON.stringify(input.payload) : null,
          media_id: mediaId,
          content_hash: hash,
          event_pending: awaitsDuration(input.type, input.details) ? 1 : 0,
        })
        .returningAll()
        .executeTakeFirstOrThrow();

      if (input.type === Event.STARTED && session.status === 'CREATED') {
        session = await transition(trx, ctx, session, 'IN_PROGRESS');
      } else if (input.type === Event.END_PROCTORING && !isEnded(session.status)) {
        session = await transition(trx, ctx, session, 'COMPLETED', 'completed');
      } else if (tabReturn) {
        await closeTabSwitch(trx, session, tabReturn.flagId, tabReturn.awayMs);
      } else if (input.type === Event.CALIBRATION_COMPLETED) {
        session = await trx
          .updateTable('sessions')
          .set({ calibration: JSON.stringify(input.payload), updated_at: receivedAt })
          .where('id', '=', session.id)
          .returningAll()
          .executeTakeFirstOrThrow();
      } else if (isFlagEvent(input.type)) {
        // The domain events change the session (risk score, auto-pause at critical risk).
        session = await emitDomainEvents(trx, { kind: 'flag', session, flag }, { config: ctx.config });
        await settleNewTabSwitch(trx, session, flag);
      }
      return { id: flagId, duplicate: false, session: { status: session.status }, directive: directiveFor(session.status, input.type), mediaId };
    });
  } catch (err) {
    if (storageName) await store.remove(storageName);
    throw err;
  } finally {
    if (media && !storageName) await store.discard(media.temp);
  }
}
