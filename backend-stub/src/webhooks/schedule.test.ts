import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_RETRY_POLICY, isSuccess, nextStepAfterFailure, parseRetryAfter } from './schedule.js';
import { loadWebhookSettings, parseSchedule } from './settings.js';

test('default schedule is 30 s, 5 min, 30 min with ±10 % jitter, then give up', () => {
  const lo = () => 0;
  const hi = () => 0.999999;
  const expected = [30_000, 300_000, 1_800_000];
  expected.forEach((base, i) => {
    const a = nextStepAfterFailure(i + 1, 500, null, DEFAULT_RETRY_POLICY, 0, lo);
    const b = nextStepAfterFailure(i + 1, 500, null, DEFAULT_RETRY_POLICY, 0, hi);
    assert.deepEqual(a, { kind: 'retry', delayMs: base * 0.9 });
    assert.ok(b.kind === 'retry' && Math.abs(b.delayMs - base * 1.1) <= 1);
  });
  assert.deepEqual(nextStepAfterFailure(4, 500, null, DEFAULT_RETRY_POLICY), { kind: 'give_up' });
  assert.deepEqual(nextStepAfterFailure(1, null, null, DEFAULT_RETRY_POLICY, 0, () => 0.5), { kind: 'retry', delayMs: 30_000 });
});

test('410 disables at once; Retry-After (seconds or HTTP date) wins over the schedule, capped at 24 h', () => {
  assert.deepEqual(nextStepAfterFailure(1, 410, null, DEFAULT_RETRY_POLICY), { kind: 'disable_endpoint' });
  assert.deepEqual(nextStepAfterFailure(1, 429, '120', DEFAULT_RETRY_POLICY), { kind: 'retry', delayMs: 120_000 });
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.deepEqual(nextStepAfterFailure(2, 503, 'Thu, 01 Jan 2026 00:10:00 GMT', DEFAULT_RETRY_POLICY, now), { kind: 'retry', delayMs: 600_000 });
  assert.deepEqual(nextStepAfterFailure(1, 503, '999999', DEFAULT_RETRY_POLICY), { kind: 'retry', delayMs: 24 * 3_600_000 });
  assert.equal(parseRetryAfter('soon'), null);
  assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:00 GMT', now + 5000), 0);
  // Retry-After does not extend the number of attempts.
  assert.deepEqual(nextStepAfterFailure(4, 503, '5', DEFAULT_RETRY_POLICY), { kind: 'give_up' });
});

test('success is 2xx only', () => {
  assert.deepEqual([200, 204, 299, 301, 302, 400, 500].map(isSuccess), [true, true, true, false, false, false, false]);
  assert.equal(isSuccess(null), false);
});

test('settings: schedule from env with units; strict targets unless demo or allowed', () => {
  assert.deepEqual(parseSchedule('30s,5m,30m'), [30_000, 300_000, 1_800_000]);
  assert.deepEqual(parseSchedule('200, 400,800ms,1h'), [200, 400, 800, 3_600_000]);
  assert.throws(() => parseSchedule('soon'));
  const prod = loadWebhookSettings({}, false);
  assert.deepEqual(prod.targets, { allowHttp: false, allowLoopback: false, allowPrivate: false });
  assert.deepEqual(prod.retry.scheduleMs, [30_000, 300_000, 1_800_000]);
  assert.equal(prod.timeoutMs, 5000);
  assert.deepEqual(loadWebhookSettings({}, true).targets, { allowHttp: true, allowLoopback: true, allowPrivate: false });
  const env = loadWebhookSettings({ EYE_WEBHOOK_RETRY_SCHEDULE: '1s,2s', EYE_WEBHOOK_ALLOW_PRIVATE: '1', EYE_WEBHOOK_TIMEOUT_MS: '2500' }, false);
  assert.deepEqual(env.retry.scheduleMs, [1000, 2000]);
  assert.equal(env.targets.allowPrivate, true);
  assert.equal(env.timeoutMs, 2500);
});
