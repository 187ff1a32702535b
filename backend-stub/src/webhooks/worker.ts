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
import { releaseHeldDeliveries } from './hold.js';
import { AgentPool, postWebhook, type PostResult } from './http-post.js';
import { NOTIFY_CHANNEL_PREFIX, isPostgres, newId, outboxSignal } from './outbox.js';
import { recordOutcomes, type Outcome } from './outcomes.js';
import { nextStepAfterFailure, isSuccess } from './schedule.js';
import type { SecretBox } from './secret-box.js';
import type { WebhookSettings } from './settings.js';
import { signatureHeaders } from './signing.js';
import { resolveWebhookTarget, UnsafeTargetError, type Resolver } from './ssrf.js';
import type { WebhookEndpointRow, WebhookEventRow } from './tables.js';
import { now as clockNow, nowDate } from '../clock.js';

/** How often an idle worker looks for held deliveries of enabled endpoints (sweepHeld). */
const HELD_SWEEP_MS = 10_000;

/** Longest a finished attempt waits for others before the worker claims again (see attemptDone). */
const REFILL_MAX_DELAY_MS = 5;

/** Opened endpoint secrets kept, by sealed value (an AES-GCM open per attempt otherwise). */
const OPENED_SECRETS_MAX = 1000;

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

/**
 * Slots of a worker kept for endpoints with no attempt in flight: endpoints that hang hold up to
 * perEndpointConcurrency slots each until their timeout, and a few of them must not take every
 * slot and delay the deliveries of healthy endpoints (per-endpoint isolation).
 */
export function reservedSlots(concurrency: number): number {
  return Math.floor(concurrency / 4);
}

