/**
 * Full disks, made real: the test mounts a small tmpfs (the suite runs as root; `.ci/run` too) on
 * the relay's media directory, and another on the folder of its SQLite file, and fills them with
 * a filler file. Media uploads (a ~500 KB JPEG running out of space mid-write, and a small one on
 * a disk with no space at all) are answered with a JSON 507 and Retry-After, never left hanging;
 * no partial file stays behind and no flag row points to a missing or truncated file; JSON flags
 * keep working while only the media disk is full; and once space is freed uploads succeed again.
 * With the SQLite disk full, flags get a JSON 507, nothing acknowledged is lost, and the database
 * passes its integrity check and accepts flags again once space is freed.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { open, rm, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { keepAliveAgent, request, type HttpAnswer, type RequestSpec } from '../../backend-stub/src/reliability/http-load.js';
import { multipartBody, samplePhoto } from '../../backend-stub/src/reliability/media-fixtures.js';
import { createRelayStore, listMediaFiles, spawnRelay, type RelayStore } from '../../backend-stub/src/reliability/relay-process.js';
import { createSessions, jsonFlag, type Session } from '../../bench/lib/relay-client.js';
import { CHAOS_ENV, openStoreDb } from './lib.js';

const FILLER = '.filler';

/** Mounts a tmpfs of `size` (e.g. "2m") on `dir`; returns the unmount. */
function mountTmpfs(dir: string, size: string): () => void {
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (err) {
    throw new Error(`this test needs to mount a tmpfs (run as root, or in a container allowed to mount): ${(err as { stderr?: Buffer }).stderr?.toString() ?? String(err)}`);
  }
  return () => execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
}

