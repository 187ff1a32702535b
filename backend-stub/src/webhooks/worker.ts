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
 *
 * Pipelining: claims run ahead of sending (a ready queue of up to twice the concurrency), a slot is
 * freed as soon as its answer is in, and outcomes are written in gathered batches, so the database
 * round trips of one batch overlap the requests of the next instead of idling the slots.
 */
import { randomBytes } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname } from 'node:path';
import { sql, type Kysely } from 'kysely';
import type pg from 'pg';
import type { RelayConfig } from '../config.js';
import { loadPg, sqliteFileOf } from '../db/connect.js';
import { GroupCommit } from '../db/group-commit.js';
import { inIds } from '../db/hot-sql.js';
import type { Database } from '../db/schema.js';
import { signMediaUrl } from '../media/signed-url.js';
import { claimUpdate, insertAttempts, mayFindBesides, planInClaimOrder, selectCandidates, statusByRow } from './claim-sql.js';
import { DNS_CACHE_DEFAULTS, DnsCache } from './dns-cache.js';
import { buildEnvelope } from './envelope.js';
import { releaseHeldDeliveries } from './hold.js';
import { AgentPool, postWebhook, type PostResult } from './http-post.js';
import { NOTIFY_CHANNEL_PREFIX, isPostgres, outboxSignal } from './outbox.js';
import { recordOutcomes, type Outcome } from './outcomes.js';
import { nextStepAfterFailure, isSuccess } from './schedule.js';
import type { SecretBox } from './secret-box.js';
import type { WebhookSettings } from './settings.js';
import { signatureHeaders } from './signing.js';
import { resolveWebhookTarget, systemResolver, UnsafeTargetError, type Resolver } from './ssrf.js';
import type { WebhookEndpointRow, WebhookEventRow } from './tables.js';
import { now as clockNow, nowDate } from '../clock.js';

/** How often an idle worker looks for held deliveries of enabled endpoints (sweepHeld). */
const HELD_SWEEP_MS = 10_000;

/** Longest a freed slot with nothing ready for it waits for others before the worker claims again (see slotFreed). */
const REFILL_MAX_DELAY_MS = 5;

/**
 * Outcomes are written this long after the first of a batch: the receiver has its webhook already,
 * and fewer, larger transactions leave more of the worker's time for sending.
 */
const OUTCOME_GATHER_MS = 5;

/** Whole ms left of `periodMs` begun at `since` (performance.now() time), 0 once it is over. */
function msLeft(periodMs: number, since: number): number {
  const left = periodMs - (performance.now() - since);
  return left > 0 ? Math.ceil(left) : 0;
}

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

/** A claimed delivery waiting for a free slot, with the batch read of its event and endpoint rows. */
interface Ready {
  claimed: Claimed;
  rows: Promise<ClaimedRows>;
}

export class DeliveryWorker {
  readonly id = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private running = false;
  private loopDone: Promise<void> | null = null;
  private listenDone: Promise<void> | null = null;
  /** Every claimed delivery's work (waiting, sending, recording its outcome), awaited by stop(). */
  private readonly work = new Set<Promise<void>>();
  /** Keep-alive connections to receivers, as many per receiver as attempts may be in flight. */
  private readonly agents: AgentPool;
  /**
   * Claimed deliveries not sent yet, in claim order. The worker claims up to twice its concurrency,
   * so a freed slot is refilled at once from here while the next claim runs, instead of waiting a
   * database round trip per slot. At most 2 x perEndpointConcurrency per endpoint wait here (two
   * attempt timeouts at worst, well inside the lease).
   */
  private ready: Ready[] = [];
  /** Requests in flight, in all and per endpoint: a slow endpoint may hold at most perEndpointConcurrency slots. */
  private sending = 0;
  private readonly sendingByEndpoint = new Map<string, number>();
  /**
   * Deliveries claimed here whose outcome is not recorded yet. Their lease is wall-clock time in
   * the database: if the clock jumps forward past it, the row looks due again, and must not be
   * claimed a second time by this worker while it still sends it.
   */
  private readonly held = new Set<string>();
  private wakeUp: (() => void) | null = null;
  /** The first sweep waits a full interval: nothing to release at start that cannot wait 10 s. */
  private lastHeldSweep = performance.now();
  private wakePending = false;
  private listener: pg.Client | null = null;
  private walWatcher: FSWatcher | null = null;
  private readonly onSignal = () => { this.wake(); };
  /** Outcomes of attempts that finish together are written in one transaction. */
  private readonly outcomes: GroupCommit<Outcome>;
  private refillTimer: NodeJS.Timeout | null = null;
  /** The last claim found nothing due: freed slots wait for a signal or the next due time, not claim again. */
  private lastClaimEmpty = false;
  /** When the last claim left endpoints out and found nothing: the time and those endpoints. */
  private fruitless: { at: number; excluded: ReadonlySet<string> } | null = null;
  /** When the last claim read every due delivery it may take (fewer than its window), else null. */
  private drainedClaimAt: number | null = null;
  /** Sealed secret -> secret: a sealed value never changes meaning (rotation writes a new one). */
  private readonly openedSecrets = new Map<string, string>();
  /** Webhook hosts' DNS answers, checked against the target policy at every attempt. */
  private readonly dns: DnsCache;

