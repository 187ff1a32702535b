import { randomUUID } from 'node:crypto';
import { isFlagEvent, isMediaFlagEvent, Event } from '../../../src/events.js';
import type { Kysely, Transaction } from 'kysely';
import type { Database, FlagRow, SessionRow, SessionStatus } from '../db/schema.js';
import { httpError } from '../errors.js';
import { sniffMediaType, type SniffedType } from '../media/sniff.js';
import type { MediaStore, TempMedia } from '../media/store.js';
import type { SessionClaims } from '../tokens.js';
import { emitDomainEvents, storeFlagWithEffects } from './pipeline.js';
import { insertFlagOrIgnore } from './flag-batch.js';
import { consentRecord, isConsentEvent } from './consent.js';
import { defaultDescription, flagContentHash, type FlagInput } from './flag-input.js';
import { lockSessionForFlag, transition, type Ctx } from './service.js';
import { directiveForSession, isEnded, type Directive } from './status.js';
import { awaitsDuration, closeTabSwitch, settleNewTabSwitch, tabReturnOf } from './tab-switch.js';
import { nowIso } from '../clock.js';

/**
 * Response of `POST /v1/sessions/{id}/flags` (`directive` tells the widget to pause, resume or end; see /openapi.json).
 * A type alias, not an interface, so that it fits the response schema's open object type (routes/flags.ts).
 */
export type FlagResult = {
  id: string;
  duplicate: boolean;
  session: { status: SessionStatus };
  directive: Directive;
  mediaId: string | null;
};

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

/** The widget enrolled again (IDENTITY_ENROLLED arrived after the request): the re-enroll directive stops. */
async function clearReenrollRequest(trx: Kysely<Database>, session: SessionRow): Promise<SessionRow> {
  return trx.updateTable('sessions').set({ reenroll_requested_at: null }).where('id', '=', session.id).returningAll().executeTakeFirstOrThrow();
}

/**
 * A flag the widget created after the session ended is refused (409): session.ended has already
 * reported the summary and risk score. A flag created before the end that arrives late (offline
 * outbox) is stored and counts like any other. Lifecycle events (END_PROCTORING, focus returns,
 * ...) are still stored after the end: they raise no incident and no score change.
 */
function refuseFlagAfterEnd(session: SessionRow, input: FlagInput, receivedAt: string): void {
  if (!isFlagEvent(input.type) || !isEnded(session.status) || !session.ended_at) return;
  const createdAt = input.createdAt ?? receivedAt;
  if (Date.parse(createdAt) > Date.parse(session.ended_at)) {
    throw httpError(409, 'session_ended', `session is ${session.status} since ${session.ended_at}; a flag created at ${createdAt} is refused`);
  }
}

/** The stored flag with this id (the insert-or-ignore found it there). */
async function storedFlag(trx: Kysely<Database>, sessionId: string, flagId: string): Promise<Pick<FlagRow, 'content_hash' | 'media_id'>> {
  return trx.selectFrom('flags').select(['content_hash', 'media_id']).where('session_id', '=', sessionId).where('id', '=', flagId).executeTakeFirstOrThrow();
}

/** A flag whose only effects are the flag path's (event, risk score, incidents): not a re-enrollment that ends a request. */
function isPlainFlag(type: Event, session: SessionRow): boolean {
  return isFlagEvent(type) && !(type === Event.IDENTITY_ENROLLED && session.reenroll_requested_at !== null);
}

/**
 * Runs `body` in a transaction, possibly shared with other flags (sessions/group-ingest.ts); the
 * promise settles once that transaction has committed. `sessionId` orders bodies in a shared one.
 */
