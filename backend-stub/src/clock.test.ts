import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { now, nowIso, shiftClock, useClock } from './clock.js';
import { signSessionToken, verifySessionToken } from './tokens.js';
import { nextStepAfterFailure, DEFAULT_RETRY_POLICY } from './webhooks/schedule.js';
import { signatureHeaders } from './webhooks/signing.js';

const SECRET = 's'.repeat(40);
afterEach(() => {
  shiftClock(0);
});

test('signature timestamps follow the relay clock', () => {
  useClock({ now: () => 1_800_000_000_000 });
  const h = signatureHeaders({ msgId: 'evt_1', body: '{}', secrets: ['whsec_' + Buffer.alloc(24).toString('base64')] });
  assert.equal(h['x-eye-timestamp'], '1800000000');
  assert.equal(h['webhook-timestamp'], '1800000000');
});

test('token expiry follows the relay clock; a token issued "in the future" (clock stepped back) is valid', async () => {
  const claims = { sessionId: 'sess-clock', tenantId: 't', examId: 'e', candidateId: 'c' };
  const { token } = await signSessionToken(SECRET, claims, 600);
  shiftClock(-4 * 60_000);
  assert.equal((await verifySessionToken(SECRET, token)).sessionId, 'sess-clock');
  shiftClock(4 * 60_000);
  assert.equal((await verifySessionToken(SECRET, token)).sessionId, 'sess-clock');
  const other = await signSessionToken(SECRET, { ...claims, sessionId: 'sess-clock-2' }, 600);
  shiftClock(11 * 60_000 + 4 * 60_000);
  await assert.rejects(verifySessionToken(SECRET, other.token), { statusCode: 401, code: 'token_expired' });
});

test('a Retry-After date in the past (receiver clock ahead, or ours jumped) retries at once but only within the schedule', () => {
  const t = now();
  const past = new Date(t - 10 * 60_000).toUTCString();
  const policy = { ...DEFAULT_RETRY_POLICY, jitter: 0 };
  const steps = [1, 2, 3, 4].map((n) => nextStepAfterFailure(n, 503, past, policy, t));
  assert.deepEqual(steps, [{ kind: 'retry', delayMs: 0 }, { kind: 'retry', delayMs: 0 }, { kind: 'retry', delayMs: 0 }, { kind: 'give_up' }]);
});

test('nowIso follows the relay clock, including a clock that moves back', () => {
  let t = 1_800_000_000_000;
  useClock({ now: () => t });
  assert.equal(nowIso(), '2027-01-15T08:00:00.000Z');
  assert.equal(nowIso(), '2027-01-15T08:00:00.000Z');
  t += 1;
  assert.equal(nowIso(), '2027-01-15T08:00:00.001Z');
  t -= 60_000;
  assert.equal(nowIso(), '2027-01-15T07:59:00.001Z');
  shiftClock(0);
  assert.equal(Math.abs(Date.parse(nowIso()) - Date.now()) < 60_000, true);
});
