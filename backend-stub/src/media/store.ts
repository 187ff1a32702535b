import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Kysely, Transaction } from 'kysely';
import type { Database, MediaRow } from '../db/schema.js';
import { httpError } from '../errors.js';
import { SNIFF_BYTES } from './sniff.js';

/** An upload written to a temp file, not yet part of the store. */
export interface TempMedia {
  tempPath: string;
  size: number;
  sha256: string;
  /** The first bytes, for type sniffing. */
  head: Buffer;
}

/**
 * Where stored media bytes live: `disk` (the relay's media dir), `database` (a media_blobs table) or
 * `s3` (an S3-compatible object store).
 */
export type MediaStoreKind = 'disk' | 'database' | 's3';

/** Stored bytes ready to send: a stream (disk) or a buffer (database), with their length. */
export interface MediaBody {
  size: number;
  body: Readable | Buffer;
}

/**
 * The media store. Uploads always stream into `<dir>/.tmp/<uuid>` first (hashed, sniffed, size
 * limited) on the relay that receives them; `commit` then moves the bytes into the store under a
 * fresh relay-chosen name inside the flag's transaction, so a reader never sees a partial file and
 * names never come from input. Subclasses decide where committed bytes live: on this relay's disk
 * (one relay) or in the database (several relays on one PostgreSQL serve any session's media).
 */
export abstract class MediaStore {
  abstract readonly kind: MediaStoreKind;
  protected readonly tmpDir: string;
  constructor(readonly dir: string) {
    this.tmpDir = join(dir, '.tmp');
  }

  /** Moves a temp upload into the store under a fresh name; `trx` is the flag's transaction. */
  abstract commit(temp: TempMedia, trx: Transaction<Database>): Promise<string>;
  /** Removes committed bytes (after the rows that named them were deleted). Missing is fine. */
  abstract remove(storageName: string): Promise<void>;
  /** The bytes of a media row, or null when missing or not matching the row's size / SHA-256. */
  async open(media: Pick<MediaRow, 'storage_name' | 'size' | 'sha256'>): Promise<MediaBody | null> {
    const bytes = await this.bytes(media.storage_name, media.size);
    if (!bytes || bytes.length !== media.size || sha256Hex(bytes) !== media.sha256) return null;
    return { size: bytes.length, body: bytes };
  }
  /** Every committed storage name (tests, operators' consistency checks). */
  abstract names(): Promise<string[]>;
  /**
   * The committed bytes of one name, or null. With `expectedSize` a store may stop reading after
   * one byte more than that (the caller then sees a size mismatch) instead of buffering more.
   */
  abstract bytes(storageName: string, expectedSize?: number): Promise<Buffer | null>;

  /** Creates the folders and removes temp files older than `staleMs` (left by a crash). */
  async init(staleMs = 3600_000): Promise<void> {
    await mkdir(this.tmpDir, { recursive: true });
    const cutoff = Date.now() - staleMs;
    for (const name of await readdir(this.tmpDir)) {
      const file = join(this.tmpDir, name);
      const info = await stat(file).catch(() => null);
      if (info && info.mtimeMs < cutoff) await unlink(file).catch(() => {});
    }
  }

  /**
   * Streams `source` to a temp file, hashing it; a 413 HttpError (temp file removed) past maxBytes.
   * `signal` aborts a transfer whose client went away.
   */
  async receive(source: Readable, maxBytes: number, signal?: AbortSignal): Promise<TempMedia> {
    const tempPath = join(this.tmpDir, randomUUID());
    const hash = createHash('sha256');
    let size = 0;
    const headChunks: Buffer[] = [];
    let headLen = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        if (size > maxBytes) {
          done(httpError(413, 'payload_too_large', `media file exceeds ${maxBytes} bytes`));
          return;
        }
        if (headLen < SNIFF_BYTES) {
          headChunks.push(chunk.subarray(0, SNIFF_BYTES - headLen));
          headLen += Math.min(chunk.length, SNIFF_BYTES - headLen);
        }
        hash.update(chunk);
        done(null, chunk);
      },
    });
    // The source is piped by hand, not given to the pipeline: a failed write (a full disk) must not
    // destroy the multipart file stream, since the parser would then wait forever for it to drain
    // and the request would never be answered. On failure the rest of the upload is read and dropped.
    const onSourceError = (err: Error) => meter.destroy(err);
    source.once('error', onSourceError);
    source.pipe(meter);
    try {
      await pipeline(meter, createWriteStream(tempPath, { flags: 'wx', mode: 0o600 }), { signal });
    } catch (err) {
      source.unpipe(meter);
      if (!source.destroyed) source.resume();
      await unlink(tempPath).catch(() => {});
      throw err;
    } finally {
      source.off('error', onSourceError);
    }
    return { tempPath, size, sha256: hash.digest('hex'), head: Buffer.concat(headChunks) };
  }

  async discard(temp: TempMedia): Promise<void> {
    await unlink(temp.tempPath).catch(() => {});
  }
}

/** Checks that a storage name is one the relay made (a UUID), never a path. */
export function assertStorageName(storageName: string): void {
  if (!STORAGE_NAME.test(storageName)) throw new Error('invalid storage name');
}
/** A storage name the relay made: a UUID. */
export const STORAGE_NAME = /^[0-9a-f-]{36}$/;

/** Committed media as files `<dir>/<uuid>` on this relay's disk (the default with SQLite). */
export class DiskMediaStore extends MediaStore {
  readonly kind = 'disk' as const;

  pathOf(storageName: string): string {
    assertStorageName(storageName);
    return join(this.dir, storageName);
  }

  async commit(temp: TempMedia): Promise<string> {
    const storageName = randomUUID();
    await rename(temp.tempPath, this.pathOf(storageName));
    return storageName;
  }

  async remove(storageName: string): Promise<void> {
    await unlink(this.pathOf(storageName)).catch(() => {});
  }

  /** Streams the file (checked by size only: hashing every download would read each file twice). */
  override async open(media: Pick<MediaRow, 'storage_name' | 'size'>): Promise<MediaBody | null> {
    const path = this.pathOf(media.storage_name);
    const size = await stat(path).then((s) => s.size, () => null);
    if (size === null || size !== media.size) return null;
    return { size, body: createReadStream(path) };
  }

  async names(): Promise<string[]> {
    return (await readdir(this.dir)).filter((n) => STORAGE_NAME.test(n));
  }

  async bytes(storageName: string): Promise<Buffer | null> {
    return readFile(this.pathOf(storageName)).catch(() => null);
  }
}

/** For the database store's checks: the SHA-256 of bytes, hex. */
export function sha256Hex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Database handle the media stores get (the relay's Kysely instance). */
export type MediaDb = Kysely<Database>;
