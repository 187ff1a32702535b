import { randomUUID } from 'node:crypto';
import { readFile, unlink } from 'node:fs/promises';
import type { Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import { assertStorageName, MediaStore, sha256Hex, type MediaDb, type TempMedia } from './store.js';

/**
 * Committed media as rows of `media_blobs` (bytea on PostgreSQL, blob on SQLite): the default when
 * DATABASE_URL is PostgreSQL, so that every relay process on that database serves every session's
 * media through its signed URL, byte for byte. The blob is written in the flag's own transaction,
 * so a rolled-back flag leaves no bytes behind and a committed one is readable by every relay at
 * once. Bytes are checked against the upload's size and SHA-256 when written and when read.
 */
export class DatabaseMediaStore extends MediaStore {
  readonly kind = 'database' as const;
  constructor(
    dir: string,
    private readonly db: MediaDb,
  ) {
    super(dir);
  }

  async commit(temp: TempMedia, trx: Transaction<Database>): Promise<string> {
    const bytes = await readFile(temp.tempPath);
    // The temp file is the relay's own, but a file changed under it must not be stored as the upload.
    if (bytes.length !== temp.size || sha256Hex(bytes) !== temp.sha256) throw new Error('temp upload changed before it was stored');
    const storageName = randomUUID();
    await trx.insertInto('media_blobs').values({ storage_name: storageName, bytes }).execute();
    // The bytes are in the transaction now; the temp file is not needed whether it commits or not.
    await unlink(temp.tempPath).catch(() => {});
    return storageName;
  }

  async remove(storageName: string): Promise<void> {
    assertStorageName(storageName);
    await this.db.deleteFrom('media_blobs').where('storage_name', '=', storageName).execute();
  }

  async names(): Promise<string[]> {
    return (await this.db.selectFrom('media_blobs').select('storage_name').execute()).map((r) => r.storage_name);
  }

  async bytes(storageName: string): Promise<Buffer | null> {
    assertStorageName(storageName);
    const row = await this.db.selectFrom('media_blobs').select('bytes').where('storage_name', '=', storageName).executeTakeFirst();
    return row ? Buffer.from(row.bytes) : null;
  }
}
