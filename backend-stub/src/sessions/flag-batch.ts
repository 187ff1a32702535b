/**
 * Writes of a new plain flag: the flag row (insert-or-ignore), its webhook event and the session's
 * risk score, and on PostgreSQL a read of the session's open incidents. On SQLite they are one
 * statement each: better-sqlite3 runs them in the relay process, without a round trip. On
 * PostgreSQL every flag body of a shared ingest transaction (sessions/group-ingest.ts) runs at the
 * same time up to its write, and the writes gathered in that turn of the event loop go out as one
 * statement: a group of N flags costs one round trip for all of them instead of several each; on
 * that path the relay's CPU went mostly to round trips (socket writes and wake-ups), not to
 * PostgreSQL.
 */
import type { Kysely } from 'kysely';
import { hotExec, hotQuery, sqlEngineOf } from '../db/hot-sql.js';
import type { Database, FlagRow } from '../db/schema.js';
import { turnBatchesPerTransaction } from '../db/turn-batch.js';
import { OPEN_STATUSES_SQL, type OpenIncident } from '../incidents/service.js';
import { EVENT_COLUMNS, insertEvent } from '../webhooks/outbox.js';

/** Columns of a flag row as the flag path inserts it (away_ms stays null until the return message). */
export const FLAG_COLUMNS = ['session_id', 'id', 'type', 'description', 'created_at', 'received_at', 'details', 'payload', 'media_id', 'content_hash', 'event_pending'] as const;

/** One new flag with what it changes, worked out under its session's lock (sessions/pipeline.ts). */
export interface FlagWrite {
  flag: FlagRow;
  /** The webhook event's values in EVENT_COLUMNS order, or null (a tab switch waiting for its duration). */
  event: unknown[] | null;
  risk: { score: number; evidence: number; evaluatedAt: string; flagCounts: string; pause: boolean };
}

/** What was written for a flag; null when its id was stored already (nothing written for it). */
export interface FlagWritten {
  /** The session row took the new score (false only if it vanished under its lock). */
  updated: boolean;
  /**
   * The session's open incidents, when the write read them (PostgreSQL; SQLite may have read them
   * with the lock); else read if a rule hits.
   */
  open?: OpenIncident[];
}

/** A new flag row, or nothing when (session, id) is stored already; values in FLAG_COLUMNS order. */
const INSERT_FLAG_OR_IGNORE = `insert into flags (${FLAG_COLUMNS.join(', ')}) values (${FLAG_COLUMNS.map(() => '?').join(', ')}) on conflict (session_id, id) do nothing`;

/** Inserts the flag row; false when (session, id) was stored already. */
export async function insertFlagOrIgnore(trx: Kysely<Database>, flag: Pick<FlagRow, (typeof FLAG_COLUMNS)[number]>): Promise<boolean> {
  return (await hotExec(trx, INSERT_FLAG_OR_IGNORE, FLAG_COLUMNS.map((c) => flag[c]))) === 1;
}

/** The risk columns a stored flag sets (fixed SQL: every flag runs it); the second also pauses (auto-pause at critical risk). */
const RISK_COLUMNS = 'risk_score = ?, risk_evidence = ?, risk_evaluated_at = ?, updated_at = ?, flag_counts = ?';
const SET_RISK = `update sessions set ${RISK_COLUMNS} where id = ?`;
const SET_RISK_AND_PAUSE = `update sessions set ${RISK_COLUMNS}, status = 'PAUSED' where id = ?`;

/** The event and the score of a flag whose row is stored already, one statement each. */
export async function writeEffects(trx: Kysely<Database>, write: FlagWrite): Promise<FlagWritten> {
  if (write.event) await insertEvent(trx, write.event);
  const { score, evidence, evaluatedAt, flagCounts, pause } = write.risk;
  const changed = await hotExec(trx, pause ? SET_RISK_AND_PAUSE : SET_RISK, [score, evidence, evaluatedAt, evaluatedAt, flagCounts, write.flag.session_id]);
  return { updated: changed === 1 };
}