  constructor(private readonly deps: WorkerDeps) {
    this.agents = new AgentPool(256, deps.settings.perEndpointConcurrency);
    this.dns = new DnsCache(deps.resolver ?? systemResolver, { ...DNS_CACHE_DEFAULTS, ttlMs: deps.settings.dnsCacheMs });
    this.outcomes = new GroupCommit((batch) => deps.db.transaction().execute((trx) => recordOutcomes(trx, this.id, batch)), { gatherMs: OUTCOME_GATHER_MS });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    outboxSignal.on('enqueued', this.onSignal);
    if (this.deps.settings.listen && isPostgres(this.deps.db)) this.listenDone = this.listen();
    if (this.deps.settings.watchWal && !isPostgres(this.deps.db)) this.watchWal();
    this.loopDone = this.loop();
  }

  /**
   * SQLite has no NOTIFY: another process's commit shows as a change of the `-wal` file. The
   * folder is watched, not the file, which SQLite may delete and create again.
   */
  private watchWal(): void {
    const file = sqliteFileOf(this.deps.config.databaseUrl);
    const wal = `${basename(file)}-wal`;
    try {
      this.walWatcher = watch(dirname(file), { persistent: false }, (_event, name) => {
        if (name === wal) this.wake();
      });
      this.walWatcher.on('error', (err) => {
        this.deps.log.warn({ err }, 'webhook worker: watching the WAL file failed; polling');
        this.walWatcher?.close();
        this.walWatcher = null;
      });
    } catch (err) {
      this.deps.log.warn({ err }, 'webhook worker: cannot watch the WAL file; polling');
    }
  }

  /**
   * Stops claiming, waits for attempts in flight to be recorded, and hands back claimed deliveries
   * not sent yet (due again at once, for any worker). Unclaimed work stays due in the DB.
   */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    outboxSignal.off('enqueued', this.onSignal);
    this.walWatcher?.close();
    this.walWatcher = null;
    this.wake();
    const l = this.listener;
    this.listener = null;
    await l?.end().catch(() => {});
    await this.listenDone;
    await this.loopDone;
    const unsent = this.ready.map((r) => r.claimed);
    this.ready = [];
    for (const c of unsent) this.held.delete(c.id);
    if (unsent.length > 0) {
      await this.unclaim(unsent).catch((err: unknown) => {
        this.deps.log.warn({ err, deliveries: unsent.length }, 'webhook worker: could not hand back unsent claims; they are due again when their lease ends');
      });
    }
    await Promise.all([...this.work]);
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
   * Claimed deliveries this worker may still take: twice its concurrency, minus those sending or
   * ready. Answered ones waiting for their outcome write do not count, unless writes fall far
   * behind (the database is slow or down): then nothing more is claimed until they catch up.
   */
  private claimRoom(): number {
    const { concurrency } = this.deps.settings;
    const unsent = this.sending + this.ready.length;
    if (this.held.size - unsent > 4 * concurrency) return 0;
    return 2 * concurrency - unsent;
  }

  /** The loop claims more once this few are ready (one claim then refills many slots). */
  private lowWater(): number {
    return Math.floor(this.deps.settings.concurrency / 2);
  }

