import type { Readable } from 'node:stream';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { requireSessionToken } from '../auth.js';
import { httpError } from '../errors.js';
import type { TempMedia } from '../media/store.js';
import { flagBodySchema, flagFromFields, parseFlagInput } from '../sessions/flag-input.js';
import { checkMedia, ingestFlag } from '../sessions/ingest.js';
import type { Ctx } from '../sessions/service.js';
import { errorResponses, sessionIdParams, sessionTokenSecurity, widgetRateLimit } from './schemas.js';

const flagResponse = {
  type: 'object',
  required: ['id', 'duplicate', 'session', 'directive'],
  properties: {
    id: { type: 'string' },
    duplicate: { type: 'boolean', description: 'true: this id was stored before with the same content; nothing stored now.' },
    session: { type: 'object', properties: { status: { type: 'string' } } },
    directive: { type: ['string', 'null'], enum: ['pause', 'resume', 'end', null], description: 'What the widget should do now.' },
    mediaId: { type: ['string', 'null'] },
  },
} as const;

const MULTIPART_FIELDS = new Set(['flag', 'id', 'type', 'description', 'createdAt', 'examId', 'candidateId', 'sessionId', 'details', 'payload']);

/**
 * A body that ends mid-file (no closing boundary) makes busboy emit "Part terminated early" on the
 * file stream, sometimes before anyone listens; the stream then never ends and the request would
 * hang with its temp file. A file stream already destroyed is refused at once; otherwise, once the
 * request body is complete, what is left of the file is already buffered, so a file still open a
 * few seconds later is failed as a 400.
 */
function failIfCutOff(request: FastifyRequest, file: Readable): void {
  // Already torn down by the multipart parser (it would never end nor error for a pipeline).
  if (file.destroyed && !file.readableEnded) throw httpError(400, 'incomplete_multipart', 'the multipart body ended before the media file did');
  let timer: NodeJS.Timeout | null = null;
  const stop = () => {
    if (timer) clearTimeout(timer);
    request.raw.off('end', arm);
  };
  function arm() {
    timer = setTimeout(() => {
      if (!file.readableEnded && !file.destroyed) file.destroy(httpError(400, 'incomplete_multipart', 'the multipart body ended before the media file did'));
    }, 5000);
    timer.unref();
  }
  file.once('end', stop);
  file.once('close', stop);
  if (request.raw.complete) arm();
  else request.raw.once('end', arm);
}

/**
 * Reads a multipart flag: fields plus at most one `mediaFile`, streamed to a temp file. After the
 * first problem the remaining parts are still drained (not stored), so the connection stays usable.
 */
async function readMultipart(request: FastifyRequest, maxBytes: number): Promise<{ raw: unknown; temp: TempMedia | null }> {
  const store = request.server.mediaStore;
  const fields: Record<string, string> = {};
  let temp: TempMedia | null = null;
  let failure: unknown = null;
  // A client that disconnects mid-upload must not leave the file transfer waiting forever.
  const aborted = new AbortController();
  const onClose = () => {
    if (!request.raw.complete) aborted.abort(httpError(400, 'upload_aborted', 'the client closed the connection during the upload'));
  };
  request.raw.once('close', onClose);
  try {
    for await (const part of request.parts()) {
      if (failure) {
        if (part.type === 'file') part.file.resume();
        continue;
      }
      try {
        if (part.type === 'file') {
          if (part.fieldname !== 'mediaFile') throw httpError(400, 'unexpected_file', `unexpected file field ${part.fieldname.slice(0, 64)}; use mediaFile`);
          if (temp) throw httpError(400, 'unexpected_file', 'only one mediaFile per flag');
          failIfCutOff(request, part.file);
          temp = await store.receive(part.file, maxBytes, aborted.signal);
          if (part.file.truncated) throw httpError(413, 'payload_too_large', `media file exceeds ${maxBytes} bytes`);
        } else {
          if (!MULTIPART_FIELDS.has(part.fieldname)) throw httpError(400, 'unexpected_field', `unexpected field ${part.fieldname.slice(0, 64)}`);
          if (typeof part.value !== 'string') throw httpError(400, 'invalid_field', `field ${part.fieldname} must be text`);
          fields[part.fieldname] = part.value;
        }
      } catch (err) {
        failure = err;
        if (part.type === 'file' && !part.file.destroyed) part.file.resume();
      }
    }
  } catch (err) {
    failure ??= err;
  } finally {
    request.raw.off('close', onClose);
  }
  try {
    if (failure) throw failure;
    return { raw: flagFromFields(fields), temp };
  } catch (err) {
    if (temp) await store.discard(temp);
    throw err;
  }
}

export const flagRoutes: FastifyPluginAsync = async (app) => {
  const config = app.relayConfig;
  const ctx = (): Ctx => ({ db: app.db, engine: app.dbEngine, config });
  const maxMedia = Math.max(config.limits.imageBytes, config.limits.audioBytes);

  app.post<{ Params: { id: string } }>(
    '/v1/sessions/:id/flags',
    {
      onRequest: requireSessionToken,
      // Multipart is parsed by the handler (streaming the file); give the validator an empty object.
      preValidation: async (request) => {
        if (request.isMultipart()) request.body = {};
        else if (!/^application\/json\s*(;|$)/i.test(request.headers['content-type'] ?? '')) {
          throw httpError(415, 'unsupported_content_type', 'send the flag as application/json or multipart/form-data');
        }
      },
      config: { rateLimit: widgetRateLimit(config) },
      schema: {
        summary: 'Post a flag or lifecycle event (JSON, or multipart with mediaFile)',
        description:
          'Idempotent on the flag id: the same id with the same content answers 200 with duplicate: true and stores nothing; ' +
          'with different content 409. Multipart: a `flag` field holding the JSON (or one field per property) and an optional ' +
          '`mediaFile` (images for FACE_ABSENCE / MULTIPLE_FACE / PERIODIC_SNAPSHOT, audio for SOUND_DETECTED; type decided from the bytes). ' +
          'STARTED starts the session, END_PROCTORING completes it, CALIBRATION_COMPLETED stores its payload as the calibration.',
        tags: ['widget'],
        security: sessionTokenSecurity,
        params: sessionIdParams,
        consumes: ['application/json', 'multipart/form-data'],
        body: {
          content: {
            'application/json': { schema: flagBodySchema },
            'multipart/form-data': {
              schema: {
                type: 'object',
                properties: {
                  flag: { type: 'string', description: 'The flag as JSON text.' },
                  mediaFile: { type: 'string', format: 'binary' },
                },
              },
            },
          },
        },
        response: { 200: flagResponse, 201: flagResponse, ...errorResponses(400, 401, 403, 404, 409, 413, 415, 429) },
      },
    },
    async (request, reply) => {
      const claims = request.session!;
      let raw: unknown;
      let temp: TempMedia | null = null;
      if (request.isMultipart()) ({ raw, temp } = await readMultipart(request, maxMedia));
      else raw = request.body;
      try {
        const input = parseFlagInput(raw, claims);
        const media = temp ? { temp, type: checkMedia(ctx(), input.type, temp) } : null;
        const result = await ingestFlag(ctx(), app.mediaStore, claims, input, media);
        temp = null; // ingestFlag owns the temp file now
        return reply.code(result.duplicate ? 200 : 201).send(result);
      } finally {
        if (temp) await app.mediaStore.discard(temp);
      }
    },
  );
};
