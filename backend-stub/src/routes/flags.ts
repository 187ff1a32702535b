import type { Readable } from 'node:stream';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { now } from '../clock.js';
import { httpError } from '../errors.js';
import type { TempMedia } from '../media/store.js';
import { flagBodySchema, flagFromFields, parseFlagInput } from '../sessions/flag-input.js';
import { groupIngest } from '../sessions/group-ingest.js';
import { checkMedia, ingestFlag } from '../sessions/ingest.js';
import type { Ctx } from '../sessions/service.js';
import { errorResponses, sessionIdParams, sessionTokenSecurity, widgetRateLimit } from './schemas.js';
import { routePlugin } from '../sync-plugin.js';

const flagResponse = {
  type: 'object',
  required: ['id', 'duplicate', 'session', 'directive'],
  properties: {
    id: { type: 'string' },
    duplicate: { type: 'boolean', description: 'true: this id was stored before with the same content; nothing stored now.' },
    session: { type: 'object', properties: { status: { type: 'string' } } },
    directive: { type: ['string', 'null'], enum: ['pause', 're-enroll', 'resume', 'end', null], description: 'What the widget should do now (`re-enroll`: enroll the candidate\'s face again; a proctor asked).' },
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
  const fields: Record<string, unknown> = {};
  let temp: TempMedia | null = null;
  // The first error, wrapped: whatever was thrown (even a falsy value) counts as a failure.
  let failure: { error: unknown } | null = null;
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
          if (part.valueTruncated) throw httpError(413, 'payload_too_large', `field ${part.fieldname} exceeds ${request.server.relayConfig.limits.jsonBodyBytes} bytes`);
          // Text, or a JSON part already decoded by the multipart parser (flagFromFields guards both).
          fields[part.fieldname] = part.value;
        }
      } catch (err) {
        failure = { error: err };
        if (part.type === 'file' && !part.file.destroyed) part.file.resume();
      }
    }
  } catch (err) {
    failure ??= { error: err };
  } finally {
    request.raw.off('close', onClose);
  }
  try {
    if (failure) throw failure.error;
    return { raw: flagFromFields(fields), temp };
  } catch (err) {
    if (temp) await store.discard(temp);
    throw err;
  }
}

export const flagRoutes: FastifyPluginAsync = routePlugin((app) => {
  const config = app.relayConfig;
  const ctx = (): Ctx => ({ db: app.db, engine: app.dbEngine, config });
  const shared = config.ingestGroupCommit ? groupIngest(app.db, app.dbEngine, { gatherMs: config.ingestGatherMs, log: app.log }) : undefined;
  const maxMedia = Math.max(config.limits.imageBytes, config.limits.audioBytes);
  /** The largest multipart flag: the media file and every allowed field at the JSON limit, plus framing. */
  const maxMultipartBytes = maxMedia + MULTIPART_FIELDS.size * config.limits.jsonBodyBytes + 64 * 1024;

  app.post(
    '/sessions/:id/flags',
    {
      // Multipart is parsed by the handler (streaming the file); give the validator an empty object.
      preValidation: (request, _reply, done) => {
        if (request.isMultipart()) {
          // A declared size no flag can need is refused before busboy reads it (error answers drain a bounded amount).
          if (Number(request.headers['content-length']) > maxMultipartBytes) {
            throw httpError(413, 'payload_too_large', `a multipart flag is at most ${maxMultipartBytes} bytes`);
          }
          request.body = {};
        }
        else if (!/^application\/json\s*(;|$)/i.test(request.headers['content-type'] ?? '')) {
          throw httpError(415, 'unsupported_content_type', 'send the flag as application/json or multipart/form-data');
        }
        done();
      },
      config: { rateLimit: widgetRateLimit(config) },
      schema: {
        summary: 'Post a flag or lifecycle event (JSON, or multipart with mediaFile)',
        description:
          'Idempotent on the flag id: the same id with the same content answers 200 with duplicate: true and stores nothing; ' +
          'with different content 409. Multipart: a `flag` field holding the JSON (or one field per property) and an optional ' +
          '`mediaFile` (images for FACE_ABSENCE / MULTIPLE_FACE / PERIODIC_SNAPSHOT, audio for SOUND_DETECTED; type decided from the bytes). ' +
          'STARTED starts the session, END_PROCTORING completes it, CALIBRATION_COMPLETED stores its payload as the calibration. ' +
          'A flag whose createdAt is after the session ended is refused with 409 session_ended; one created before the end that arrives late is stored and delivered. ' +
          'JSON bounds (size, 32 levels of nesting, no __proto__ / constructor.prototype keys) apply to the JSON body and to the JSON fields of a multipart body alike.',
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
        response: { 200: flagResponse, 201: flagResponse, ...errorResponses(400, 401, 403, 404, 409, 413, 415, 429, 503, 507) },
      },
    },
    async (request, reply) => {
      const claims = request.session;
      let raw: unknown;
      let temp: TempMedia | null = null;
      if (request.isMultipart()) ({ raw, temp } = await readMultipart(request, maxMedia));
      else raw = request.body;
      try {
        const input = parseFlagInput(raw, claims, { nowMs: now(), skewMs: config.clockSkewMs });
        const media = temp ? { temp, type: checkMedia(ctx(), input.type, temp) } : null;
        const result = await ingestFlag(ctx(), app.mediaStore, claims, input, media, shared);
        temp = null; // ingestFlag owns the temp file now
        return await reply.code(result.duplicate ? 200 : 201).send(result);
      } finally {
        if (temp) await app.mediaStore.discard(temp);
      }
    },
  );
});
