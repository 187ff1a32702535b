import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GroupCommit } from './group-commit.js';

test('writes of one turn share a commit; later writes wait for the next; each settles after its commit', async () => {
  const commits: number[][] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const group = new GroupCommit<number>(async (items) => {
    if (commits.length === 0) await gate;
    commits.push(items);
  });
  const settled: number[] = [];
  const first = [1, 2, 3].map((n) => group.write(n).then(() => settled.push(n)));
  await new Promise((r) => setImmediate(r));
  // The first commit is running (held by the gate): these queue for the next one.
  const second = [4, 5].map((n) => group.write(n).then(() => settled.push(n)));
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(settled, [], 'nothing settles before its transaction commits');
  release();
  await Promise.all([...first, ...second]);
  assert.deepEqual(commits, [[1, 2, 3], [4, 5]]);
  assert.deepEqual(settled, [1, 2, 3, 4, 5]);
});

test('a failing shared commit is retried item by item: only the bad item fails', async () => {
  const commits: number[][] = [];
  const group = new GroupCommit<number>((items) => {
    if (items.includes(13)) return Promise.reject(new Error(`bad item in ${items.join(',')}`));
    commits.push(items);
    return Promise.resolve();
  });
  const results = await Promise.allSettled([12, 13, 14].map((n) => group.write(n)));
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
  assert.match(String((results[1] as PromiseRejectedResult).reason), /bad item in 13$/);
  assert.deepEqual(commits.sort(), [[12], [14]]);
  // The writer keeps working after a failure.
  await group.write(15);
  assert.deepEqual(commits.at(-1), [15]);
});

test('parallel batches of at most maxBatch items, each sorted by `order`', async () => {
  const commits: number[][] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const group = new GroupCommit<number>(
    async (items) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      commits.push(items);
      inFlight--;
    },
    { maxBatch: 3, parallel: 2, order: (a, b) => a - b },
  );
  await Promise.all([9, 3, 7, 1, 8, 2, 6].map((n) => group.write(n)));
  assert.equal(maxInFlight, 2);
  assert.deepEqual(commits.map((c) => c.length).sort(), [1, 3, 3]);
  for (const c of commits) assert.deepEqual(c, [...c].sort((a, b) => a - b));
  assert.deepEqual(commits.flat().sort(), [1, 2, 3, 6, 7, 8, 9]);
});
