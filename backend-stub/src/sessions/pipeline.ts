import type { Kysely } from 'kysely';
import { isFlagEvent } from '../../../src/events.js';
import type { Database, FlagRow, SessionRow } from '../db/schema.js';
import { evaluateRules, type RuleHit } from '../incidents/rules.js';
import { applyRuleHits, type OpenIncident, type RuleContext } from '../incidents/service.js';
import { carryEvidence, flagEvidence, scoreOfEvidence } from '../risk/score.js';
import type { ExamRiskSettings } from '../risk/service.js';
import { flagEvent, sessionEndedEvent, sessionStartedEvent } from '../webhooks/catalog.js';
import { enqueueDeliveries, enqueueEvent, planEvent, type EnqueueInput, type PlannedEvent } from '../webhooks/outbox.js';
import { writeEffects, writeFlag, type FlagWrite, type FlagWritten } from './flag-batch.js';
import type { FlagCounts } from './service.js';
import { canTransition } from './status.js';
import { closeOpenTabSwitches } from './tab-switch.js';
import { eventsSummary } from './view.js';
import { now as clockNow } from '../clock.js';

/**
 * Domain events the relay core raises inside the transaction that stored them
 * (session started / ended, a stored flag). Rows are as stored, after the change.
 */
export type DomainEvent =
  | { kind: 'session.started'; session: SessionRow }
  | { kind: 'session.ended'; session: SessionRow; exitReason: string }
  | { kind: 'flag'; session: SessionRow; flag: FlagRow; counted: FlagCount };

/**
 * The session's flag counts before this flag and its exam's risk settings, read with the session's
 * lock (sessions/service.ts lockSessionForFlag), and its open incidents when the lock read them.
 */
export interface FlagCount {
  counts: FlagCounts;
  settings: ExamRiskSettings;
  open?: OpenIncident[];
}

/**
 * Writes outbox rows (events kept for replay + one delivery per subscribed endpoint), the risk
 * score, incidents and their webhooks for `event`, using `trx`, so all of it commits or rolls back
 * with the change itself. For a flag the caller holds the session row's lock (PostgreSQL
 * `FOR UPDATE`; SQLite serialises writers), which keeps counts and incident de-duplication exact.
 * Returns the session row as it is afterwards (a flag updates its risk score and may auto-pause it).
 */
export async function emitDomainEvents(trx: Kysely<Database>, event: DomainEvent): Promise<SessionRow> {
  switch (event.kind) {
    case 'session.started':
      await enqueueEvent(trx, { tenantId: event.session.tenant_id, sessionId: event.session.id, event: sessionStartedEvent(event.session) });
      return event.session;
    case 'session.ended':
      await onSessionEnded(trx, event.session, event.exitReason);
      return event.session;
    case 'flag':
      return onFlag(trx, event.session, event.flag, event.counted);
  }
}

async function onSessionEnded(trx: Kysely<Database>, session: SessionRow, exitReason: string): Promise<void> {
  // Tab switches still waiting for their duration go out before session.ended.
  await closeOpenTabSwitches(trx, session);
  const summary = await eventsSummary(trx, session.id);
  const fresh = await trx.selectFrom('sessions').select('risk_score').where('id', '=', session.id).executeTakeFirst();
  const score = fresh?.risk_score ?? session.risk_score;
  await enqueueEvent(trx, { tenantId: session.tenant_id, sessionId: session.id, event: sessionEndedEvent(session, exitReason, summary, score) });
}

/** What a new flag changes, worked out before anything is written. */
interface FlagEffects {
  /** Its webhook event; null while a tab switch waits for its duration (sessions/tab-switch.ts). */
  event: { input: EnqueueInput; planned: PlannedEvent } | null;
  /** The session row after the flag: risk score and evidence, flag counts, maybe paused. */
  updated: SessionRow;
  risk: FlagWrite['risk'];
  hits: RuleHit[];
  ruleContext: RuleContext;
  /** The session's open incidents, if read with its lock. */
  open: OpenIncident[] | undefined;
}