  /**
   * A request finished: its slot goes to the next ready delivery. The loop claims again at once
   * when few are left ready; when a slot stays free with nothing ready for it (the ready ones wait
   * for busy endpoints), after REFILL_MAX_DELAY_MS, so that the slots freed meanwhile share that
   * claim. New deliveries wake the loop at once through the outbox signal.
   */
  private slotFreed(endpointId: string): void {
    this.sending--;
    const n = (this.sendingByEndpoint.get(endpointId) ?? 1) - 1;
    if (n > 0) this.sendingByEndpoint.set(endpointId, n);
    else this.sendingByEndpoint.delete(endpointId);
    if (!this.running) return;
    this.dispatch();
    // The last claim found nothing because this endpoint had its fill: it has room again.
    if (this.fruitless?.excluded.has(endpointId) && !this.excludedEndpoints().includes(endpointId)) {
      this.fruitless = null;
      this.drainedClaimAt = null;
      this.wake();
      return;
    }
    if (this.lastClaimEmpty || this.claimRoom() <= 0) return;
    if (this.ready.length <= this.lowWater()) this.wake();
    else if (this.sending < this.deps.settings.concurrency) {
      this.refillTimer ??= setTimeout(() => {
        this.refillTimer = null;
        this.wake();
      }, REFILL_MAX_DELAY_MS);
    }
  }

