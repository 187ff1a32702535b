/**
 * Session risk score, in [0, 1).
 *
 *   score = 1 - exp( - Σ_i  w(kind_i) · 2^( -(t_ref - t_i) / H ) )
 *
 * - `w(kind)`: evidence weight of one flag of that kind (RISK_WEIGHTS below; snapshots weigh 0).
 * - `t_i`: when the flag happened (its `createdAt`, clamped to t_ref so a skewed client clock
 *   cannot make evidence count more than fresh).
 * - `t_ref`: the evaluation time. The relay evaluates at each new flag's arrival (the stored score
 *   is therefore "the risk right after the latest flag"), so bursts weigh more than the same flags
 *   spread over hours.
 * - `H`: half-life of evidence, 15 minutes by default: a flag counts half as much 15 min later.
 *
 * The exponential saturation keeps the score in [0, 1), makes one weak flag modest and several
 * strong ones approach 1. Examples (fresh flags): one MULTIPLE_FACE → 0.55; two → 0.80;
 * three → 0.91 (crosses the default critical threshold 0.9); one TAB_NOT_FOCUS → 0.18;
 * one FACE_MISMATCH → 0.63, two → 0.86.
 * Per-exam thresholds: `escalation_threshold` (default 0.7) opens a risk incident,
 * `critical_threshold` (default 0.9) marks incident webhooks `urgent` and may auto-pause.
 * Documented for operators in docs/RISK.md.
 */
import { Event } from '../../../src/events.js';

export const RISK_WEIGHTS: Readonly<Record<string, number>> = {
  [Event.FACE_MISMATCH]: 1.0,
  [Event.MULTIPLE_FACE]: 0.8,
  [Event.DEVTOOLS_OPEN]: 0.5,
  [Event.FACE_ABSENCE]: 0.35,
  [Event.CAMERA_LOST]: 0.3,
  [Event.SOUND_DETECTED]: 0.25,
  [Event.TAB_NOT_FOCUS]: 0.2,
  [Event.EXIT_FULLSCREEN]: 0.15,
  [Event.MICROPHONE_LOST]: 0.1,
  [Event.PERIODIC_SNAPSHOT]: 0,
  // Evidence of identity, not of misconduct: a failed model is the platform's problem.
  [Event.IDENTITY_ENROLLED]: 0,
  [Event.IDENTITY_UNAVAILABLE]: 0,
};

export const DEFAULT_HALF_LIFE_MS = 15 * 60_000;
export const DEFAULT_ESCALATION_THRESHOLD = 0.7;
export const DEFAULT_CRITICAL_THRESHOLD = 0.9;

export interface RiskFlag {
  type: string;
  /** When the flag happened (ms since epoch or ISO string). */
  occurredAt: number | string | Date;
}

function toMs(t: number | string | Date): number {
  if (typeof t === 'number') return t;
  if (t instanceof Date) return t.getTime();
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? 0 : ms;
}

/** One flag's summand at `ref`: its weight, halved for every half-life since it happened. */
export function flagEvidence(type: string, occurredAt: number | string | Date, refTime: number | string | Date, halfLifeMs = DEFAULT_HALF_LIFE_MS): number {
  const w = RISK_WEIGHTS[type] ?? 0;
  if (w === 0) return 0;
  const age = Math.max(0, toMs(refTime) - toMs(occurredAt));
  return w * Math.pow(2, -age / halfLifeMs);
}

/**
 * Evidence summed at an earlier evaluation, carried to a later one: every summand halves per
 * half-life, so the sum does too. This lets the relay keep one number per session instead of
 * re-reading every flag (the only difference: a flag stamped in the future of an earlier
 * evaluation decays from that evaluation, not from its own, later time).
 */
export function carryEvidence(evidence: number, fromMs: number, toMs: number, halfLifeMs = DEFAULT_HALF_LIFE_MS): number {
  return evidence * Math.pow(2, -Math.max(0, toMs - fromMs) / halfLifeMs);
}

/** The score of an evidence sum. Rounded to 4 decimals: stable across SQLite/PostgreSQL float round-trips and JSON. */
export function scoreOfEvidence(evidence: number): number {
  return Math.round((1 - Math.exp(-evidence)) * 10_000) / 10_000;
}

/** The score of a set of flags at `refTime`, from scratch (the reference the relay's incremental form matches). */
export function riskScore(flags: readonly RiskFlag[], refTime: number | string | Date, halfLifeMs: number = DEFAULT_HALF_LIFE_MS): number {
  let evidence = 0;
  for (const f of flags) evidence += flagEvidence(f.type, f.occurredAt, refTime, halfLifeMs);
  return scoreOfEvidence(evidence);
}

export type RiskLevel = 'normal' | 'escalated' | 'critical';

export function riskLevel(score: number, escalation: number, critical: number): RiskLevel {
  if (score >= critical) return 'critical';
  if (score >= escalation) return 'escalated';
  return 'normal';
}
