import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { RelayConfig } from '../config.js';
import type { DbEngine } from '../db/connect.js';
import type { Database, Exam, SessionRow, SessionStatus } from '../db/schema.js';
import { hotQuery } from '../db/hot-sql.js';
import { httpError } from '../errors.js';
import { emitDomainEvents } from './pipeline.js';
import { riskSettingsOf, type ExamRiskSettings } from '../risk/service.js';
import { canTransition, isEnded } from './status.js';
import { nowIso } from '../clock.js';
import { endpointsJsonSql, rememberEndpoints } from '../webhooks/outbox.js';
import { openIncidentsJsonSql, openIncidentsOf, type OpenIncident } from '../incidents/service.js';

export interface Ctx {
  db: Kysely<Database>;
  engine: DbEngine;
  config: RelayConfig;
}

const now = nowIso;

/** The exam row, created with default thresholds the first time a session names it. */
export async function ensureExam(db: Kysely<Database>, tenantId: string, examId: string): Promise<Exam> {
  const t = now();
  await db
    .insertInto('exams')
    .values({ tenant_id: tenantId, id: examId, name: null, settings: null, created_at: t, updated_at: t })
    .onConflict((oc) => oc.columns(['tenant_id', 'id']).doNothing())
    .execute();
  return db.selectFrom('exams').selectAll().where('tenant_id', '=', tenantId).where('id', '=', examId).executeTakeFirstOrThrow();
}

