import { test } from 'node:test';
import assert from 'node:assert/strict';
import { carryEvidence, flagEvidence, riskLevel, riskScore, RISK_WEIGHTS, scoreOfEvidence } from './score.js';

const t = Date.parse('2026-01-01T10:00:00Z');
const at = (minAgo: number) => new Date(t - minAgo * 60_000).toISOString();

test('documented examples: fresh flags', () => {
  assert.equal(riskScore([], t), 0);
  assert.equal(riskScore([{ type: 'MULTIPLE_FACE', occurredAt: t }], t), 0.5507); // 1 - e^-0.8
  assert.equal(riskScore([1, 2].map(() => ({ type: 'MULTIPLE_FACE', occurredAt: t })), t), 0.7981);
  assert.equal(riskScore([1, 2, 3].map(() => ({ type: 'MULTIPLE_FACE', occurredAt: t })), t), 0.9093);
  assert.equal(riskScore([{ type: 'TAB_NOT_FOCUS', occurredAt: t }], t), 0.1813);
  assert.equal(riskScore([{ type: 'PERIODIC_SNAPSHOT', occurredAt: t }, { type: 'STARTED', occurredAt: t }], t), 0);
});

test('recency: evidence halves every 15 minutes; future timestamps count as fresh, not more', () => {
  const fresh = riskScore([{ type: 'DEVTOOLS_OPEN', occurredAt: at(0) }], t);
  const old = riskScore([{ type: 'DEVTOOLS_OPEN', occurredAt: at(15) }], t);
  assert.equal(fresh, Math.round((1 - Math.exp(-0.5)) * 1e4) / 1e4);
  assert.equal(old, Math.round((1 - Math.exp(-0.25)) * 1e4) / 1e4);
  assert.equal(riskScore([{ type: 'DEVTOOLS_OPEN', occurredAt: at(-60) }], t), fresh);
  assert.ok(riskScore([{ type: 'MULTIPLE_FACE', occurredAt: at(240) }], t) < 0.01);
});

test('monotone in evidence, bounded below 1, weights ordered by severity', () => {
  let prev = 0;
  for (let n = 1; n <= 30; n++) {
    const s = riskScore(Array.from({ length: n }, () => ({ type: 'FACE_ABSENCE', occurredAt: t })), t);
    assert.ok(s >= prev && s <= 1);
    prev = s;
  }
  assert.ok(RISK_WEIGHTS.MULTIPLE_FACE! > RISK_WEIGHTS.FACE_ABSENCE! && RISK_WEIGHTS.FACE_ABSENCE! > RISK_WEIGHTS.TAB_NOT_FOCUS!);
  assert.deepEqual([0.5, 0.7, 0.89, 0.9, 0.99].map((s) => riskLevel(s, 0.7, 0.9)), ['normal', 'escalated', 'escalated', 'critical', 'critical']);
});

test('carrying evidence flag by flag gives the score of a full recomputation', () => {
  const types = ['TAB_NOT_FOCUS', 'FACE_ABSENCE', 'PERIODIC_SNAPSHOT', 'MULTIPLE_FACE', 'SOUND_DETECTED', 'EXIT_FULLSCREEN'];
  // Arrivals over two hours, some flags arriving late (created before the previous arrival).
  const flags = Array.from({ length: 60 }, (_, i) => ({ type: types[i % types.length]!, arrival: t + i * 120_000, occurredAt: t + i * 120_000 - (i % 7) * 200_000 }));
  let evidence = 0;
  let evaluatedAt = t;
  for (let i = 0; i < flags.length; i++) {
    const f = flags[i]!;
    evidence = carryEvidence(evidence, evaluatedAt, f.arrival) + flagEvidence(f.type, f.occurredAt, f.arrival);
    evaluatedAt = f.arrival;
    const full = riskScore(flags.slice(0, i + 1), f.arrival);
    assert.ok(Math.abs(scoreOfEvidence(evidence) - full) <= 0.0001, `flag ${i}: ${scoreOfEvidence(evidence)} vs ${full}`);
  }
  assert.ok(scoreOfEvidence(evidence) > 0.5, 'the sequence builds real risk');
});
