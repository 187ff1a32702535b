import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { RelayConfig } from '../config.js';
import { signMediaUrl } from '../media/signed-url.js';
import { flagOf, postFlagWithMedia } from './client.js';
import type { TestRelay } from './harness.js';

/**
 * For the stores that keep media off the relay's disk (database, s3): a FACE_ABSENCE with `jpeg`
 * and a SOUND_DETECTED with `wav` on a new session are accepted, the media dir holds no committed
 * file and no temp upload, and the store's names are exactly the session's media rows.
 */
export async function uploadOffDisk(relay: TestRelay, jpeg: Buffer, wav: Buffer) {
  const session = await relay.createSession();
  const up = await postFlagWithMedia(relay, session, flagOf(session, 'FACE_ABSENCE', { details: { durationMs: 5000 } }), { bytes: jpeg });
  const upWav = await postFlagWithMedia(relay, session, flagOf(session, 'SOUND_DETECTED'), { bytes: wav });
  assert.equal(up.status, 201, JSON.stringify(up.body));
  assert.equal(upWav.status, 201, JSON.stringify(upWav.body));
  assert.deepEqual((await readdir(relay.mediaDir)).filter((f) => f !== '.tmp'), [], 'no file in the media dir');
  assert.deepEqual(await readdir(join(relay.mediaDir, '.tmp')), [], 'temp uploads removed');
  const rows = await relay.db.selectFrom('media').select(['id', 'storage_name']).where('session_id', '=', session.sessionId).execute();
  assert.deepEqual((await relay.app.mediaStore.names()).sort(), rows.map((r) => r.storage_name).sort());
  const jpegId = up.body.mediaId!;
  const storageName = (id: string) => rows.find((r) => r.id === id)!.storage_name;
  return { session, jpegId, wavId: upWav.body.mediaId!, rows, storageName };
}

/** A signed download of media `id` from the relay at `config.publicUrl` answers 200 with exactly `bytes`. */
export async function expectServed(config: Pick<RelayConfig, 'publicUrl' | 'secret'>, id: string, bytes: Buffer): Promise<void> {
  const res = await fetch(signMediaUrl(config, id, 60));
  assert.equal(res.status, 200);
  assert.equal(Number(res.headers.get('content-length')), bytes.length);
  assert.ok(Buffer.from(await res.arrayBuffer()).equals(bytes), `byte-identical from ${config.publicUrl}`);
}

/** A signed download of media `id` answers `status` with the JSON error `code`. */
export async function expectRefused(config: Pick<RelayConfig, 'publicUrl' | 'secret'>, id: string, status: number, code: string): Promise<Response> {
  const res = await fetch(signMediaUrl(config, id, 60));
  assert.equal(res.status, status);
  assert.equal(((await res.clone().json()) as { error: string }).error, code);
  return res;
}

/** A copy of `bytes` with one byte near the end changed (same length, other SHA-256). */
export function damaged(bytes: Buffer): Buffer {
  const copy = Buffer.from(bytes);
  copy.writeUInt8(copy.readUInt8(copy.length - 3) ^ 0xff, copy.length - 3);
  return copy;
}
