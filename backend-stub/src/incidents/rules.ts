/**
 * Incident rules: which flags open an incident, and how severe it is. Pure; the service applies
 * them per flag, de-duplicated per session + rule while an incident is open (TRIGGERED / REOPENED):
 * a later hit on an open incident only raises its severity (never lowers it).
 *
 * | rule             | opens when                                             | severity           |
 * |------------------|--------------------------------------------------------|--------------------|
 * | FACE_MISMATCH    | a FACE_MISMATCH flag (someone else may be sitting it)  | HIGH               |
 * | MULTIPLE_FACES   | a MULTIPLE_FACE flag                                   | HIGH               |
 * | FACE_ABSENCE     | a FACE_ABSENCE flag                                    | MEDIUM             |
 * | DEVTOOLS         | a DEVTOOLS_OPEN flag                                   | MEDIUM             |
 * | MONITORING_LOST  | a CAMERA_LOST flag (monitoring degraded)               | MEDIUM             |
 * | TAB_SWITCHING    | 3rd TAB_NOT_FOCUS of the session (6th and later: MEDIUM)| LOW / MEDIUM      |
 * | FULLSCREEN_EXITS | 3rd EXIT_FULLSCREEN of the session                     | LOW                |
 * | AUDIO            | 3rd SOUND_DETECTED of the session                      | LOW                |
 * | RISK_ESCALATION  | risk score >= the exam's escalation_threshold          | HIGH               |
 */
import { Event, isEvent } from '../../../src/events.js';
import type { IncidentSeverity } from './tables.js';

export interface RuleHit {
  rule: string;
  severity: IncidentSeverity;
  description: string;
}

export interface RuleInput {
  flagType: string;
  /** Flags of this type in the session, this one included. */
  countThisSession: number;
  riskScore: number;
  escalationThreshold: number;
  criticalThreshold: number;
}

export const REPEAT_THRESHOLD = 3;
export const TAB_SWITCH_MEDIUM_THRESHOLD = 6;

export const SEVERITY_RANK: Record<IncidentSeverity, number> = { LOW: 1, MEDIUM: 2, HIGH: 3 };

export function evaluateRules(input: RuleInput): RuleHit[] {
  const hits: RuleHit[] = [];
  const n = input.countThisSession;
  switch (isEvent(input.flagType) ? input.flagType : undefined) {
    case Event.FACE_MISMATCH:
      hits.push({ rule: 'FACE_MISMATCH', severity: 'HIGH', description: 'The face on camera does not match the enrolled candidate' });
      break;
    case Event.MULTIPLE_FACE:
      hits.push({ rule: 'MULTIPLE_FACES', severity: 'HIGH', description: 'More than one face was visible on camera' });
      break;
    case Event.FACE_ABSENCE:
      hits.push({ rule: 'FACE_ABSENCE', severity: 'MEDIUM', description: 'The candidate was not visible on camera' });
      break;
    case Event.DEVTOOLS_OPEN:
      hits.push({ rule: 'DEVTOOLS', severity: 'MEDIUM', description: 'Browser developer tools appear to have been opened' });
      break;
    case Event.CAMERA_LOST:
      hits.push({ rule: 'MONITORING_LOST', severity: 'MEDIUM', description: 'The camera stopped or face detection stalled' });
      break;
    case Event.TAB_NOT_FOCUS:
      if (n >= REPEAT_THRESHOLD) {
        hits.push({
          rule: 'TAB_SWITCHING',
          severity: n >= TAB_SWITCH_MEDIUM_THRESHOLD ? 'MEDIUM' : 'LOW',
          description: `The candidate left the exam tab ${n} times`,
        });
      }
      break;
    case Event.EXIT_FULLSCREEN:
      if (n >= REPEAT_THRESHOLD) hits.push({ rule: 'FULLSCREEN_EXITS', severity: 'LOW', description: `The candidate left fullscreen ${n} times` });
      break;
    case Event.SOUND_DETECTED:
      if (n >= REPEAT_THRESHOLD) hits.push({ rule: 'AUDIO', severity: 'LOW', description: `Sound above the threshold was detected ${n} times` });
      break;
    default:
      break;
  }
  if (input.riskScore >= input.escalationThreshold) {
    const critical = input.riskScore >= input.criticalThreshold;
    hits.push({
      rule: 'RISK_ESCALATION',
      severity: 'HIGH',
      description: `Risk score ${input.riskScore.toFixed(2)} reached the ${critical ? 'critical' : 'escalation'} threshold ${(critical ? input.criticalThreshold : input.escalationThreshold).toFixed(2)}`,
    });
  }
  return hits;
}
