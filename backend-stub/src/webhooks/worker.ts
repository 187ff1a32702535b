/**
 * Delivery worker. Claims due deliveries, sends one signed attempt each, logs every attempt and
 * schedules what comes next.
 *
 * Claiming: a short transaction moves each claimed delivery's `next_attempt_at` to the end of a
 * lease, stamps `lease_owner`, increments `attempts` and inserts the attempt row (unique per
 * delivery + attempt number). PostgreSQL selects with `FOR UPDATE SKIP LOCKED`, so concurrent
 * workers (several relay processes) never claim the same row; SQLite (one process) relies on its
 * single writer plus a guarded update. A worker that dies leaves the lease to expire: the row is
 * then simply due again and another worker (or the restarted relay) resumes it. Results are
 * written only while the lease is still ours.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import type { RelayConfig } from '../config.js';
import { GroupCommit } from '../db/group-commit.js';
import type { Database } from '../db/schema.js';
import { signMediaUrl } from '../media/signed-url.js';
import { buildEnvelope } from './envelope.js';
import { AgentPool, postWebhook, type PostResult } from './http-post.js';
import { NOTIFY_CHANNEL_PREFIX, isPostgres, newId, outboxSignal } from './outbox.js';
import { recordOutcomes, type Outcome } from './outcomes.js';
import { nextStepAfterFailure, isSuccess } from './schedule.js';
import type { SecretBox } from './secret-box.js';
import type { WebhookSettings } from './settings.js';
import { signatureHeaders } from './signing.js';
import { resolveWebhookTarget, UnsafeTargetError, type Resolver } from './ssrf.js';
import type { WebhookEndpointRow, WebhookEventRow } from './tables.js';

export interface WorkerLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface WorkerDeps {
  db: Kysely<Database>;
  config: RelayConfig;
  settings: WebhookSettings;
  secrets: SecretBox;
  log: WorkerLogger;
  /** DNS resolver (tests may map names to addresses); defaults to the system's. */
  resolver?: Resolver;
}

interface Claimed {
  id: string;
  attempts: number;
  event_id: string;
  endpoint_id: string;
}

interface ClaimedRows {
  events: Map<string, WebhookEventRow>;
  endpoints: Map<string, WebhookEndpointRow>;
}

/** The secrets that sign now: current first, the previous one during its rotation grace period. */
export function liveSecrets(endpoint: WebhookEndpointRow, box: SecretBox, now = Date.now()): string[] {
  const out = [box.open(endpoint.secret_sealed)];
  if (endpoint.previous_secret_sealed && endpoint.previous_secret_expires_at && Date.parse(endpoint.previous_secret_expires_at) > now) {
    out.push(box.open(endpoint.previous_secret_sealed));
  }
  return out;
}

export class DeliveryWorker {
  readonly id = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private running = false;
  private loopDone: Promise<void> | null = null;
  private listenDone: Promise<void> | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  /** Keep-alive connections to receivers, as many per receiver as attempts may be in flight. */
  private readonly agents: AgentPool;
  /** Attempts in flight per endpoint: a slow endpoint may hold at most perEndpointConcurrency slots. */
  private readonly inFlightByEndpoint = new Map<string, number>();
  private wakeUp: (() => void) | null = null;
  private wakePending = false;
  private listener: pg.Client | null = null;
  private readonly onSignal = () => this.wake();
  /** Outcomes of attempts that finish together are written in one transaction. */
  private readonly outcomes: GroupCommit<Outcome>;

  constructor(private readonly deps: WorkerDeps) {
    this.agents = new AgentPool(256, deps.settings.perEndpointConcurrency);
    this.outcomes = new GroupCommit((batch) =>
      deps.db.transaction().execute((trx) => recordOutcomes(trx, this.id, batch)),
    );
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    outboxSignal.on('enqueued', this.onSignal);
    if (this.deps.settings.listen && isPostgres(this.deps.db)) this.listenDone = this.listen();
    this.loopDone = this.loop();
  }