/** The secrets that sign now: current first, the previous one during its rotation grace period. */
export function liveSecrets(endpoint: WebhookEndpointRow, box: SecretBox, now = clockNow(), open: (sealed: string) => string = (s) => box.open(s)): string[] {
  const out = [open(endpoint.secret_sealed)];
  if (endpoint.previous_secret_sealed && endpoint.previous_secret_expires_at && Date.parse(endpoint.previous_secret_expires_at) > now) {
    out.push(open(endpoint.previous_secret_sealed));
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
  /**
   * Deliveries with an attempt in flight here. Their lease is wall-clock time in the database: if
   * the clock jumps forward past it, the row looks due again, and must not be sent a second time
   * by the worker still waiting for its answer.
   */
  private readonly inFlightDeliveries = new Set<string>();
  private wakeUp: (() => void) | null = null;
  /** The first sweep waits a full interval: nothing to release at start that cannot wait 10 s. */
  private lastHeldSweep = performance.now();
  private wakePending = false;
  private listener: pg.Client | null = null;
  private readonly onSignal = () => { this.wake(); };
  /** Outcomes of attempts that finish together are written in one transaction. */
  private readonly outcomes: GroupCommit<Outcome>;
  /** Finished attempts wake the loop only once this few are left in flight (or after REFILL_MAX_DELAY_MS). */
  private refillAt = 0;
  private refillTimer: NodeJS.Timeout | null = null;
  /** Sealed secret -> secret: a sealed value never changes meaning (rotation writes a new one). */
  private readonly openedSecrets = new Map<string, string>();

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
    if (this.refillTimer) {
      clearTimeout(this.refillTimer);
      this.refillTimer = null;
    }
    this.wakePending = true;
    const w = this.wakeUp;
    this.wakeUp = null;
    w?.();
  }

  /**
   * An attempt finished: its slot is free. Claiming again at once would cost one claim transaction
   * (and its reads) per delivery under a backlog; instead the loop is woken once half of what the
   * last claim left in flight has finished, so one claim refills many slots, or at the latest
   * after REFILL_MAX_DELAY_MS (new deliveries wake the loop at once through the outbox signal).
   */
  private attemptDone(): void {
    if (this.inFlight.size <= this.refillAt || !this.running) {
      this.wake();
      return;
    }
    this.refillTimer ??= setTimeout(() => {
      this.refillTimer = null;
      this.wake();
    }, REFILL_MAX_DELAY_MS);
  }

  /** `running`, read through a call: stop() clears it while the loops await. */
  private isRunning(): boolean {
    return this.running;
  }

  /** `wakePending`, read through a call: wake() sets it while the loop awaits. */
  private isWakePending(): boolean {
    return this.wakePending;
  }

  private openSecret(sealed: string): string {
    let secret = this.openedSecrets.get(sealed);
    if (secret === undefined) {
      secret = this.deps.secrets.open(sealed);
      const oldest = this.openedSecrets.keys().next();
      if (this.openedSecrets.size >= OPENED_SECRETS_MAX && !oldest.done) this.openedSecrets.delete(oldest.value);
      this.openedSecrets.set(sealed, secret);
    }
    return secret;
  }

  private async listen(): Promise<void> {
    const { databaseUrl, pgSchema, pgApplicationName } = this.deps.config;
    while (this.running) {
      const client = new pg.Client({ connectionString: databaseUrl, options: pgSchema ? `-c search_path=${pgSchema}` : undefined, application_name: pgApplicationName });
      // Listening from the start: a connection dropped during connect or LISTEN must not crash the process.
      const closed = new Promise<void>((resolve) => {
        client.on('error', () => { resolve(); });
        client.on('end', () => { resolve(); });
      });
      try {
        await client.connect();
        const { rows } = await client.query<{ s: string }>('select current_schema() as s');
        const [current] = rows;
        if (!current) throw new Error('select current_schema() returned no row');
        const channel = `${NOTIFY_CHANNEL_PREFIX}_${current.s}`;
        client.on('notification', () => { this.wake(); });
        await client.query(`LISTEN "${channel.replace(/"/g, '""')}"`);
        if (!this.isRunning()) {
          await client.end();
          return;
        }
        this.listener = client;
        await closed;
      } catch (err) {
        if (this.isRunning()) this.deps.log.warn({ err }, 'webhook worker: LISTEN connection failed; polling until it is back');
      }
      await client.end().catch(() => {});
      if (this.isRunning()) await new Promise((r) => setTimeout(r, 1000).unref());
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
        this.inFlightDeliveries.add(c.id);
        const p: Promise<void> = this.deliver(c, rows)
          .catch((err: unknown) => {
            this.deps.log.error({ err, deliveryId: c.id }, 'webhook worker: attempt failed unexpectedly');
          })
          .finally(() => {
            this.inFlight.delete(p);
            this.inFlightDeliveries.delete(c.id);
            const n = (this.inFlightByEndpoint.get(c.endpoint_id) ?? 1) - 1;
            if (n > 0) this.inFlightByEndpoint.set(c.endpoint_id, n);
            else this.inFlightByEndpoint.delete(c.endpoint_id);
            this.attemptDone();
          });
        this.inFlight.add(p);
      }
      if (claimed.length > 0) this.refillAt = Math.floor(this.inFlight.size / 2);
      if (!this.isRunning()) break;
      if (claimed.length > 0 && claimed.length === free) continue;
      let waitMs = pollIntervalMs;
      // After a claim, the attempts it started wake the loop when they finish; only an empty claim
      // needs to know when the next delivery (a scheduled retry) falls due.
      if (claimed.length === 0 && this.inFlight.size < concurrency) {
        await this.sweepHeld();
        try {
          const due = await this.nextDueInMs();
          // Due now but not claimed: rows of our busy endpoints (a completion wakes us), rows in
          // another worker's claim transaction, or rows that just became due: look again soon.
          if (due !== null) waitMs = Math.min(waitMs, due > 0 ? due : this.inFlight.size > 0 ? 250 : 50);
        } catch {
          /* poll */
        }
      }
      if (this.isWakePending() || !this.isRunning()) continue;
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

  /**
   * Safety net for a race on PostgreSQL: a flag that read its endpoint as disabled while another
   * transaction enabled it stores a held delivery the enabling did not see. When idle, at most
   * every HELD_SWEEP_MS, held deliveries of enabled endpoints are made pending.
   */
  private async sweepHeld(): Promise<void> {
    if (performance.now() - this.lastHeldSweep < HELD_SWEEP_MS) return;
    this.lastHeldSweep = performance.now();
    try {
      const n = await releaseHeldDeliveries(this.deps.db, nowDate().toISOString());
      if (n > 0) this.wake();
    } catch (err) {
      this.deps.log.warn({ err }, 'webhook worker: releasing held deliveries failed');
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
    return Math.max(0, Date.parse(row.due) - clockNow());
  }

  /**
   * Claims up to `limit` due deliveries and inserts their attempt rows, in one short transaction.
   * At most `perEndpointConcurrency` attempts per endpoint are in flight in this worker, and
   * endpoints with attempts in flight share all but `reservedSlots`, so slow or hanging endpoints
   * cannot hold every slot.
   */
  async claim(limit: number): Promise<Claimed[]> {
    const now = nowDate();
    const nowIso = now.toISOString();
    const leaseUntil = new Date(now.getTime() + this.deps.settings.leaseMs).toISOString();
    const me = this.id;
    const perEndpoint = this.deps.settings.perEndpointConcurrency;
    const busyCap = this.deps.settings.concurrency - reservedSlots(this.deps.settings.concurrency);
    // Endpoints that may not get another attempt now are left out of the query, so that a backlog of
    // theirs cannot fill the candidate window and hide the due deliveries of other endpoints.
    const excluded = [...this.inFlightByEndpoint].filter(([, n]) => n >= perEndpoint || this.inFlight.size >= busyCap).map(([id]) => id);
    const inFlight = [...this.inFlightDeliveries];
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
        .$if(excluded.length > 0, (q) => q.where('d.endpoint_id', 'not in', excluded))
        .$if(inFlight.length > 0, (q) => q.where('d.id', 'not in', inFlight))
        .orderBy('d.next_attempt_at')
        .orderBy('d.id') // same due time: creation order (ids sort by creation, outbox.ts newId)
        .limit(limit * 4)
        .$if(isPostgres(trx), (q) => q.forUpdate('d').skipLocked())
        .execute();
      const load = new Map(this.inFlightByEndpoint);
      const picked: string[] = [];
      for (const c of candidates) {
        if (picked.length >= limit) break;
        const n = load.get(c.endpoint_id) ?? 0;
        if (n >= perEndpoint) continue;
        // An endpoint that already has attempts in flight may not take the reserved slots.
        if (n > 0 && this.inFlight.size + picked.length >= busyCap) continue;
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
      const claimed: Claimed[] = rows;
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
    const now = nowDate();
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
    const body = JSON.stringify(buildEnvelope(event, nowDate(), (mediaId) => signMediaUrl(config, mediaId, config.mediaUrlTtlSeconds)));
    const headers = signatureHeaders({ msgId: event.id, body, secrets: liveSecrets(endpoint, secrets, clockNow(), (sealed) => this.openSecret(sealed)) });
    return postWebhook(target, headers, body, settings.timeoutMs, settings.extraCa, this.agents);
  }
}
