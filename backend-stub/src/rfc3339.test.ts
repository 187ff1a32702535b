import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRfc3339 } from './rfc3339.js';

test('RFC 3339: date-times with a timezone on real calendar dates only', () => {
  const iso = (t: string) => {
    const ms = parseRfc3339(t);
    return ms === null ? null : new Date(ms).toISOString();
  };
  assert.equal(iso('2026-03-03T10:00:00Z'), '2026-03-03T10:00:00.000Z');
  assert.equal(iso('2026-03-03T10:00:00.123456789+02:00'), '2026-03-03T08:00:00.123Z');
  assert.equal(iso('2026-03-03T00:30:00-01:00'), '2026-03-03T01:30:00.000Z');
  assert.equal(iso('2000-02-29T12:00:00Z'), '2000-02-29T12:00:00.000Z', '2000 is a leap year');
  assert.equal(iso('0001-01-01T00:00:00Z'), '0001-01-01T00:00:00.000Z', 'years below 100 are not mapped to 19xx');
  for (const bad of ['12', 'Tue Mar 03 2026', '2026-02-30T10:00:00Z', '1900-02-29T00:00:00Z', '2026-04-31T00:00:00Z', '2026-02-28T10:00:00', '2026-02-28', '2026-02-28T10:00Z', '2026-02-28T10:00:00.Z', '2026-02-28T10:00:00+0100', '2026-00-10T00:00:00Z', '2026-01-00T00:00:00Z', '2026-01-01T23:60:00Z', '2026-01-01T00:00:00+24:00', '2026-01-01T00:00:00.1234567890Z', '2026-01-01T00:00:00Z\n']) {
    assert.equal(parseRfc3339(bad), null, bad);
  }
});
