import fp from 'fastify-plugin';
import '../app-types.js';
import type { RelayConfig } from '../config.js';
import { DatabaseMediaStore } from './db-store.js';
import { DiskMediaStore, type MediaDb, type MediaStore } from './store.js';

/** The media store the configuration asks for (`EYE_MEDIA_STORE`, see config.ts), ready to use. */
export async function createMediaStore(config: RelayConfig, db: MediaDb): Promise<MediaStore> {
  const store = await storeOf(config, db);
  await store.init();
  return store;
}

async function storeOf(config: RelayConfig, db: MediaDb): Promise<MediaStore> {
  switch (config.mediaStore) {
    case 'database':
      return new DatabaseMediaStore(config.mediaDir, db);
    case 's3': {
      if (!config.s3) throw new Error('EYE_MEDIA_STORE=s3 without S3 settings');
      // Loaded only when chosen: every other relay would hold the S3 signing modules in memory.
      const { S3MediaStore } = await import('./s3-store.js');
      return new S3MediaStore(config.mediaDir, config.s3);
    }
    case 'disk':
      return new DiskMediaStore(config.mediaDir);
  }
}

/** `app.mediaStore`: the relay's one media store (uploads, signed media, retention all use it). */
export const mediaStorePlugin = fp(
  async (app) => {
    app.decorate('mediaStore', await createMediaStore(app.relayConfig, app.db));
  },
  { name: 'media-store', fastify: '5.x', dependencies: ['database'] },
);
