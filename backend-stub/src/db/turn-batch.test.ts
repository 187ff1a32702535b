import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TurnBatch } from './turn-batch.js';

test('items of one turn go out in one send, each answered with its own result; the next turn sends again', async () => {
  const sends: string[][] = [];
  const batch = new TurnBatch<string, string>((items) => {
    sends.push(items);
    return Promise.resolve(items.map((i) => i.toUpperCase()));
  });
  const first = await Promise.all(['a', 'b', 'c'].map((i) => batch.add(i)));
  assert.deepEqual(first, ['A', 'B', 'C']);
  assert.deepEqual(sends, [['a', 'b', 'c']]);
  assert.equal(await batch.add('d'), 'D');
  assert.deepEqual(sends, [['a', 'b', 'c'], ['d']]);
});

test('an item whose key is pending sends the pending ones first; order is kept', async () => {
  const sends: string[][] = [];
  const batch = new TurnBatch<string, number>(
    (items) => {
      sends.push(items);
      return Promise.resolve(items.map((i) => i.length));
    },
    { keyOf: (i) => i.slice(0, 1) },
  );
  const results = await Promise.all(['s1', 't1', 's22', 'u1', 't333', 't4'].map((i) => batch.add(i)));
  assert.deepEqual(results, [2, 2, 3, 2, 4, 2]);
  assert.deepEqual(sends, [['s1', 't1'], ['s22', 'u1', 't333'], ['t4']]);
});

test('a failed send rejects every item of it and no other', async () => {
  const batch = new TurnBatch<number, number>((items) => (items.includes(0) ? Promise.reject(new Error('statement failed')) : Promise.resolve(items)));
  const failed = await Promise.allSettled([1, 0, 2].map((i) => batch.add(i)));
  assert.deepEqual(
    failed.map((r) => r.status),
    ['rejected', 'rejected', 'rejected'],
  );
  assert.match(String((failed[0] as PromiseRejectedResult).reason), /statement failed/);
  assert.equal(await batch.add(3), 3);
});