export type SharedTransactions = <R>(sessionId: string, body: (trx: Transaction<Database>) => Promise<R>) => Promise<R>;

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
  shared?: SharedTransactions,
): Promise<FlagResult> {
  const flagId = input.id ?? randomUUID();
  const hash = flagContentHash(input, media?.temp.sha256 ?? null);
  const tabReturn = tabReturnOf(input.type, input.payload);
  // Set inside the transaction callback (a property, so the catch below sees the assignment's type).
  const stored: { name: string | null } = { name: null };
  try {
    // A plain flag may share its transaction with concurrent ones (group commit; the body is safe to
    // run again alone). A media flag has its own: its file is moved into the store inside it.
    const run: SharedTransactions = media || !shared ? (_id, body) => ctx.db.transaction().execute(body) : shared;
    return await run(claims.sessionId, async (trx) => {
      const lock = await lockSessionForFlag(trx, ctx.engine, claims.sessionId, claims.tenantId);
      let session: SessionRow = lock.session;
      const duplicateOf = (existing: Pick<FlagRow, 'content_hash' | 'media_id'>): FlagResult => {
        if (existing.content_hash !== hash) throw httpError(409, 'flag_conflict', `flag ${flagId} already exists with different content`);
        return { id: flagId, duplicate: true, session: { status: session.status }, directive: directiveForSession(session, input.type), mediaId: existing.media_id };
      };
      const receivedAt = nowIso();
      const values = (mediaId: string | null) => ({
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
      });
      let flag: FlagRow;
      let mediaId: string | null = null;
      if (!media && !isEnded(session.status)) {
        // Hot path, a plain flag: insert-or-ignore (one statement); only a repeated id reads the stored one.
        const row = values(null);
        flag = { ...row, away_ms: null }; // every column: FLAG_COLUMNS plus away_ms (null until the return message)
        if (isPlainFlag(input.type, session)) {
          // The flag and what it changes (sessions/flag-batch.ts; on PostgreSQL one statement shared with the transaction's other flags).
          const after = await storeFlagWithEffects(trx, session, flag, lock);
          if (!after) return duplicateOf(await storedFlag(trx, session.id, flagId));
          await settleNewTabSwitch(trx, after, flag);
          return { id: flagId, duplicate: false, session: { status: after.status }, directive: directiveForSession(after, input.type), mediaId: null };
        }
        if (!(await insertFlagOrIgnore(trx, row))) return duplicateOf(await storedFlag(trx, session.id, flagId));
      } else {
        // A media flag moves its file into the store before its row; after the end a repeated id
        // is a duplicate even if a new flag with that createdAt would be refused: look first.
        const existing = await trx
          .selectFrom('flags')
          .select(['content_hash', 'media_id'])
          .where('session_id', '=', session.id)
          .where('id', '=', flagId)
          .executeTakeFirst();
        if (existing) return duplicateOf(existing);
        refuseFlagAfterEnd(session, input, receivedAt);
        if (media) {
          stored.name = await store.commit(media.temp, trx);
          mediaId = randomUUID();
          await trx
            .insertInto('media')
            .values({
              id: mediaId,
              session_id: session.id,
              content_type: media.type.contentType,
              size: media.temp.size,
              sha256: media.temp.sha256,
              storage_name: stored.name,
              created_at: receivedAt,
            })
            .execute();
        }
        flag = await trx.insertInto('flags').values(values(mediaId)).returningAll().executeTakeFirstOrThrow();
      }

      if (input.type === Event.STARTED && session.status === 'CREATED') {
        session = await transition(trx, session, 'IN_PROGRESS');
      } else if (input.type === Event.END_PROCTORING && !isEnded(session.status)) {
        session = await transition(trx, session, 'COMPLETED', 'completed');
      } else if (tabReturn) {
        await closeTabSwitch(trx, session, tabReturn.flagId, tabReturn.awayMs);
      } else if (input.type === Event.CALIBRATION_COMPLETED) {
        session = await trx
          .updateTable('sessions')
          .set({ calibration: JSON.stringify(input.payload), updated_at: receivedAt })
          .where('id', '=', session.id)
          .returningAll()
          .executeTakeFirstOrThrow();
      } else if (isConsentEvent(input.type)) {
        // The latest answer counts (a reload asks again); session.started carries the one in force.
        // parseFlagInput refused a consent event without its payload.
        if (input.payload === null) throw httpError(400, 'invalid_consent', 'consent events need the payload { version, locale, external }');
        const record = consentRecord(input.type, input.payload, flag.created_at);
        session = await trx
          .updateTable('sessions')
          .set({ consent: JSON.stringify(record), updated_at: receivedAt })
          .where('id', '=', session.id)
          .returningAll()
          .executeTakeFirstOrThrow();
      } else if (isFlagEvent(input.type)) {
        if (input.type === Event.IDENTITY_ENROLLED && session.reenroll_requested_at !== null) session = await clearReenrollRequest(trx, session);
        // The domain events change the session (risk score, auto-pause at critical risk).
        session = await emitDomainEvents(trx, { kind: 'flag', session, flag, counted: { counts: lock.counts, settings: lock.settings } });
        await settleNewTabSwitch(trx, session, flag);
      }
      return { id: flagId, duplicate: false, session: { status: session.status }, directive: directiveForSession(session, input.type), mediaId };
    });
  } catch (err) {
    // The flag's error is the answer; bytes a failing store keeps are an orphan (names() lists it).
    if (stored.name) await store.remove(stored.name).catch(() => undefined);
    throw err;
  } finally {
    if (media && !stored.name) await store.discard(media.temp);
  }
}
