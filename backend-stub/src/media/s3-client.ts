import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';

/** Where the S3-compatible object store is and how to sign for it (EYE_S3_*, see config.ts). */
export interface S3Options {
  /** `https://s3.eu-west-1.amazonaws.com`, `http://127.0.0.1:9000` (MinIO, Garage, Ceph RGW ...). */
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** `https://host/bucket/key` (MinIO and most self-hosted stores) instead of `https://bucket.host/key`. */
  pathStyle: boolean;
  /** Per request: connect, send and the whole answer. */
  timeoutMs?: number;
}

/** SHA-256 of no bytes: the payload hash of GET, DELETE and list requests. */
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const DEFAULT_TIMEOUT_MS = 30_000;
/** Media objects are at most EYE_AUDIO_LIMIT (10 MiB by default); lists and errors far less. */
const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

/**
 * The object store did not answer, or answered with an error that is not about the request (5xx,
 * throttling, denied credentials): the relay answers 503 with Retry-After (storage-faults.ts) and
 * the widget's outbox sends the flag again later.
 */
export class MediaStoreUnavailableError extends Error {
  readonly code = 'EYE_MEDIA_STORE_UNAVAILABLE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MediaStoreUnavailableError';
  }
}

interface S3Answer {
  status: number;
  body: Buffer;
}

/**
 * The few S3 operations the media store needs (PutObject, GetObject, DeleteObject, ListObjectsV2,
 * HeadBucket) over node:http, signed with AWS Signature Version 4 (@smithy/signature-v4, the AWS
 * SDK's own signer). Uploads carry their SHA-256 as `x-amz-content-sha256`, so the store itself
 * refuses bytes that do not match the hash the relay computed while receiving them.
 */
export class S3Client {
  readonly #signer: SignatureV4;
  readonly #base: URL;
  readonly #timeoutMs: number;