/** The statement's input rows: one array parameter per column, unnested together. */
const INPUT: readonly (readonly [string, string])[] = [
  ...FLAG_COLUMNS.map((c) => [c, c === 'event_pending' ? 'int' : 'text'] as const),
  ...EVENT_COLUMNS.map((c) => [`event_${c}`, 'text'] as const),
  ['risk_score', 'float8'],
  ['risk_evidence', 'float8'],
  ['risk_evaluated_at', 'text'],
  ['flag_counts', 'text'],
  ['pause', 'bool'],
];

/**
 * PostgreSQL's statement for a batch. Flags go in with insert-or-ignore; only the new ones (n) get
 * their event and score, so a repeated id writes nothing. One flag per session per statement: each
 * score was worked out from the session row as it was before this statement.
 */
const STORE_FLAGS = `with v as (select * from unnest(${INPUT.map(([, t]) => `?::${t}[]`).join(', ')}) as v(${INPUT.map(([c]) => c).join(', ')})),
  f as (insert into flags (${FLAG_COLUMNS.join(', ')}) select ${FLAG_COLUMNS.join(', ')} from v on conflict (session_id, id) do nothing returning session_id, id),
  n as (select v.* from v join f on f.session_id = v.session_id and f.id = v.id),
  e as (insert into webhook_events (${EVENT_COLUMNS.join(', ')}) select ${EVENT_COLUMNS.map((c) => `event_${c}`).join(', ')} from n where n.event_id is not null),
  u as (update sessions s set risk_score = n.risk_score, risk_evidence = n.risk_evidence, risk_evaluated_at = n.risk_evaluated_at,
      updated_at = n.risk_evaluated_at, flag_counts = n.flag_counts, status = case when n.pause then 'PAUSED' else s.status end
    from n where s.id = n.session_id returning s.id)
  select n.session_id, n.id, exists (select 1 from u where u.id = n.session_id) as updated,
    (select coalesce(json_agg(json_build_object('id', i.id, 'rule', i.rule, 'severity', i.severity)), '[]'::json)
      from incidents i where i.session_id = n.session_id and i.status in (${OPEN_STATUSES_SQL})) as open
  from n`;

function inputOf(w: FlagWrite): unknown[] {
  const event = w.event ?? EVENT_COLUMNS.map(() => null);
  const { score, evidence, evaluatedAt, flagCounts, pause } = w.risk;
  return [...FLAG_COLUMNS.map((c) => w.flag[c]), ...event, score, evidence, evaluatedAt, flagCounts, pause];
}

/** PostgreSQL: a transaction's flag writes of one turn, as one STORE_FLAGS statement (one flag per session in it). */
const flagBatchOf = turnBatchesPerTransaction<FlagWrite, FlagWritten | null>(
  async (trx, writes) => {
    const rows = writes.map(inputOf);
    const columns = INPUT.map((_, i) => rows.map((row) => row[i]));
    const written = await hotQuery<{ session_id: string; id: string; updated: boolean; open: OpenIncident[] }>(trx, STORE_FLAGS, columns);
    const stored = new Map(written.map((r) => [`${r.session_id}\u0000${r.id}`, r]));
    return writes.map((w) => {
      const row = stored.get(`${w.flag.session_id}\u0000${w.flag.id}`);
      return row ? { updated: row.updated, open: row.open } : null;
    });
  },
  // A session's second flag was worked out after its first was written (its flags run in order),
  // but a caller that did not wait gets a statement of its own.
  { keyOf: (w) => w.flag.session_id },
);

/**
 * Writes a new plain flag with its event and score (the caller holds the session's lock). On
 * PostgreSQL together with the other flags of `trx` written in this turn of the event loop.
 */
export async function writeFlag(trx: Kysely<Database>, write: FlagWrite): Promise<FlagWritten | null> {
  if (sqlEngineOf(trx) === 'sqlite') return (await insertFlagOrIgnore(trx, write.flag)) ? writeEffects(trx, write) : null;
  return flagBatchOf(trx).add(write);
}
