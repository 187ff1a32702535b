import fp from 'fastify-plugin';
import '../app-types.js';
import type { RelayConfig } from '../config.js';
import { DatabaseMediaStore } from './db-store.js';
import { DiskMediaStore, type MediaDb, type MediaStore } from './store.js';

/** The media store the configuration asks for (`EYE_MEDIA_STORE`, see config.ts), ready to use. */
export async function createMediaStore(config: RelayConfig, db: MediaDb): Promise<MediaStore> {
  const store = config.mediaStore === 'database' ? new DatabaseMediaStore(config.mediaDir, db) : new DiskMediaStore(config.mediaDir);
  await store.init();
  return store;
}

/** `app.mediaStore`: the relay's one media store (uploads, signed media, retention all use it). */
export const mediaStorePlugin = fp(
  async (app) => {
    app.decorate('mediaStore', await createMediaStore(app.relayConfig, app.db));
  },
  { name: 'media-store', fastify: '5.x', dependencies: ['database'] },
);