  constructor(private readonly options: S3Options) {
    const base = new URL(options.endpoint);
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new Error('the S3 endpoint must be an http(s) URL');
    if (!options.pathStyle) base.hostname = `${options.bucket}.${base.hostname}`;
    this.#base = base;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#signer = new SignatureV4({
      service: 's3',
      region: options.region,
      credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey, sessionToken: options.sessionToken },
      sha256: Hash.bind(null, 'sha256'),
      // S3 signs the path as sent (no second URI-encoding), unlike the other AWS services.
      uriEscapePath: false,
    });
  }

  /** Stores `body` (`size` bytes whose SHA-256 is `sha256`; a stream is opened per attempt) under `key`. */
  async put(key: string, body: Buffer | (() => Readable), size: number, sha256: string): Promise<void> {
    const answer = await this.#send('PUT', this.#objectPath(key), {}, { 'content-length': String(size), 'content-type': 'application/octet-stream' }, sha256, body);
    this.#expect(answer, [200], `PUT ${key}`);
  }

  /** The bytes under `key` (at most `maxBytes` of them: reading stops there), or null when there is no such object. */
  async get(key: string, maxBytes = MAX_ANSWER_BYTES): Promise<Buffer | null> {
    const answer = await this.#send('GET', this.#objectPath(key), {}, {}, EMPTY_SHA256, undefined, maxBytes);
    if (answer.status === 404) return null;
    this.#expect(answer, [200], `GET ${key}`);
    return answer.body;
  }

  /** Deletes `key`; a missing object is fine. */
  async delete(key: string): Promise<void> {
    const answer = await this.#send('DELETE', this.#objectPath(key));
    this.#expect(answer, [200, 204, 404], `DELETE ${key}`);
  }

  /** Every key that starts with `prefix` (ListObjectsV2, page by page). */
  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const query: Record<string, string> = { 'list-type': '2', prefix, ...(token ? { 'continuation-token': token } : {}) };
      const answer = await this.#send('GET', this.#bucketPath(), query);
      this.#expect(answer, [200], `list ${prefix}`);
      const xml = answer.body.toString('utf8');
      for (const m of xml.matchAll(/<Key>([^<]*)<\/Key>/g)) keys.push(xmlText(m[1] ?? ''));
      token = /<IsTruncated>true<\/IsTruncated>/.test(xml) ? xmlText(/<NextContinuationToken>([^<]*)<\/NextContinuationToken>/.exec(xml)?.[1] ?? '') || undefined : undefined;
    } while (token);
    return keys;
  }

  /** Resolves when the bucket exists and the credentials may use it; a clear error otherwise. */
  async checkBucket(): Promise<void> {
    const answer = await this.#send('HEAD', this.#bucketPath());
    if (answer.status === 404) throw new Error(`the S3 bucket ${JSON.stringify(this.options.bucket)} does not exist at ${this.options.endpoint}`);
    if (answer.status === 403) throw new Error(`the S3 credentials may not use the bucket ${JSON.stringify(this.options.bucket)} (403)`);
    this.#expect(answer, [200], 'HEAD bucket');
  }

  #bucketPath(): string {
    const root = this.#base.pathname.replace(/\/+$/, '');
    return this.options.pathStyle ? `${root}/${rfc3986(this.options.bucket)}` : root || '/';
  }

  #objectPath(key: string): string {
    const bucket = this.#bucketPath();
    // Encoded the way S3 canonicalizes a path (RFC 3986), since the signature covers it as sent.
    return `${bucket === '/' ? '' : bucket}/${key.split('/').map(rfc3986).join('/')}`;
  }

  #expect(answer: S3Answer, ok: number[], what: string): void {
    if (ok.includes(answer.status)) return;
    const xml = answer.body.toString('utf8');
    const code = /<Code>([^<]*)<\/Code>/.exec(xml)?.[1] ?? `HTTP ${answer.status}`;
    const message = /<Message>([^<]*)<\/Message>/.exec(xml)?.[1];
    throw new MediaStoreUnavailableError(`object store ${what}: ${answer.status} ${code}${message ? ` (${xmlText(message)})` : ''}`);
  }

  async #send(method: string, path: string, query: Record<string, string> = {}, headers: Record<string, string> = {}, payloadSha256 = EMPTY_SHA256, body?: Buffer | (() => Readable), maxBytes = MAX_ANSWER_BYTES): Promise<S3Answer> {
    try {
      return await this.#attempt(method, path, query, headers, payloadSha256, body, maxBytes);
    } catch (err) {
      // A kept-alive socket the store closed meanwhile fails at once: send again on a fresh one.
      if (!(err instanceof StaleSocketError)) throw err;
      return this.#attempt(method, path, query, headers, payloadSha256, body, maxBytes);
    }
  }

  async #attempt(method: string, path: string, query: Record<string, string>, headers: Record<string, string>, payloadSha256: string, body: Buffer | (() => Readable) | undefined, maxBytes: number): Promise<S3Answer> {
    const host = this.#base.host;
    const signed = await this.#signer.sign({
      method,
      protocol: this.#base.protocol,
      hostname: this.#base.hostname,
      port: this.#base.port ? Number(this.#base.port) : undefined,
      path,
      query,
      headers: { ...headers, host, 'x-amz-content-sha256': payloadSha256 },
    });
    // Encoded as the signer canonicalizes it (RFC 3986), not as a form ('+' for a space).
    const search = Object.entries(query).map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`).join('&');
    const send = this.#base.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<S3Answer>((resolve, reject) => {
      let req: ReturnType<typeof send> | undefined = undefined;
      const fail = (err: Error) => {
        if (truncated) return; // we stopped reading on purpose; the answer is resolved on 'close'
        const code = (err as { code?: string }).code;
        if (req?.reusedSocket && !answered && (code === 'ECONNRESET' || code === 'EPIPE')) reject(new StaleSocketError(err.message));
        else reject(err instanceof MediaStoreUnavailableError ? err : new MediaStoreUnavailableError(`object store ${method} ${path}: ${err.message}`, { cause: err }));
      };
      let answered = false;
      let truncated = false;
      req = send(
        { method, hostname: this.#base.hostname, port: this.#base.port || undefined, path: search ? `${path}?${search}` : path, headers: signed.headers, timeout: this.#timeoutMs },
        (res: IncomingMessage) => {
          answered = true;
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            if (size >= maxBytes) return;
            chunks.push(c.subarray(0, maxBytes - size));
            size += Math.min(c.length, maxBytes - size);
            if (size < maxBytes) return;
            truncated = true;
            res.destroy(); // enough read: the answer ends here
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) });
          });
          res.on('end', () => {
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) });
          });
          res.on('error', fail);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.#timeoutMs} ms`)));
      req.on('error', fail);
      if (!body) req.end();
      else if (Buffer.isBuffer(body)) req.end(body);
      else {
        const stream = body();
        const sending = req;
        stream.on('error', (err) => {
          sending.destroy(err);
        });
        stream.pipe(sending);
      }
    });
  }
}

const rfc3986 = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** The request went out on a kept-alive socket that turned out closed; safe to send again. */
class StaleSocketError extends Error {}

/** The text of an XML element (S3 escapes &, <, >, ", ' in keys and messages). */
function xmlText(s: string): string {
  return s.replace(/&(lt|gt|quot|apos|amp|#\d+|#x[0-9a-f]+);/gi, (all, name: string) => {
    const named: Record<string, string> = { lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' };
    const lower = name.toLowerCase();
    if (lower in named) return named[lower] ?? all;
    const code = lower.startsWith('#x') ? parseInt(lower.slice(2), 16) : parseInt(lower.slice(1), 10);
    return Number.isFinite(code) ? String.fromCodePoint(code) : all;
  });
}
