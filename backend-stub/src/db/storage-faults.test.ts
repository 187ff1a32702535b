import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toErrorResponse } from '../errors.js';
import { storageFaultOf } from './storage-faults.js';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

test('lost or unobtainable database connections are retryable 503s with Retry-After', () => {
  for (const err of [
    withCode('57P01', 'terminating connection due to administrator command'),
    withCode('08006'),
    withCode('53300'),
    withCode('ECONNREFUSED'),
    withCode('SQLITE_BUSY'),
    new Error('Connection terminated unexpectedly'),
    new Error('timeout exceeded when trying to connect'),
    new Error('Client has encountered a connection error and is not queryable'),
    Object.assign(new Error('wrapped'), { cause: withCode('57P01') }),
  ]) {
    assert.equal(storageFaultOf(err), 'database_unavailable', err.message);
    const r = toErrorResponse(err);
    assert.equal(r.status, 503);
    assert.equal(r.body.error, 'database_unavailable');
    assert.equal(r.headers?.['retry-after'], '5');
  }
});

test('a full disk is a 507 with Retry-After, for files and databases', () => {
  for (const code of ['ENOSPC', 'EDQUOT', 'SQLITE_FULL', '53100']) {
    const r = toErrorResponse(withCode(code));
    assert.equal(r.status, 507, code);
    assert.equal(r.body.error, 'insufficient_storage');
    assert.equal(r.headers?.['retry-after'], '5');
  }
});

test('other errors are not storage faults (bugs stay 500, constraint violations are not retried)', () => {
  for (const err of [new Error('boom'), withCode('23505'), withCode('SQLITE_CONSTRAINT_UNIQUE'), null, 'text']) {
    assert.equal(storageFaultOf(err), null);
  }
  assert.equal(toErrorResponse(new Error('boom')).status, 500);
  assert.equal(toErrorResponse(new Error('boom')).headers, undefined);
});
