import type { FastifyPluginAsync } from 'fastify';
import { httpError } from '../errors.js';
import { verifyMediaSignature } from '../media/signed-url.js';
import { errorResponses, UUID_PATTERN, widgetRateLimit } from './schemas.js';
import { now as clockNow } from '../clock.js';
import { syncPlugin } from '../sync-plugin.js';

/** `GET /v1/media/{id}?expires=&sig=`: the exact uploaded bytes, only with a valid, unexpired signature. */
export const mediaRoutes: FastifyPluginAsync = syncPlugin((app) => {
  app.get<{ Params: { id: string }; Querystring: { expires: string; sig: string } }>(
    '/media/:id',
    {
      config: { rateLimit: widgetRateLimit(app.relayConfig) },
      schema: {
        summary: 'Media file behind a signed, expiring URL (as given in media_url)',
        tags: ['media'],
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: UUID_PATTERN } } },
        querystring: {
          type: 'object',
          required: ['expires', 'sig'],
          properties: { expires: { type: 'string', pattern: '^[0-9]{1,12}$' }, sig: { type: 'string', maxLength: 128 } },
        },
        response: { 200: { description: 'The media bytes', type: 'string', format: 'binary' }, ...errorResponses(400, 403, 404, 503) },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const verdict = verifyMediaSignature(app.relayConfig, id, request.query.expires, request.query.sig);
      if (verdict === 'expired') throw httpError(403, 'url_expired', 'media URL has expired');
      if (verdict !== 'ok') throw httpError(403, 'invalid_signature', 'media URL signature is invalid');
      const media = await app.db.selectFrom('media').select(['content_type', 'size', 'storage_name', 'sha256']).where('id', '=', id).executeTakeFirst();
      if (!media) throw httpError(404, 'media_not_found', 'media not found');
      const stored = await app.mediaStore.open(media);
      if (!stored) throw httpError(404, 'media_not_found', 'media file is missing');
      const remaining = Math.max(0, Number(request.query.expires) - Math.floor(clockNow() / 1000));
      return reply
        .header('Content-Type', media.content_type)
        .header('Content-Length', String(stored.size))
        .header('Cache-Control', `private, max-age=${remaining}`)
        .header('X-Content-Type-Options', 'nosniff')
        .header('ETag', `"${media.sha256}"`)
        .header('Content-Disposition', 'inline')
        .send(stored.body);
    },
  );
});
