/**
 * One webhook HTTP attempt: POST to an already-checked, pinned address, no redirects followed,
 * a hard deadline covering connect + response headers + the excerpt we keep of the body.
 */
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import type { ResolvedTarget } from './ssrf.js';
import { pinnedLookup } from './ssrf.js';

export interface PostResult {
  /** HTTP status, or null when no response arrived (network error, timeout). */
  statusCode: number | null;
  latencyMs: number;
  /** Network / timeout error, or null when a response arrived. */
  error: string | null;
  /** First bytes of the response body (UTF-8, for the delivery log). */
  responseExcerpt: string | null;
  /** Raw `Retry-After` header, if any. */
  retryAfter: string | null;
}

export const RESPONSE_EXCERPT_BYTES = 1024;

export function postWebhook(
  target: ResolvedTarget,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
  /** Extra trusted CAs (PEM), added to Node's root store. */
  extraCa: string | null = null,
): Promise<PostResult> {
  const started = performance.now();
  const isHttps = target.url.protocol === 'https:';
  const mod = isHttps ? https : http;
  const payload = Buffer.from(body, 'utf8');
  return new Promise<PostResult>((resolve) => {
    let settled = false;
    const finish = (r: Omit<PostResult, 'latencyMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...r, latencyMs: Math.round(performance.now() - started) });
    };
    // Headers arrived in time but the body is still trickling: the status counts, the excerpt is what came.
    let onHeaders: (() => void) | null = null;
    const req = mod.request(
      target.url,
      {
        method: 'POST',
        // Connect to the checked address; TLS SNI and certificate verification still use the URL's host name.
        lookup: pinnedLookup(target.address, target.family),
        ...(isHttps && extraCa ? { ca: [...tls.rootCertificates, extraCa] } : {}),
        agent: false,
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'content-length': String(payload.length),
          'user-agent': 'Eye-Relay-Webhooks/1',
          ...headers,
        },
      },
      (res) => {
        onHeaders = () => done();
        const chunks: Buffer[] = [];
        let size = 0;
        const retryAfterHeader = res.headers['retry-after'];
        const done = () =>
          finish({
            statusCode: res.statusCode ?? null,
            error: null,
            responseExcerpt: Buffer.concat(chunks).subarray(0, RESPONSE_EXCERPT_BYTES).toString('utf8'),
            retryAfter: typeof retryAfterHeader === 'string' ? retryAfterHeader : null,
          });
        res.on('data', (c: Buffer) => {
          if (size < RESPONSE_EXCERPT_BYTES) chunks.push(c);
          size += c.length;
          if (size >= RESPONSE_EXCERPT_BYTES) {
            done();
            res.destroy();
          }
        });
        res.on('end', done);
        res.on('error', done);
        res.on('close', done);
      },
    );
    const timer = setTimeout(() => {
      if (onHeaders) onHeaders();
      else finish({ statusCode: null, error: `timeout after ${timeoutMs} ms`, responseExcerpt: null, retryAfter: null });
      req.destroy();
    }, timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => {
      finish({ statusCode: null, error: err.code ? `${err.code}: ${err.message}` : err.message, responseExcerpt: null, retryAfter: null });
    });
    req.end(payload);
  });
}
