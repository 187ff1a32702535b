import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { S3Client, type S3Options } from './s3-client.js';
import { assertStorageName, MediaStore, STORAGE_NAME, type TempMedia } from './store.js';

/** The S3 store's settings: the object store, and the key prefix media objects go under. */
export interface S3StoreOptions extends S3Options {
  /** `media/` by default; lets one bucket hold several relays' deployments. */
  prefix: string;
}

/**
 * Committed media as objects `<prefix><uuid>` in an S3-compatible object store: every relay process
 * configured with the same bucket serves every session's media, without media in the database.
 * `commit` uploads the verified temp file (the object store checks its SHA-256) inside the flag's
 * transaction, before it commits; ingest removes the object again when the transaction fails. Only
 * a crash in between leaves an unreferenced object (`names()` minus the media rows lists it), as
 * with the disk store. Reads are checked against the row's size and SHA-256.
 */
export class S3MediaStore extends MediaStore {
  readonly kind = 's3' as const;
  readonly #client: S3Client;
  readonly #prefix: string;

  constructor(dir: string, options: S3StoreOptions) {
    super(dir);
    this.#client = new S3Client(options);
    this.#prefix = options.prefix;
  }

  /** Creates the temp folder and checks, before the relay takes requests, that the bucket is usable. */
  override async init(staleMs?: number): Promise<void> {
    await super.init(staleMs);
    await this.#client.checkBucket();
  }

  async commit(temp: TempMedia): Promise<string> {
    const storageName = randomUUID();
    await this.#client.put(this.#key(storageName), () => createReadStream(temp.tempPath), temp.size, temp.sha256);
    await unlink(temp.tempPath).catch(() => {});
    return storageName;
  }

  async remove(storageName: string): Promise<void> {
    await this.#client.delete(this.#key(storageName));
  }

  async names(): Promise<string[]> {
    const keys = await this.#client.list(this.#prefix);
    return keys.map((k) => k.slice(this.#prefix.length)).filter((n) => STORAGE_NAME.test(n));
  }

  async bytes(storageName: string, expectedSize?: number): Promise<Buffer | null> {
    return this.#client.get(this.#key(storageName), expectedSize === undefined ? undefined : expectedSize + 1);
  }

  #key(storageName: string): string {
    assertStorageName(storageName);
    return this.#prefix + storageName;
  }
}
