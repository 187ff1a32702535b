/**
 * Compressed copies of the static assets. When an exam starts, every candidate's browser fetches
 * the same files from the relay (no CDN): the MediaPipe wasm alone is 9.6 MB, 2.4 MB with brotli.
 * Each copy is made once per file version, on the first request that can take it (requests that
 * arrive meanwhile wait for that one copy), off the event loop (zlib's thread pool), and kept on
 * disk under `<data dir>/asset-cache`, so it costs no memory. A newer version of a file replaces
 * its old copies. If a copy cannot be made (read-only or full disk), the file is sent as it is.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, type FileHandle } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';

export type Encoding = 'br' | 'gzip';

/** Types worth compressing (code, JSON, wasm, model weights); images and media are not served here. */
const COMPRESSIBLE = new Set(['.wasm', '.js', '.mjs', '.map', '.json', '.css', '.html', '.ts', '.bin', '.tflite']);
/** Below this, the headers weigh more than what compression saves. */
const MIN_BYTES = 1024;

export function isCompressible(file: string, size: number): boolean {
  return size >= MIN_BYTES && COMPRESSIBLE.has(extname(file).toLowerCase());
}

/**
 * The encoding to send for an `Accept-Encoding` header: brotli, else gzip, else none. `q=0`
 * refuses an encoding; `*` stands for those not named.
 */
export function pickEncoding(header: string | undefined): Encoding | null {
  if (!header) return null;
  const weights = new Map<string, number>();
  for (const part of header.split(',')) {
    const [name = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    if (!name) continue;
    const q = params.find((p) => p.startsWith('q='));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    weights.set(name, Number.isFinite(weight) ? weight : 0);
  }
  const accepts = (enc: string) => (weights.get(enc) ?? weights.get('*') ?? 0) > 0;
  if (accepts('br')) return 'br';
  if (accepts('gzip')) return 'gzip';
  return null;
}

export interface FileVersion {
  size: number;
  mtimeMs: number;
}

/** Thrown while copies are not tried after a failure to make one (see CompressedCopies.copyOf). */
export class CopiesPaused extends Error {}

/** After a copy could not be made, none is tried for this long (the failure is logged once, not per request). */
const PAUSE_AFTER_FAILURE_MS = 60_000;

export class CompressedCopies {
  /** Copies being made, by cache file name: concurrent requests for one wait for the same. */
  readonly #making = new Map<string, Promise<void>>();
  #pausedUntil = 0;

  constructor(readonly dir: string) {}

  /**
   * The `enc` copy of this version of `file`, made now if there is none yet, opened: a newer
   * version's copy may replace it on disk while it is being sent.
   */
  async copyOf(file: string, version: FileVersion, enc: Encoding): Promise<FileHandle> {
    if (performance.now() < this.#pausedUntil) throw new CopiesPaused('compressed copies paused after a failure');
    try {
      return await this.#copyOf(file, version, enc);
    } catch (err) {
      this.#pausedUntil = performance.now() + PAUSE_AFTER_FAILURE_MS;
      throw err;
    }
  }

  async #copyOf(file: string, version: FileVersion, enc: Encoding): Promise<FileHandle> {
    const fileKey = createHash('sha1').update(file).digest('hex').slice(0, 20);
    const versionKey = `${version.size}-${Math.round(version.mtimeMs)}`;
    const name = `${fileKey}-${versionKey}.${enc === 'br' ? 'br' : 'gz'}`;
    const path = join(this.dir, name);
    const made = await open(path).catch((err: unknown) => {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    });
    if (made) return made;
    let making = this.#making.get(name);
    if (!making) {
      making = this.#make(file, path, enc, version.size)
        .then(() => this.#dropOldVersions(`${fileKey}-`, `${fileKey}-${versionKey}.`))
        .finally(() => this.#making.delete(name));
      this.#making.set(name, making);
    }
    await making;
    return open(path);
  }

  async #make(file: string, path: string, enc: Encoding, size: number): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    // Written aside and renamed: a reader (or another relay on this data dir) never sees half a copy.
    const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    const compressor =
      enc === 'br'
        ? zlib.createBrotliCompress({ params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: size } })
        : zlib.createGzip({ level: 6 });
    try {
      await pipeline(createReadStream(file), compressor, createWriteStream(tmp, { mode: 0o644 }));
      await rename(tmp, path);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  /** Removes copies of older versions of the file (their name starts the same, the version differs). */
  async #dropOldVersions(filePrefix: string, currentPrefix: string): Promise<void> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const old = names.filter((n) => n.startsWith(filePrefix) && !n.startsWith(currentPrefix) && !n.endsWith('.tmp'));
    await Promise.all(old.map((n) => rm(join(this.dir, n), { force: true })));
  }
}

const byDataDir = new Map<string, CompressedCopies>();

/** The copies of a relay's data dir (`<data dir>/asset-cache`), one per process: asset and console routes share it. */
export function assetCopiesOf(dataDir: string): CompressedCopies {
  let copies = byDataDir.get(dataDir);
  if (!copies) {
    copies = new CompressedCopies(join(dataDir, 'asset-cache'));
    byDataDir.set(dataDir, copies);
  }
  return copies;
}
