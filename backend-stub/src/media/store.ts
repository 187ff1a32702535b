import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
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
 * Media files on disk. Uploads stream into `<dir>/.tmp/<uuid>` (same filesystem) and are renamed
 * to `<dir>/<uuid>` when their DB row commits, so a reader never sees a partial file and file names
 * never come from input.
 */
export class MediaStore {
  private readonly tmpDir: string;
  constructor(readonly dir: string) {
    this.tmpDir = join(dir, '.tmp');
  }

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

  pathOf(storageName: string): string {
    if (!/^[0-9a-f-]{36}$/.test(storageName)) throw new Error('invalid storage name');
    return join(this.dir, storageName);
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
        if (size > maxBytes) return done(httpError(413, 'payload_too_large', `media file exceeds ${maxBytes} bytes`));
        if (headLen < SNIFF_BYTES) {
          headChunks.push(chunk.subarray(0, SNIFF_BYTES - headLen));
          headLen += Math.min(chunk.length, SNIFF_BYTES - headLen);
        }
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(source, meter, createWriteStream(tempPath, { flags: 'wx', mode: 0o600 }), { signal });
    } catch (err) {
      await unlink(tempPath).catch(() => {});
      throw err;
    }
    return { tempPath, size, sha256: hash.digest('hex'), head: Buffer.concat(headChunks) };
  }

  /** Moves a temp upload into the store under a fresh relay-chosen name. */
  async commit(temp: TempMedia): Promise<string> {
    const storageName = randomUUID();
    await rename(temp.tempPath, this.pathOf(storageName));
    return storageName;
  }

  async discard(temp: TempMedia): Promise<void> {
    await unlink(temp.tempPath).catch(() => {});
  }

  async remove(storageName: string): Promise<void> {
    await unlink(this.pathOf(storageName)).catch(() => {});
  }

  async sizeOf(storageName: string): Promise<number | null> {
    try {
      return (await stat(this.pathOf(storageName))).size;
    } catch {
      return null;
    }
  }
}