  /**
   * Starts ready deliveries in claim order while slots are free: at most perEndpointConcurrency
   * per endpoint, and endpoints that already have requests in flight share all but reservedSlots.
   */
  private dispatch(): void {
    const { concurrency, perEndpointConcurrency } = this.deps.settings;
    const busyCap = concurrency - reservedSlots(concurrency);
    if (!this.running) return; // stop() hands the ready ones back
    for (let i = 0; i < this.ready.length && this.sending < concurrency; ) {
      const r = this.ready[i];
      if (!r) break;
      const n = this.sendingByEndpoint.get(r.claimed.endpoint_id) ?? 0;
      if (n >= perEndpointConcurrency || (n > 0 && this.sending >= busyCap)) {
        i++;
        continue;
      }
      this.ready.splice(i, 1);
      this.sending++;
      this.sendingByEndpoint.set(r.claimed.endpoint_id, n + 1);
      const c = r.claimed;
      const p: Promise<void> = this.deliver(r)
        .catch((err: unknown) => {
          this.deps.log.error({ err, deliveryId: c.id }, 'webhook worker: attempt failed unexpectedly');
        })
        .finally(() => {
          this.work.delete(p);
          this.held.delete(c.id);
        });
      this.work.add(p);
    }
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
      const client = new (loadPg().Client)({ connectionString: databaseUrl, options: pgSchema ? `-c search_path=${pgSchema}` : undefined, application_name: pgApplicationName });
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
      this.dispatch();
      const room = this.claimRoom();
      // Claim when few are ready, or when a slot is free that no ready delivery may take.
      const wanted = room > 0 && (this.ready.length <= this.lowWater() || this.sending < concurrency);
      const excluded = wanted ? this.excludedEndpoints() : [];
      const pauseMs = wanted ? Math.max(this.fruitlessPauseMs(excluded), this.coalescePauseMs()) : 0;
      const claiming = wanted && pauseMs === 0;
      let claimed: Claimed[] = [];
      try {
        if (claiming) claimed = await this.claim(room, excluded);
      } catch (err) {
        this.deps.log.error({ err }, 'webhook worker: claim failed');
      }
      if (claiming) {
        this.lastClaimEmpty = claimed.length === 0;
        this.fruitless = claimed.length === 0 && excluded.length > 0 ? { at: performance.now(), excluded: new Set(excluded) } : null;
      }
      if (claimed.length > 0) {
        const rows = this.rowsOf(claimed);
        rows.catch(() => {}); // each delivery awaits it and reports a failure itself
        for (const c of claimed) {
          this.held.add(c.id);
          this.ready.push({ claimed: c, rows });
        }
        this.dispatch();
      }
      if (!this.isRunning()) break;
      // A full claim: more may be due (the room refills as requests finish).
      if (claimed.length > 0 && claimed.length === room && this.claimRoom() > 0) continue;
      let waitMs = pauseMs > 0 ? Math.min(pollIntervalMs, pauseMs) : pollIntervalMs;
      // After a claim, the requests it started wake the loop when they finish; only an empty claim
      // needs to know when the next delivery (a scheduled retry) falls due.
      if (claiming && claimed.length === 0) {
        await this.sweepHeld();
        try {
          const due = await this.nextDueInMs();
          // Due now but not claimed: rows of our busy endpoints (a completion wakes us), rows in
          // another worker's claim transaction, or rows that just became due: look again soon.
          if (due !== null) waitMs = Math.min(waitMs, due > 0 ? due : this.sending > 0 ? 250 : 50);
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
    // The first pending row in claim-index order whose endpoint is enabled (PostgreSQL planned a
    // min() over a large backlog as a scan of every pending row; see claim-sql.ts).
    const row = await this.deps.db.transaction().execute(async (trx) => {
      await planInClaimOrder(trx);
      return trx
        .selectFrom('webhook_deliveries as d')
        .innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
        .select('d.next_attempt_at as due')
        .where('d.status', '=', 'pending')
        .where('e.enabled', '=', 1)
        .orderBy('d.next_attempt_at')
        .limit(1)
        .executeTakeFirst();
    });
    if (!row) return null;
    return Math.max(0, Date.parse(row.due) - clockNow());
  }

  /** Claimed and not yet answered here, per endpoint (sending or ready). */
  private claimedLoad(): Map<string, number> {
    const load = new Map(this.sendingByEndpoint);
    for (const r of this.ready) load.set(r.claimed.endpoint_id, (load.get(r.claimed.endpoint_id) ?? 0) + 1);
    return load;
  }

  private claimCaps(): { perEndpoint: number; busyCap: number } {
    const { concurrency, perEndpointConcurrency } = this.deps.settings;
    return { perEndpoint: 3 * perEndpointConcurrency, busyCap: 2 * concurrency - reservedSlots(concurrency) };
  }

  /**
   * Endpoints that may not get another claim now (perEndpoint claimed, or every endpoint with
   * claims when the worker's busy share is used up). They are left out of the claim's query, so
   * that a backlog of theirs cannot fill the candidate window and hide the due deliveries of others.
   */
  private excludedEndpoints(): string[] {
    const { perEndpoint, busyCap } = this.claimCaps();
    const active = this.sending + this.ready.length;
    return [...this.claimedLoad()].filter(([, n]) => n >= perEndpoint || active >= busyCap).map(([id]) => id);
  }

  /**
   * How long the next claim should wait: after a claim that left endpoints out and found nothing,
   * while every endpoint it left out is still left out, the rest of settings.fruitlessClaimPauseMs;
   * else 0. New deliveries signalled meanwhile are most likely the busy endpoints' own: without the
   * pause, every commit cost a fruitless claim (and a read of the next due time), and under a
   * steady flow of flags to one endpoint at its limit those claims, walking that endpoint's due
   * deliveries, took most of the relay's CPU (ingest fell to a fifth of the offered rate).
   */
  private fruitlessPauseMs(excluded: readonly string[]): number {
    const f = this.fruitless;
    if (!f) return 0;
    const left = msLeft(this.deps.settings.fruitlessClaimPauseMs, f.at);
    if (left === 0) return 0;
    const now = new Set(excluded);
    for (const id of f.excluded) if (!now.has(id)) return 0; // a busy endpoint has room again
    return left;
  }

  /**
   * How long the next claim should wait so that new deliveries share it: after a claim that read
   * every due delivery it could take, the rest of settings.claimCoalesceMs; else 0. Until then,
   * only new commits (or a retry falling due) can give it more. Under a steady flow of flags each
   * commit signalled the worker, and each signal (and each freed slot) cost a claim transaction
   * for one delivery, then another claim that found nothing: two commits per flag on top of the
   * flag's own.
   */
  private coalescePauseMs(): number {
    return this.drainedClaimAt === null ? 0 : msLeft(this.deps.settings.claimCoalesceMs, this.drainedClaimAt);
  }

  /**
   * Claims up to `limit` due deliveries and inserts their attempt rows, in one short transaction.
   * An endpoint may have at most 3 x perEndpointConcurrency claimed and not yet answered here
   * (sending or ready), and endpoints that have some share all but reservedSlots of the worker's
   * room, so slow or hanging endpoints cannot take every claim.
   */
  async claim(limit: number, excluded = this.excludedEndpoints()): Promise<Claimed[]> {
    const now = nowDate();
    const nowIso = now.toISOString();
    const leaseUntil = new Date(now.getTime() + this.deps.settings.leaseMs).toISOString();
    const me = this.id;
    const { perEndpoint, busyCap } = this.claimCaps();
    const load = this.claimedLoad();
    const active = this.sending + this.ready.length;
    const held = [...this.held];
    // Asked before the transaction: on SQLite its BEGIN IMMEDIATE takes the write lock, which an
    // `eye-relay worker` process shares with the relays, for a claim that cannot find anything.
    if (!(await mayFindBesides(this.deps.db, excluded))) return [];
    return this.deps.db.transaction().execute(async (trx) => {
      const window = limit * 4;
      const candidates = await selectCandidates(trx, { nowIso, excludedEndpoints: excluded, heldDeliveries: held, window });
      this.drainedClaimAt = candidates.length < window ? performance.now() : null;
      const picked: string[] = [];
      for (const c of candidates) {
        if (picked.length >= limit) break;
        const n = load.get(c.endpoint_id) ?? 0;
        if (n >= perEndpoint) continue;
        // An endpoint that already has claims here may not take the reserved room.
        if (n > 0 && active + picked.length >= busyCap) continue;
        load.set(c.endpoint_id, n + 1);
        picked.push(c.id);
      }
      if (picked.length === 0) return [];
      const rows = await claimUpdate(trx, picked, { me, leaseUntil, nowIso }).execute();
      // RETURNING gives rows in the order the UPDATE found them (on PostgreSQL, where their
      // versions are stored), not in claim order; an endpoint's deliveries go out in claim order.
      const rank = new Map(picked.map((id, i) => [id, i]));
      const claimed: Claimed[] = rows.sort((a, b) => (rank.get(a.id) ?? 0) - (rank.get(b.id) ?? 0));
      if (claimed.length > 0) await insertAttempts(trx, claimed, { me, nowIso });
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
      db.selectFrom('webhook_events').selectAll().where(inIds(db, 'id', eventIds)).execute(),
      db.selectFrom('webhook_endpoints').selectAll().where(inIds(db, 'id', endpointIds)).execute(),
    ]);
    return { events: new Map(events.map((e) => [e.id, e])), endpoints: new Map(endpoints.map((e) => [e.id, e])) };
  }

  /**
   * Hands claimed deliveries that were never sent back (stop()): their attempt rows go, the attempt
   * count and due time are as before the claim. Only while the lease is still ours.
   */
  private async unclaim(claimed: Claimed[]): Promise<void> {
    const ids = claimed.map((c) => c.id);
    const nowIso = nowDate().toISOString();
    await this.deps.db.transaction().execute(async (trx) => {
      const mine = await trx
        .updateTable('webhook_deliveries')
        .set({ lease_owner: null, next_attempt_at: nowIso, attempts: sql<number>`attempts - 1`, updated_at: nowIso })
        .where('id', 'in', ids)
        .where('lease_owner', '=', this.id)
        .where(statusByRow(trx), '=', 'pending')
        .returning(['id', 'attempts'])
        .execute();
      if (mine.length === 0) return;
      await trx
        .deleteFrom('webhook_attempts')
        .where('worker_id', '=', this.id)
        .where('finished_at', 'is', null)
        .where('delivery_id', 'in', mine.map((m) => m.id))
        .execute();
    });
  }

  /**
   * Sends attempt `claimed.attempts` of one ready delivery, frees its slot as soon as the answer
   * is in (the next ready delivery need not wait for this one's write), then records the outcome.
   */
  private async deliver({ claimed: c, rows }: Ready): Promise<void> {
    let event: WebhookEventRow | undefined;
    let endpoint: WebhookEndpointRow | undefined;
    let result: PostResult;
    try {
      const { events, endpoints } = await rows;
      event = events.get(c.event_id);
      endpoint = endpoints.get(c.endpoint_id);
      result = !event || !endpoint
        ? { statusCode: null, latencyMs: 0, error: 'event or endpoint no longer exists', responseExcerpt: null, retryAfter: null }
        : await this.send(event, endpoint);
    } finally {
      this.slotFreed(c.endpoint_id);
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
      target = await resolveWebhookTarget(endpoint.url, settings.targets, this.dns.lookup);
    } catch (err) {
      const msg = err instanceof UnsafeTargetError ? `refused: ${err.message}` : `refused: ${(err as Error).message}`;
      return { statusCode: null, latencyMs: 0, error: msg, responseExcerpt: null, retryAfter: null };
    }
    const body = JSON.stringify(buildEnvelope(event, nowDate(), (mediaId) => signMediaUrl(config, mediaId, config.mediaUrlTtlSeconds)));
    const headers = signatureHeaders({ msgId: event.id, body, secrets: liveSecrets(endpoint, secrets, clockNow(), (sealed) => this.openSecret(sealed)) });
    return postWebhook(target, headers, body, settings.timeoutMs, settings.extraCa, this.agents);
  }
}