function flagEffects(session: SessionRow, flag: FlagRow, counted: FlagCount): FlagEffects {
  const { counts, settings } = counted;
  const countThisSession = (counts[flag.type] ?? 0) + 1;

  const proctoring = flagEvent(session, flag, countThisSession);
  // A tab switch without its duration yet is announced when it ends (sessions/tab-switch.ts).
  const eventInput = proctoring && !flag.event_pending ? { tenantId: session.tenant_id, sessionId: session.id, event: proctoring } : null;

  // Risk at this flag's arrival (risk/score.ts): the session's evidence carried forward plus this flag's.
  const previous = session.risk_score;
  const now = clockNow();
  const evaluatedAt = session.risk_evaluated_at ? Date.parse(session.risk_evaluated_at) : now;
  const evidence = carryEvidence(session.risk_evidence, evaluatedAt, now) + flagEvidence(flag.type, flag.created_at, now);
  const score = scoreOfEvidence(evidence);
  const critical = score >= settings.criticalThreshold;
  const pause = critical && settings.autoPause && session.status === 'IN_PROGRESS' && canTransition(session.status, 'PAUSED');
  const nowIso = new Date(now).toISOString();
  const flagCounts = JSON.stringify({ ...counts, [flag.type]: countThisSession });
  // The row as stored after the update (the lock holds it: nothing else changes it).
  const updated: SessionRow = { ...session, risk_score: score, risk_evidence: evidence, risk_evaluated_at: nowIso, updated_at: nowIso, flag_counts: flagCounts, ...(pause ? { status: 'PAUSED' as const } : {}) };
  const hits = evaluateRules({
    flagType: flag.type,
    countThisSession,
    riskScore: score,
    escalationThreshold: settings.escalationThreshold,
    criticalThreshold: settings.criticalThreshold,
  });
  return {
    event: eventInput ? { input: eventInput, planned: planEvent(eventInput) } : null,
    updated,
    risk: { score, evidence, evaluatedAt: nowIso, flagCounts, pause },
    hits,
    ruleContext: { urgent: critical, crossedCritical: critical && previous < settings.criticalThreshold },
    open: counted.open,
  };
}

/** A flag whose row is stored already (a media flag, one arriving after the end, a re-enrollment): its event and score. */
async function onFlag(trx: Kysely<Database>, session: SessionRow, flag: FlagRow, counted: FlagCount): Promise<SessionRow> {
  if (!isFlagEvent(flag.type)) return session;
  const effects = flagEffects(session, flag, counted);
  return afterWrite(trx, session, effects, await writeEffects(trx, writeOf(flag, effects)));
}

/**
 * Stores a new plain flag with all it changes (the caller holds the session's lock): the flag, its
 * event and its score (sessions/flag-batch.ts; on PostgreSQL in one statement with the
 * transaction's other flags of this turn), then its deliveries and incidents. Answers the session
 * row after it, or null when the flag id is stored already (then nothing was written).
 */
export async function storeFlagWithEffects(trx: Kysely<Database>, session: SessionRow, flag: FlagRow, counted: FlagCount): Promise<SessionRow | null> {
  const effects = flagEffects(session, flag, counted);
  const written = await writeFlag(trx, writeOf(flag, effects));
  return written && afterWrite(trx, session, effects, written);
}

function writeOf(flag: FlagRow, effects: FlagEffects): FlagWrite {
  return { flag, event: effects.event?.planned.values ?? null, risk: effects.risk };
}

/** What follows the flag's writes: the event's deliveries and the incidents its rule hits open or raise. */
async function afterWrite(trx: Kysely<Database>, session: SessionRow, effects: FlagEffects, written: FlagWritten): Promise<SessionRow> {
  if (!written.updated) throw new Error(`session ${session.id} vanished under its lock`);
  if (effects.event) await enqueueDeliveries(trx, effects.event.input, effects.event.planned);
  await applyRuleHits(trx, effects.updated, effects.hits, effects.ruleContext, written.open ?? effects.open);
  return effects.updated;
}
