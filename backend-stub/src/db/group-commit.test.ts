import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitUntil } from '../testing/webhook-fixtures.js';
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

test('gatherWhenSteadyMs: writes one at a time in a steady flow share a commit; a write after a quiet spell starts at once', async () => {
  const commits: number[][] = [];
  // Long enough that the 20 ms gaps below fall inside it on a loaded machine.
  const group = new GroupCommit<number>(
    (items) => {
      commits.push(items);
      return Promise.resolve();
    },
    { gatherWhenSteadyMs: 400 },
  );
  await group.write(1);
  await new Promise((r) => setTimeout(r, 500));
  await group.write(2); // after a quiet spell: alone, at once
  const later = [3, 4].map(async (n, i) => {
    await new Promise((r) => setTimeout(r, 20 * (i + 1)));
    await group.write(n);
  });
  await Promise.all(later);
  // 3 came 20 ms after 2: its transaction waited, and started once 4 (a second write) was there.
  assert.deepEqual(commits, [[1], [2], [3, 4]]);
});

test('gatherWhenSteadyMs: a lone writer that waits for each answer stops waiting after a few misses', async () => {
  const group = new GroupCommit<number>(() => Promise.resolve(), { gatherWhenSteadyMs: 500 });
  const started = performance.now();
  // Each write comes right after the previous one's answer. A write that comes less than 500 ms
  // after the last one waits out a gathering that nobody joins: without the pause after 4 such
  // misses, every other write of the 48 (12 s); with it, 4 of them (2 s).
  for (let n = 0; n < 48; n++) await group.write(n);
  const elapsed = performance.now() - started;
  assert.ok(elapsed < 6000, `48 writes one after another took ${elapsed.toFixed(0)} ms`);
});

/** A commit function that holds each transaction until released, recording batches in start order. */
function heldCommits() {
  const started: number[][] = [];
  const releases: (() => void)[] = [];
  const commit = async (items: number[]) => {
    started.push(items);
    await new Promise<void>((r) => releases.push(r));
  };
  // On a timeout, the batches started by then say why.
  const until = (cond: () => boolean, what: string) =>
    waitUntil(what, () => Promise.resolve(cond()), 20_000).catch((err: unknown) => {
      throw new Error(`${String(err)}; started ${JSON.stringify(started)}`);
    });
  return { started, releases, commit, until };
}

test('overlapAfterMs: writes behind a transaction in flight join its next batch, not a transaction of their own', async () => {
  const h = heldCommits();
  const group = new GroupCommit<number>(h.commit, { maxBatch: 10, parallel: 4, overlapAfterMs: 60_000 });
  const first = group.write(1);
  await h.until(() => h.started.length === 1, 'the first transaction');
  // Three turns of writes while it is in flight (eager overlapping would start three transactions).
  const rest: Promise<void>[] = [];
  for (const n of [2, 3, 4]) {
    rest.push(group.write(n));
    await new Promise((r) => setImmediate(r));
  }
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(h.started, [[1]], 'no second transaction while no full batch waits');
  h.releases.shift()?.();
  await first;
  await h.until(() => h.started.length === 2, 'the next batch');
  assert.deepEqual(h.started[1], [2, 3, 4]);
  h.releases.shift()?.();
  await Promise.all(rest);
});

test('overlapAfterMs: a full batch waiting, or writes held up that long, start another transaction', async () => {
  const h = heldCommits();
  const group = new GroupCommit<number>(h.commit, { maxBatch: 3, parallel: 3, overlapAfterMs: 200 });
  const all = [group.write(1)];
  await h.until(() => h.started.length === 1, 'the first transaction');
  // A full batch (3) waits: it starts at once beside the first.
  all.push(...[2, 3, 4].map((n) => group.write(n)));
  await h.until(() => h.started.length === 2, 'a transaction for the full batch');
  assert.deepEqual(h.started[1], [2, 3, 4]);
  // One more write, behind two transactions held up: after overlapAfterMs it gets a third.
  all.push(group.write(5));
  await h.until(() => h.started.length === 3, 'a transaction for the write held up');
  assert.deepEqual(h.started[2], [5]);
  for (const release of h.releases) release();
  await Promise.all(all);
});
