/** The console's sessions list: filters, candidate search, sort and page, always within one tenant. */
import { sql, type Kysely } from 'kysely';
import type { Database, SessionStatus } from '../db/schema.js';

export const SORTABLE = ['created_at', 'updated_at', 'risk_score', 'candidate_id', 'exam_id', 'status'] as const;
export type SortColumn = (typeof SORTABLE)[number];

export interface SessionListQuery {
  exam_id?: string;
  status?: SessionStatus[];
  risk_min?: number;
  risk_max?: number;
  /** created_at bounds, ISO. */
  from?: string;
  to?: string;
  /** Part of a candidate id, case-insensitive. */
  q?: string;
  sort: SortColumn;
  order: 'asc' | 'desc';
  page: number;
  page_size: number;
}

export const LIST_COLUMNS = ['id', 'exam_id', 'candidate_id', 'status', 'risk_score', 'started_at', 'ended_at', 'created_at', 'updated_at'] as const;

/** `%`, `_` and `\` in a search are literal characters, not patterns. */
function likePattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function filtered(db: Kysely<Database>, tenantId: string, q: SessionListQuery) {
  return db
    .selectFrom('sessions')
    .where('tenant_id', '=', tenantId)
    .$call((x) => (q.exam_id !== undefined ? x.where('exam_id', '=', q.exam_id) : x))
    .$call((x) => (q.status !== undefined && q.status.length > 0 ? x.where('status', 'in', q.status) : x))
    .$call((x) => (q.risk_min !== undefined ? x.where('risk_score', '>=', q.risk_min) : x))
    .$call((x) => (q.risk_max !== undefined ? x.where('risk_score', '<=', q.risk_max) : x))
    .$call((x) => (q.from !== undefined ? x.where('created_at', '>=', q.from) : x))
    .$call((x) => (q.to !== undefined ? x.where('created_at', '<=', q.to) : x))
    // ESCAPE spelled out: SQLite has no default escape character for LIKE.
    .$call((x) => (q.q !== undefined && q.q !== '' ? x.where(sql<boolean>`lower(candidate_id) like ${likePattern(q.q)} escape '\\'`) : x));
}

export async function listSessions(db: Kysely<Database>, tenantId: string, q: SessionListQuery) {
  const base = filtered(db, tenantId, q);
  const { n } = await base.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
  const rows = await base
    .select([...LIST_COLUMNS])
    .orderBy(q.sort, q.order)
    .orderBy('id', q.order)
    .limit(q.page_size)
    .offset((q.page - 1) * q.page_size)
    .execute();
  return { sessions: rows, total: Number(n), page: q.page, page_size: q.page_size };
}

/** Sessions of the tenant changed after `since` (ISO), oldest change first: the live feed's poll. */
export async function sessionsChangedSince(db: Kysely<Database>, tenantId: string, since: string, limit = 100) {
  const rows = await db
    .selectFrom('sessions')
    .select([...LIST_COLUMNS])
    .where('tenant_id', '=', tenantId)
    .where('updated_at', '>', since)
    .orderBy('updated_at')
    .limit(limit)
    .execute();
  return rows;
}
