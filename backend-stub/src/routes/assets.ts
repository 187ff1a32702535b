import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat, type FileHandle } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { httpError } from '../errors.js';
import { syncPlugin } from '../sync-plugin.js';
import { assetCopiesOf, CopiesPaused, isCompressible, pickEncoding, type CompressedCopies, type Encoding } from './compressed-assets.js';

const CONTENT_TYPES: Record<string, string> = {
  '.wasm': 'application/wasm',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.tflite': 'application/octet-stream',
  '.bin': 'application/octet-stream',
  '.html': 'text/html; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
};

/** The recognition model's manifest and weights; nothing else of the package is served. */
export const IDENTITY_MODEL_FILES = new Set(['face_recognition_model-weights_manifest.json', 'face_recognition_model.bin']);

/** A content hash (8+ hex) in the file name means the file never changes under that name. */
const HASHED_NAME = /[.-][0-9a-f]{8,}\.[a-z0-9]+$/i;

/** Cache policy: hashed names are immutable; the rest revalidate by ETag after `maxAge` seconds. */
export function cacheControlFor(fileName: string, maxAge: number): string {
  return HASHED_NAME.test(fileName) ? 'public, max-age=31536000, immutable' : `public, max-age=${maxAge}`;
}

/** For sendFile's `missing`: a 404 `asset_not_built` that says what to build. */
export function notBuilt(message: string): () => never {
  return () => {
    throw httpError(404, 'asset_not_built', message);
  };
}

/** Resolves `rel` inside `root`, refusing anything that would leave it (.., absolute, NUL, backslash). */
export function safeJoin(root: string, rel: string): string | null {
  if (!rel || rel.includes('\0') || rel.includes('\\')) return null;
  const segments = rel.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..' || s.startsWith('.'))) return null;
  const full = resolve(root, ...segments);
  return full.startsWith(resolve(root) + sep) ? full : null;
}

/**
 * Sends one file with its content type, ETag (304 on match) and cache policy; compressed (brotli
 * or gzip, as the client accepts) when its type is worth it and `copies` is given.
 */
export async function sendFile(
  request: FastifyRequest,
  reply: FastifyReply,
  file: string,
  maxAge: number,
  missing: () => never,
  copies: CompressedCopies | null = null,
): Promise<FastifyReply> {
  let info;
  try {
    info = await stat(file);
  } catch {
    return missing();
  }
  if (!info.isFile()) return missing();
  const versionTag = createHash('sha1').update(`${info.size}-${info.mtimeMs}`).digest('base64url');
  const type = CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
  reply
    .header('Content-Type', type)
    .header('Cache-Control', cacheControlFor(file, maxAge))
    .header('X-Content-Type-Options', 'nosniff')
    .header('Cross-Origin-Resource-Policy', 'cross-origin');
  const compressible = copies !== null && isCompressible(file, info.size);
  // Caches must keep each encoding apart (CORS may have put Origin in Vary already).
  if (compressible) {
    const vary = reply.getHeader('vary');
    reply.header('Vary', vary ? `${String(vary)}, Accept-Encoding` : 'Accept-Encoding');
  }
  let encoding = compressible ? pickEncoding(request.headers['accept-encoding']) : null;
  // Each encoding is its own representation, with its own ETag.
  const etagOf = (enc: Encoding | null) => `"${versionTag}${enc ? `-${enc}` : ''}"`;
  if (request.headers['if-none-match'] === etagOf(encoding)) return reply.header('ETag', etagOf(encoding)).code(304).send();
  let copy: FileHandle | null = null;
  let size = info.size;
  if (encoding && copies) {
    try {
      copy = await copies.copyOf(file, info, encoding);
      size = (await copy.stat()).size;
    } catch (err) {
      await copy?.close();
      copy = null;
      if (!(err instanceof CopiesPaused)) request.log.warn({ err, file }, 'asset: no compressed copy; sending files as they are for a minute');
      encoding = null;
    }
  }
  reply.header('ETag', etagOf(encoding)).header('Content-Length', String(size));
  if (encoding) reply.header('Content-Encoding', encoding);
  // Also for HEAD: Fastify's HEAD route drains a stream and keeps this Content-Length (an empty
  // answer would be sent as Content-Length: 0).
  return reply.send(copy ? copy.createReadStream() : createReadStream(file));
}

/**
 * The widget's third-party-free assets:
 * - `/assets/mediapipe/wasm/*`: MediaPipe tasks-vision wasm (node_modules/@mediapipe/tasks-vision/wasm)
 * - `/assets/mediapipe/face_detector.tflite`: model built by `npm run build:model` (dist/assets)
 * - `/assets/mediapipe/identity/*`: the face recognition weights (identity checking), only the two
 *   files of @vladmandic/face-api's face_recognition_model
 * - `/assets/widget/*`: widget bundles (dist/bundles)
 */
export const assetRoutes: FastifyPluginAsync = syncPlugin((app) => {
  const root = app.relayConfig.projectRoot;
  const wasmDir = join(root, 'node_modules', '@mediapipe', 'tasks-vision', 'wasm');
  const modelFile = join(root, 'dist', 'assets', 'face_detector.tflite');
  const bundleDir = join(root, 'dist', 'bundles');
  const identityDir = join(root, 'node_modules', '@vladmandic', 'face-api', 'model');
  const copies = assetCopiesOf(app.relayConfig.dataDir);
  // Assets are public and cacheable; they are not rate limited per session token.
  const routeOpts = { config: { rateLimit: false as const }, schema: { tags: ['assets'] } };

  const notFound = (what: string) => (): never => {
    throw httpError(404, 'asset_not_found', `${what} not found`);
  };

  app.get<{ Params: { '*': string } }>('/assets/mediapipe/wasm/*', { ...routeOpts, schema: { ...routeOpts.schema, summary: 'MediaPipe tasks-vision wasm files' } }, async (request, reply) => {
    const file = safeJoin(wasmDir, request.params['*']);
    if (!file) throw httpError(404, 'asset_not_found', 'asset not found');
    // Pinned package version: a day of caching, then ETag revalidation.
    return sendFile(request, reply, file, 86400, notFound('wasm file'), copies);
  });

  app.get('/assets/mediapipe/face_detector.tflite', { ...routeOpts, schema: { ...routeOpts.schema, summary: 'Face detector model' } }, async (request, reply) => {
    return sendFile(request, reply, modelFile, 86400, notBuilt('face_detector.tflite has not been built; run `npm run build:model`'), copies);
  });

  app.get<{ Params: { file: string } }>('/assets/mediapipe/identity/:file', { ...routeOpts, schema: { ...routeOpts.schema, summary: 'Face recognition model (identity checking)' } }, async (request, reply) => {
    const name = request.params.file;
    if (!IDENTITY_MODEL_FILES.has(name)) throw httpError(404, 'asset_not_found', 'asset not found');
    return sendFile(request, reply, join(identityDir, name), 86400, notFound('identity model file'), copies);
  });

  app.get<{ Params: { '*': string } }>('/assets/widget/*', { ...routeOpts, schema: { ...routeOpts.schema, summary: 'Widget bundles (dist/bundles)' } }, async (request, reply) => {
    const file = safeJoin(bundleDir, request.params['*']);
    if (!file) throw httpError(404, 'asset_not_found', 'asset not found');
    return sendFile(request, reply, file, 300, notBuilt(`widget bundle ${request.params['*'].slice(0, 100)} not found; run the bundle build`), copies);
  });
});