  /** Stops claiming, waits for attempts in flight to be recorded. Unclaimed work stays due in the DB. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    outboxSignal.off('enqueued', this.onSignal);
    this.wake();
    const l = this.listener;
    this.listener = null;
    await l?.end().catch(() => {});
    await this.listenDone;
    await this.loopDone;
    await Promise.all([...this.inFlight]);
    this.agents.close();
  }

  wake(): void {
    this.wakePending = true;
    const w = this.wakeUp;
    this.wakeUp = null;
    w?.();
  }

  private async listen(): Promise<void> {
    const { databaseUrl, pgSchema } = this.deps.config;
    while (this.running) {
      const client = new pg.Client({ connectionString: databaseUrl, options: pgSchema ? `-c search_path=${pgSchema}` : undefined });
      try {
        await client.connect();
        const { rows } = await client.query<{ s: string }>('select current_schema() as s');
        const channel = `${NOTIFY_CHANNEL_PREFIX}_${rows[0]!.s}`;
        client.on('notification', () => this.wake());
        const closed = new Promise<void>((resolve) => {
          client.on('error', () => resolve());
          client.on('end', () => resolve());
        });
        await client.query(`LISTEN "${channel.replace(/"/g, '""')}"`);
        if (!this.running) {
          await client.end();
          return;
        }
        this.listener = client;
        await closed;
      } catch (err) {
        if (this.running) this.deps.log.warn({ err }, 'webhook worker: LISTEN connection failed; polling until it is back');
      }
      await client.end().catch(() => {});
      if (this.running) await new Promise((r) => setTimeout(r, 1000).unref());
    }
  }

  private async loop(): Promise<void> {
    const { concurrency, pollIntervalMs } = this.deps.settings;
    while (this.running) {
      this.wakePending = false;
      let claimed: Claimed[] = [];
      const free = concurrency - this.inFlight.size;
      try {
        if (free > 0) claimed = await this.claim(free);
      } catch (err) {
        this.deps.log.error({ err }, 'webhook worker: claim failed');
      }
      const rows = this.rowsOf(claimed);
      rows.catch(() => {}); // each delivery awaits it and reports a failure itself
      for (const c of claimed) {
        this.inFlightByEndpoint.set(c.endpoint_id, (this.inFlightByEndpoint.get(c.endpoint_id) ?? 0) + 1);
        const p: Promise<void> = this.deliver(c, rows)
          .catch((err) => this.deps.log.error({ err, deliveryId: c.id }, 'webhook worker: attempt failed unexpectedly'))
          .finally(() => {
            this.inFlight.delete(p);
            const n = (this.inFlightByEndpoint.get(c.endpoint_id) ?? 1) - 1;
            if (n > 0) this.inFlightByEndpoint.set(c.endpoint_id, n);
            else this.inFlightByEndpoint.delete(c.endpoint_id);
            this.wake();
          });
        this.inFlight.add(p);
      }
      if (!this.running) break;
      if (claimed.length > 0 && claimed.length === free) continue;
      let waitMs = pollIntervalMs;
      // After a claim, the attempts it started wake the loop when they finish; only an empty claim
      // needs to know when the next delivery (a scheduled retry) falls due.
      if (claimed.length === 0 && this.inFlight.size < concurrency) {
        try {
          const due = await this.nextDueInMs();
          // Due now but not claimed: rows of our busy endpoints (a completion wakes us), rows in
          // another worker's claim transaction, or rows that just became due: look again soon.
          if (due !== null) waitMs = Math.min(waitMs, due > 0 ? due : this.inFlight.size > 0 ? 250 : 50);
        } catch {
          /* poll */
        }
      }
      if (this.wakePending || !this.running) continue;
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          this.wakeUp = null;
          resolve();
        }, waitMs);
        this.wakeUp = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }

  /** ms until the earliest pending delivery (of an enabled endpoint) is due, or null if none. */
  private async nextDueInMs(): Promise<number | null> {
    const row = await this.deps.db
      .selectFrom('webhook_deliveries as d')
      .innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
      .select((eb) => eb.fn.min('d.next_attempt_at').as('due'))
      .where('d.status', '=', 'pending')
      .where('e.enabled', '=', 1)
      .executeTakeFirst();
    if (!row?.due) return null;
    return Math.max(0, Date.parse(row.due as string) - Date.now());
  }

  /**
   * Claims up to `limit` due deliveries and inserts their attempt rows, in one short transaction.
   * At most `perEndpointConcurrency` attempts per endpoint are in flight in this worker, so one
   * slow or hanging endpoint cannot hold every slot.
   */
  async claim(limit: number): Promise<Claimed[]> {
    const now = new Date();
    const nowIso = now.toISOString();
    const leaseUntil = new Date(now.getTime() + this.deps.settings.leaseMs).toISOString();
    const me = this.id;
    const perEndpoint = this.deps.settings.perEndpointConcurrency;
    return this.deps.db.transaction().execute(async (trx) => {
      // PostgreSQL: candidates are row-locked until this transaction ends; rows another worker is
      // claiming right now are skipped, not waited for.
      const candidates = await trx
        .selectFrom('webhook_deliveries as d')
        .innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
        .select(['d.id', 'd.endpoint_id'])
        .where('d.status', '=', 'pending')
        .where('d.next_attempt_at', '<=', nowIso)
        .where('e.enabled', '=', 1)
        .orderBy('d.next_attempt_at')
        .limit(limit * 4)
        .$if(isPostgres(trx), (q) => q.forUpdate('d').skipLocked())
        .execute();
      const load = new Map(this.inFlightByEndpoint);
      const picked: string[] = [];
      for (const c of candidates) {
        if (picked.length >= limit) break;
        const n = load.get(c.endpoint_id) ?? 0;
        if (n >= perEndpoint) continue;
        load.set(c.endpoint_id, n + 1);
        picked.push(c.id);
      }
      if (picked.length === 0) return [];
      // The guards re-check under SQLite's write lock (PostgreSQL holds the row locks already).
      const rows = await trx
        .updateTable('webhook_deliveries')
        .set({ lease_owner: me, next_attempt_at: leaseUntil, attempts: sql<number>`attempts + 1`, updated_at: nowIso })
        .where('id', 'in', picked)
        .where('status', '=', 'pending')
        .where('next_attempt_at', '<=', nowIso)
        .returning(['id', 'attempts', 'event_id', 'endpoint_id'])
        .execute();
      const claimed: Claimed[] = rows.map((r) => ({ ...r, attempts: Number(r.attempts) }));
      if (claimed.length > 0) {
        await trx
          .insertInto('webhook_attempts')
          .values(
            claimed.map((c) => ({
              id: newId('att'),
              delivery_id: c.id,
              attempt: c.attempts,
              worker_id: me,
              started_at: nowIso,
              finished_at: null,
              status_code: null,
              latency_ms: null,
              error: null,
              response_excerpt: null,
            })),
          )
          .execute();
      }
      return claimed;
    });
  }

  /** The event and endpoint rows of a claimed batch: two reads per batch, not two per delivery. */
  private async rowsOf(claimed: Claimed[]): Promise<ClaimedRows> {
    if (claimed.length === 0) return { events: new Map(), endpoints: new Map() };
    const { db } = this.deps;
    const eventIds = [...new Set(claimed.map((c) => c.event_id))];
    const endpointIds = [...new Set(claimed.map((c) => c.endpoint_id))];
    const [events, endpoints] = await Promise.all([
      db.selectFrom('webhook_events').selectAll().where('id', 'in', eventIds).execute(),
      db.selectFrom('webhook_endpoints').selectAll().where('id', 'in', endpointIds).execute(),
    ]);
    return { events: new Map(events.map((e) => [e.id, e])), endpoints: new Map(endpoints.map((e) => [e.id, e])) };
  }

  /** Sends attempt `c.attempts` of one claimed delivery and records the outcome. */
  private async deliver(c: Claimed, rows: Promise<ClaimedRows>): Promise<void> {
    const { events, endpoints } = await rows;
    const event = events.get(c.event_id);
    const endpoint = endpoints.get(c.endpoint_id);
    let result: PostResult;
    if (!event || !endpoint) {
      result = { statusCode: null, latencyMs: 0, error: 'event or endpoint no longer exists', responseExcerpt: null, retryAfter: null };
    } else {
      result = await this.send(event, endpoint);
    }
    const now = new Date();
    const step = isSuccess(result.statusCode)
      ? ({ kind: 'delivered' } as const)
      : !event || !endpoint
        ? ({ kind: 'give_up' } as const)
        : nextStepAfterFailure(c.attempts, result.statusCode, result.retryAfter, this.deps.settings.retry, now.getTime());
    await this.outcomes.write({ deliveryId: c.id, endpointId: c.endpoint_id, attempt: c.attempts, result, step, at: now });
    const logObj = { deliveryId: c.id, eventId: c.event_id, endpointId: c.endpoint_id, attempt: c.attempts, status: result.statusCode, latencyMs: result.latencyMs, error: result.error, next: step.kind };
    if (step.kind === 'delivered') this.deps.log.info(logObj, 'webhook delivered');
    else this.deps.log.warn(logObj, 'webhook attempt failed');
  }

  private async send(event: WebhookEventRow, endpoint: WebhookEndpointRow): Promise<PostResult> {
    const { config, settings, secrets } = this.deps;
    let target;
    try {
      target = await resolveWebhookTarget(endpoint.url, settings.targets, this.deps.resolver);
    } catch (err) {
      const msg = err instanceof UnsafeTargetError ? `refused: ${err.message}` : `refused: ${(err as Error).message}`;
      return { statusCode: null, latencyMs: 0, error: msg, responseExcerpt: null, retryAfter: null };
    }
    const body = JSON.stringify(buildEnvelope(event, new Date(), (mediaId) => signMediaUrl(config, mediaId, config.mediaUrlTtlSeconds)));
    const headers = signatureHeaders({ msgId: event.id, body, secrets: liveSecrets(endpoint, secrets) });
    return postWebhook(target, headers, body, settings.timeoutMs, settings.extraCa, this.agents);
  }
}