/** Writes `dir/.filler` until the file system is full, or only `leaveBytes` are free. */
async function fill(dir: string, leaveBytes = 0): Promise<void> {
  const freeBytes = async () => {
    const s = await statfs(dir);
    return s.bavail * s.bsize;
  };
  const fh = await open(join(dir, FILLER), 'a');
  const chunk = Buffer.alloc(64 * 1024, 0x5a);
  try {
    for (let room = await freeBytes(); room > leaveBytes; room = await freeBytes()) {
      await fh.write(room - leaveBytes >= chunk.length ? chunk : chunk.subarray(0, Math.max(1, room - leaveBytes)));
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    await fh.close();
  }
}

const free = (dir: string) => rm(join(dir, FILLER), { force: true });

function upload(s: Session, id: string, jpeg: Buffer): RequestSpec {
  const { body, contentType } = multipartBody({ flag: JSON.stringify({ id, type: 'PERIODIC_SNAPSHOT' }) }, [{ field: 'mediaFile', filename: 'snap.jpg', contentType: 'image/jpeg', data: jpeg }]);
  return { method: 'POST', path: `/v1/sessions/${s.sessionId}/flags`, headers: { authorization: `Bearer ${s.token}`, 'content-type': contentType }, body };
}

function assertStorageFull(a: HttpAnswer, what: string): void {
  const body = JSON.parse(a.body.toString('utf8')) as { error?: string; message?: string };
  assert.equal(a.status, 507, `${what}: ${a.status} ${a.body.toString('utf8')}`);
  assert.equal(body.error, 'insufficient_storage', what);
  assert.ok(typeof body.message === 'string' && body.message.length > 0, `${what}: no message`);
  assert.ok(Number(a.headers['retry-after']) > 0, `${what}: no Retry-After`);
}

/** Every media row's file exists with the size and SHA-256 of the row; nothing else is in the media dir. */
async function assertMediaConsistent(store: RelayStore): Promise<number> {
  const db = openStoreDb(store);
  try {
    const rows = await db.selectFrom('media').select(['storage_name', 'size', 'sha256']).execute();
    const linked = await db.selectFrom('flags').select('media_id').where('media_id', 'is not', null).execute();
    assert.equal(linked.length, rows.length, 'flags and media rows');
    for (const m of rows) {
      const bytes = readFileSync(join(store.mediaDir, m.storage_name));
      assert.equal(bytes.length, m.size, `file ${m.storage_name} is truncated`);
      assert.equal(createHash('sha256').update(bytes).digest('hex'), m.sha256, `file ${m.storage_name} differs from its row`);
    }
    const files = (await listMediaFiles(store.mediaDir)).filter((f) => f !== FILLER);
    assert.deepEqual(files.sort(), rows.map((m) => m.storage_name).sort(), 'files in the media dir besides the stored ones (partial uploads?)');
    return rows.length;
  } finally {
    await db.destroy();
  }
}

test('media disk full: 507 JSON for large and small uploads, no partial files, JSON flags work, uploads resume when space is freed', { timeout: 180_000 }, async () => {
  const store = await createRelayStore('sqlite', 'eye_chaos');
  const unmount = mountTmpfs(store.mediaDir, '2m');
  const relay = await spawnRelay(store, { createTenant: true, env: CHAOS_ENV });
  const agent = keepAliveAgent(2);
  try {
    const [s] = await createSessions(relay.url, relay.apiKey!, 1);
    const photo = samplePhoto(6);
    const large = Buffer.concat([photo, samplePhoto(3)]); // ~520 KB, starts as a JPEG
    assert.equal((await request(relay.url, upload(s!, 'before', photo), agent)).status, 201, 'upload before the disk filled');

    // 300 KB free: the 520 KB upload runs out of space mid-write.
    await fill(store.mediaDir, 300 * 1024);
    assertStorageFull(await request(relay.url, upload(s!, 'large-mid-write', large), agent, 60_000), 'large upload running out of space');
    // No space at all: even a small upload fails, with the same answer.
    await fill(store.mediaDir);
    assertStorageFull(await request(relay.url, upload(s!, 'small-no-space', samplePhoto(1).subarray(0, 20_000)), agent, 60_000), 'small upload on a full disk');
    assertStorageFull(await request(relay.url, upload(s!, 'large-no-space', large), agent, 60_000), 'large upload on a full disk');
    // The same keep-alive connection still works, and JSON flags (no media) are stored.
    const json = await request(relay.url, jsonFlag(s!, 'json-while-full'), agent);
    assert.equal(json.status, 201, `JSON flag while the media disk is full: ${json.body.toString()}`);
    assert.equal(await assertMediaConsistent(store), 1);

    // Space freed: the same uploads (same flag ids) succeed; their bytes are stored exactly.
    await free(store.mediaDir);
    for (const [id, bytes] of [['large-mid-write', large], ['small-no-space', samplePhoto(1).subarray(0, 20_000)]] as const) {
      const a = await request(relay.url, upload(s!, id, bytes), agent, 60_000);
      assert.equal(a.status, 201, `${id} after freeing space: ${a.body.toString()}`);
    }
    assert.equal(await assertMediaConsistent(store), 3);
    assert.equal(relay.child.exitCode, null, 'relay died');
  } finally {
    agent.destroy();
    await relay.stop();
    unmount();
    await store.destroy();
  }
});

test('SQLite disk full: 507 JSON, nothing acknowledged lost, database intact, flags accepted again when space is freed', { timeout: 180_000 }, async () => {
  const store = await createRelayStore('sqlite', 'eye_chaos');
  const dbDir = join(store.dir, 'db');
  const unmount = mountTmpfs(dbDir, '4m');
  store.env.DATABASE_URL = join(dbDir, 'eye.sqlite');
  const relay = await spawnRelay(store, { createTenant: true, env: CHAOS_ENV });
  const agent = keepAliveAgent(4);
  try {
    const sessions = await createSessions(relay.url, relay.apiKey!, 4);
    const acked = new Set<string>();
    const statuses: Record<string, number> = {};
    let n = 0;
    const post = async () => {
      const s = sessions[n % sessions.length]!;
      const id = `f-${n++}`;
      const a = await request(relay.url, jsonFlag(s, id), agent, 60_000);
      statuses[a.status] = (statuses[a.status] ?? 0) + 1;
      if (a.status === 201) acked.add(`${s.sessionId}/${id}`);
      return a;
    };
    for (let i = 0; i < 20; i++) assert.equal((await post()).status, 201);
    await fill(dbDir);
    // Flags until the database's file system refuses (the WAL and pages fill what was left).
    let refused: HttpAnswer | null = null;
    for (let i = 0; i < 2000 && !refused; i++) {
      const a = await post();
      if (a.status !== 201) refused = a;
    }
    assert.ok(refused, 'the database never ran out of space');
    assertStorageFull(refused, 'flag on a full SQLite disk');
    // Still refused (not a 500, not a hang) while full.
    assertStorageFull(await post(), 'next flag on a full SQLite disk');

    await free(dbDir);
    for (let i = 0; i < 20; i++) {
      const a = await post();
      assert.equal(a.status, 201, `flag after freeing space: ${a.status} ${a.body.toString()}`);
    }
    console.log(`sqlite disk full: answers ${JSON.stringify(statuses)}`);
    assert.equal(relay.child.exitCode, null, 'relay died');
    await relay.stop();
    const sqlite = new BetterSqlite3(store.env.DATABASE_URL, { readonly: true });
    try {
      assert.equal(sqlite.pragma('integrity_check', { simple: true }), 'ok');
      const stored = new Set((sqlite.prepare('select session_id, id from flags').all() as { session_id: string; id: string }[]).map((f) => `${f.session_id}/${f.id}`));
      const lost = [...acked].filter((k) => !stored.has(k));
      assert.deepEqual(lost, [], 'acknowledged flags missing');
    } finally {
      sqlite.close();
    }
  } finally {
    agent.destroy();
    await relay.stop();
    unmount();
    await store.destroy();
  }
});