export async function createSession(
  ctx: Ctx,
  tenantId: string,
  input: { examId: string; candidateId: string; metadata?: Record<string, unknown>; calibration?: Record<string, unknown> | null },
): Promise<SessionRow> {
  const id = randomUUID();
  const t = now();
  return ctx.db.transaction().execute(async (trx) => {
    await ensureExam(trx, tenantId, input.examId);
    return trx
      .insertInto('sessions')
      .values({
        id,
        tenant_id: tenantId,
        exam_id: input.examId,
        candidate_id: input.candidateId,
        status: 'CREATED',
        metadata: JSON.stringify(input.metadata ?? {}),
        calibration: input.calibration ? JSON.stringify(input.calibration) : null,
        started_at: null,
        ended_at: null,
        exit_reason: null,
        created_at: t,
        updated_at: t,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  });
}

const LOCK_SESSION = 'select * from sessions where id = ? and tenant_id = ?';
const LOCK_SESSION_PG = `${LOCK_SESSION} for update`;

/**
 * The session row, locked for the rest of the transaction on PostgreSQL (SQLite serialises
 * writers anyway), so concurrent flags of one session apply one after another.
 */
export async function lockSession(trx: Kysely<Database>, engine: DbEngine, sessionId: string, tenantId: string): Promise<SessionRow> {
  const [row] = await hotQuery<SessionRow>(trx, engine === 'postgres' ? LOCK_SESSION_PG : LOCK_SESSION, [sessionId, tenantId]);
  if (!row) throw httpError(404, 'session_not_found', 'session not found');
  return row;
}

/**
 * The flag path's lock: the session row (locked as by lockSession) with its exam's risk settings,
 * in one statement instead of two (a round trip less per flag on PostgreSQL). The session's flag
 * counts come with the row (`flag_counts`): under the lock they are exact.
 */
const SESSION_WITH_EXAM = `s.*,
  e.id as eye_exam_id, e.escalation_threshold as eye_escalation_threshold, e.critical_threshold as eye_critical_threshold, e.auto_pause as eye_auto_pause`;
const FROM_SESSION_AND_EXAM = 'from sessions s left join exams e on e.tenant_id = s.tenant_id and e.id = s.exam_id';
const LOCK_SESSION_FOR_FLAG = `select ${SESSION_WITH_EXAM} ${FROM_SESSION_AND_EXAM} where s.id = ? and s.tenant_id = ?`;
const LOCK_SESSION_FOR_FLAG_PG = `${LOCK_SESSION_FOR_FLAG} for update of s`;

type LockForFlagRow = SessionRow & {
  eye_exam_id: string | null;
  eye_escalation_threshold: unknown;
  eye_critical_threshold: unknown;
  eye_auto_pause: unknown;
  /** Only in a shared transaction's rows (lockSessionsAhead). */
  eye_endpoints?: unknown;
  eye_open?: unknown;
};

/** What the flag path learns with its lock (see lockSessionForFlag). */
export interface FlagLock {
  session: SessionRow;
  /** Stored flags per flag type in this session, before this one (sessions.flag_counts). */
  counts: FlagCounts;
  settings: ExamRiskSettings;
  /** The session's open incidents, when the lock read them (lockSessionsAhead); else read when a rule hits. */
  open?: OpenIncident[];
}

/** The row of a flag lock statement as the flag path uses it (one copy of the wide session row). */
function flagLockOf(trx: Kysely<Database>, row: LockForFlagRow): FlagLock {
  const { eye_exam_id, eye_escalation_threshold, eye_critical_threshold, eye_auto_pause, eye_endpoints, eye_open, ...session } = row;
  // The tenant's webhook endpoints, when they came with the row: the flag's event needs them (webhooks/outbox.ts).
  if (eye_endpoints !== undefined) rememberEndpoints(trx, session.tenant_id, eye_endpoints);
  const exam = eye_exam_id === null ? undefined : { escalation_threshold: eye_escalation_threshold, critical_threshold: eye_critical_threshold, auto_pause: eye_auto_pause };
  const lock: FlagLock = { session, counts: flagCountsOf(session), settings: riskSettingsOf(exam) };
  if (eye_open !== undefined) lock.open = openIncidentsOf(eye_open);
  return lock;
}

/** Stored flags per flag type (`isFlagEvent` types) of one session. */
export type FlagCounts = Record<string, number>;

function flagCountsOf(session: Pick<SessionRow, 'flag_counts'>): FlagCounts {
  return session.flag_counts ? (JSON.parse(session.flag_counts) as FlagCounts) : {};
}

/**
 * Every session of a shared ingest transaction in one statement, in id order (the order all flag
 * transactions lock in), with its tenant's webhook endpoints. On SQLite also its open incidents: the
 * transaction sees one snapshot and holds the only write lock. Not on PostgreSQL: a statement that
 * waited for a row lock reads other tables as they were before the wait, so it would miss the
 * incidents the previous holder opened (sessions/flag-batch.ts reads them after the lock). The
 * endpoints may be that old too: an endpoint added or changed during the wait races the flag
 * either way, and one deleted fails its delivery's insert (foreign key), so the flags are stored
 * again one by one, each reading them afresh.
 */
const lockSessionsForFlags = (engine: DbEngine) =>
  `select ${SESSION_WITH_EXAM}, ${endpointsJsonSql(engine, 's.tenant_id')} as eye_endpoints${engine === 'sqlite' ? `, ${openIncidentsJsonSql('s.id')} as eye_open` : ''} ${FROM_SESSION_AND_EXAM}`;
const LOCK_SESSIONS_FOR_FLAGS_SQLITE = `${lockSessionsForFlags('sqlite')} where s.id in (select value from json_each(?))`;
const LOCK_SESSIONS_FOR_FLAGS_PG = `${lockSessionsForFlags('postgres')} where s.id = any(?::text[]) order by s.id for update of s`;

/** Flag locks a shared transaction took ahead of its flags; each is taken once (its flag changes the row). */
const lockedAhead = new WeakMap<Kysely<Database>, Map<string, FlagLock>>();

/**
 * Locks and reads the sessions of a shared ingest transaction's flags at once, with their tenants'
 * webhook endpoints and on SQLite their open incidents (one statement instead of three per flag);
 * `lockSessionForFlag` then takes each lock instead of reading it. A session with several flags in
 * the transaction is read again from its second flag on, since the first changed it (and may have
 * opened an incident). `sessionIds` come sorted (sessions/group-ingest.ts).
 */
export async function lockSessionsAhead(trx: Kysely<Database>, engine: DbEngine, sessionIds: readonly string[]): Promise<void> {
  const ids = [...new Set(sessionIds)];
  if (ids.length === 0) return;
  const rows = await hotQuery<LockForFlagRow>(trx, engine === 'postgres' ? LOCK_SESSIONS_FOR_FLAGS_PG : LOCK_SESSIONS_FOR_FLAGS_SQLITE, [
    engine === 'postgres' ? ids : JSON.stringify(ids),
  ]);
  const ahead = new Map<string, FlagLock>();
  for (const row of rows) ahead.set(row.id, flagLockOf(trx, row));
  lockedAhead.set(trx, ahead);
}

function takeLockedAhead(trx: Kysely<Database>, sessionId: string, tenantId: string): FlagLock | undefined {
  const ahead = lockedAhead.get(trx);
  const lock = ahead?.get(sessionId);
  if (!lock) return undefined;
  ahead?.delete(sessionId);
  // Another tenant's session id: the statement below finds nothing and answers 404.
  return lock.session.tenant_id === tenantId ? lock : undefined;
}

export async function lockSessionForFlag(trx: Kysely<Database>, engine: DbEngine, sessionId: string, tenantId: string): Promise<FlagLock> {
  const ahead = takeLockedAhead(trx, sessionId, tenantId);
  if (ahead) return ahead;
  const [row] = await hotQuery<LockForFlagRow>(trx, engine === 'postgres' ? LOCK_SESSION_FOR_FLAG_PG : LOCK_SESSION_FOR_FLAG, [sessionId, tenantId]);
  if (!row) throw httpError(404, 'session_not_found', 'session not found');
  return flagLockOf(trx, row);
}

const EXIT_REASONS: Partial<Record<SessionStatus, string>> = {
  COMPLETED: 'completed',
  STOPPED: 'stopped',
  SUSPENDED: 'suspended',
};

/**
 * Moves a locked session to `to` inside `trx` and raises session.started / session.ended.
 * Throws 409 for a transition the status machine does not allow.
 */
export async function transition(
  trx: Kysely<Database>,
  session: SessionRow,
  to: SessionStatus,
  reason?: string,
): Promise<SessionRow> {
  if (!canTransition(session.status, to)) {
    throw httpError(409, 'invalid_transition', `cannot change session status from ${session.status} to ${to}`);
  }
  const t = now();
  const starting = to === 'IN_PROGRESS' && session.started_at === null;
  const ending = isEnded(to);
  const exitReason = ending ? (reason ?? EXIT_REASONS[to] ?? to.toLowerCase()) : null;
  const updated = await trx
    .updateTable('sessions')
    .set({
      status: to,
      updated_at: t,
      ...(starting ? { started_at: t } : {}),
      ...(ending ? { ended_at: t, exit_reason: exitReason } : {}),
    })
    .where('id', '=', session.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  if (starting) await emitDomainEvents(trx, { kind: 'session.started', session: updated });
  if (exitReason !== null) await emitDomainEvents(trx, { kind: 'session.ended', session: updated, exitReason });
  return updated;
}

/**
 * API status change (pause, resume, suspend, stop) as one transaction; `afterChange` runs inside
 * it after a real change (the console's audit log).
 */
export async function changeStatus(
  ctx: Ctx,
  tenantId: string,
  sessionId: string,
  to: SessionStatus,
  reason?: string,
  afterChange?: (trx: Kysely<Database>, before: SessionRow, after: SessionRow) => Promise<void>,
): Promise<SessionRow> {
  return ctx.db.transaction().execute(async (trx) => {
    const session = await lockSession(trx, ctx.engine, sessionId, tenantId);
    if (session.status === to) return session;
    const updated = await transition(trx, session, to, reason);
    await afterChange?.(trx, session, updated);
    return updated;
  });
}

/**
 * A proctor asks the widget to enroll the candidate's face again (after glasses, a haircut, or a
 * FACE_MISMATCH judged wrong): flag responses carry `re-enroll` until IDENTITY_ENROLLED arrives.
 */
export async function requestReenrollment(ctx: Ctx, tenantId: string, sessionId: string): Promise<SessionRow> {
  return ctx.db.transaction().execute(async (trx) => {
    const session = await lockSession(trx, ctx.engine, sessionId, tenantId);
    if (isEnded(session.status)) throw httpError(409, 'session_ended', `session is ${session.status}; nothing to re-enroll`);
    const now = new Date().toISOString();
    return trx.updateTable('sessions').set({ reenroll_requested_at: now, updated_at: now }).where('id', '=', session.id).returningAll().executeTakeFirstOrThrow();
  });
}

/**
 * Erases a session and everything recorded about it (flags, media rows, incidents, webhook events:
 * all cascade from the session row) in one transaction. Returns the media files to remove once
 * the deletion has committed.
 */
export async function deleteSession(ctx: Ctx, tenantId: string, sessionId: string): Promise<string[]> {
  return ctx.db.transaction().execute(async (trx) => {
    const session = await lockSession(trx, ctx.engine, sessionId, tenantId);
    const media = await trx.selectFrom('media').select('storage_name').where('session_id', '=', session.id).execute();
    await trx.deleteFrom('sessions').where('id', '=', session.id).execute();
    return media.map((m) => m.storage_name);
  });
}
