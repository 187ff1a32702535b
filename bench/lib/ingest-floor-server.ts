/**
 * The floor of durable flag ingest, run as a child process by the bench (ingest-floor.ts): what a
 * server that does nothing but the minimum costs on this machine. node:http (no framework), the
 * body parsed as JSON, then per flag two rows, the flag and its webhook event, written with the
 * relay's durability (SQLite: WAL, synchronous=NORMAL, 1 KiB pages; PostgreSQL: a commit), the
 * flags of one event-loop turn in one transaction (group commit), each answered after its commit.
 * No token, no checks, no idempotency read, no risk, no incident rules, no rate limit, no logging:
 * the relay's ingest cannot cost less than this, so its ratio to its own no-op route bounds the
 * relay's. `POST /bench/noop` parses the body and answers, like the relay child's no-op route.
 *
 * Environment: DATABASE_URL (a SQLite file or a postgres URL), EYE_PG_SCHEMA (PostgreSQL).
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { GroupCommit } from '../../backend-stub/src/db/group-commit.js';

interface FloorFlag {
  sessionId: string;
  id: string;
  type: string;
  description: string;
  createdAt: string;
  details: string;
  eventId: string;
  eventData: string;
}

/** Writes one turn's flags durably (one transaction). */
type WriteBatch = (flags: FloorFlag[], receivedAt: string) => Promise<void>;

const FLAGS_TABLE =
  'create table if not exists flags (session_id text not null, id text not null, type text not null, description text not null, created_at text not null, received_at text not null, details text, primary key (session_id, id))';
const EVENTS_TABLE =
  'create table if not exists events (id text primary key, session_id text not null, event_type text not null, occurred_at text not null, data text not null, created_at text not null)';
const EVENTS_INDEX = 'create index if not exists events_session_idx on events (session_id, occurred_at)';

function sqliteWriter(file: string): WriteBatch {
  const db = new BetterSqlite3(file);
  db.pragma('page_size = 1024');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`${FLAGS_TABLE}; ${EVENTS_TABLE}; ${EVENTS_INDEX};`);
  const insertFlag = db.prepare('insert into flags values (?, ?, ?, ?, ?, ?, ?) on conflict do nothing');
  const insertEvent = db.prepare('insert into events values (?, ?, ?, ?, ?, ?)');
  const write = db.transaction((flags: FloorFlag[], receivedAt: string) => {
    for (const f of flags) {
      insertFlag.run(f.sessionId, f.id, f.type, f.description, f.createdAt, receivedAt, f.details);
      insertEvent.run(f.eventId, f.sessionId, 'proctoring_event.tab_switch', f.createdAt, f.eventData, receivedAt);
    }
  });
  return (flags, receivedAt) => {
    write(flags, receivedAt);
    return Promise.resolve();
  };
}

async function postgresWriter(url: string, schema: string | undefined): Promise<WriteBatch> {
  const client = new pg.Client({ connectionString: url, ...(schema ? { options: `-c search_path=${schema}` } : {}) });
  await client.connect();
  await client.query(FLAGS_TABLE);
  await client.query(EVENTS_TABLE);
  await client.query(EVENTS_INDEX);
  // Both inserts in one statement: one round trip and one commit per batch.
  const text = `with f as (
      insert into flags select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) on conflict do nothing returning 1
    ) insert into events select * from unnest($8::text[], $1::text[], $9::text[], $5::text[], $10::text[], $6::text[])`;
  return async (flags, receivedAt) => {
    const col = (f: (x: FloorFlag) => string) => flags.map(f);
    const at = flags.map(() => receivedAt);
    await client.query({
      name: 'floor_insert',
      text,
      values: [
        col((x) => x.sessionId),
        col((x) => x.id),
        col((x) => x.type),
        col((x) => x.description),
        col((x) => x.createdAt),
        at,
        col((x) => x.details),
        col((x) => x.eventId),
        flags.map(() => 'proctoring_event.tab_switch'),
        col((x) => x.eventData),
      ],
    });
  };
}

function answer(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL ?? '';
  const write = /^postgres(ql)?:/.test(url) ? await postgresWriter(url, process.env.EYE_PG_SCHEMA) : sqliteWriter(url);
  // The relay's own group commit (db/group-commit.ts), with its defaults: the flags of one turn
  // share a transaction, those that arrive while it commits share the next, one at a time.
  const group = new GroupCommit<FloorFlag>((flags) => write(flags, new Date().toISOString()));
  const flagPath = /^\/v1\/sessions\/([^/]+)\/flags$/;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      } catch {
        answer(res, 400, { error: 'invalid_json' });
        return;
      }
      if (req.url === '/bench/noop') {
        answer(res, 200, { ok: true, bytes: JSON.stringify(body).length });
        return;
      }
      const sessionId = flagPath.exec(req.url ?? '')?.[1];
      if (req.method !== 'POST' || !sessionId) {
        answer(res, 404, { error: 'not_found' });
        return;
      }
      const flag: FloorFlag = {
        sessionId,
        id: String(body.id),
        type: String(body.type),
        description: String(body.description),
        createdAt: String(body.createdAt),
        details: JSON.stringify(body.details ?? null),
        eventId: `evt_${randomUUID()}`,
        eventData: JSON.stringify({ session_id: sessionId, occurred_at: body.createdAt, details: body.details }),
      };
      group.write(flag).then(
        () => { answer(res, 200, { id: flag.id, duplicate: false }); },
        (err: unknown) => { answer(res, 503, { error: 'write_failed', message: String(err) }); },
      );
    });
  });
  server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as AddressInfo).port }));
  process.on('disconnect', () => process.exit(0));
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
