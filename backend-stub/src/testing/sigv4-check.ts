import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * An independent AWS Signature Version 4 check, written from the S3 documentation ("Authenticating
 * requests: Authorization header"), for tests: s3rver accepts any V4 signature, so the test S3
 * server runs every request through this first. It is itself checked against AWS's published
 * example (s3-client.test.ts), so a wrong signature from the relay's client is caught.
 */
export interface SignedRequest {
  method: string;
  /** The request target as sent: path and raw query (`/bucket/key?list-type=2&prefix=media%2F`). */
  url: string;
  headers: IncomingHttpHeaders;
}

/** Null when `req` carries a valid S3 signature by `secretAccessKey` for `region`, else why not. */
export function sigV4Problem(req: SignedRequest, secretAccessKey: string, region = 'us-east-1', nowMs = Date.now()): string | null {
  const auth = header(req.headers, 'authorization');
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return `no AWS4-HMAC-SHA256 authorization header: ${JSON.stringify(auth)}`;
  const [, , day, scopeRegion, service, signedList, signature] = m as unknown as [string, string, string, string, string, string, string];
  if (scopeRegion !== region || service !== 's3') return `signed for ${scopeRegion}/${service}, not ${region}/s3`;
  const amzDate = header(req.headers, 'x-amz-date');
  if (!/^\d{8}T\d{6}Z$/.test(amzDate) || !amzDate.startsWith(day)) return `bad x-amz-date ${JSON.stringify(amzDate)}`;
  const at = Date.UTC(+amzDate.slice(0, 4), +amzDate.slice(4, 6) - 1, +amzDate.slice(6, 8), +amzDate.slice(9, 11), +amzDate.slice(11, 13), +amzDate.slice(13, 15));
  if (Math.abs(nowMs - at) > 15 * 60_000) return 'request time too skewed';
  const signed = signedList.split(';');
  if (!signed.includes('host') || !signed.includes('x-amz-content-sha256')) return 'host and x-amz-content-sha256 must be signed';
  const payloadHash = header(req.headers, 'x-amz-content-sha256');

  const [path = '', rawQuery = ''] = req.url.split(/\?(.*)/s);
  const canonicalRequest = [
    req.method,
    path,
    canonicalQuery(rawQuery),
    signed.map((h) => `${h}:${header(req.headers, h).trim().replace(/\s+/g, ' ')}\n`).join(''),
    signedList,
    payloadHash,
  ].join('\n');
  const scope = `${day}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n');
  const key = [day, region, service, 'aws4_request'].reduce<Buffer>((k, part) => hmac(k, part), Buffer.from(`AWS4${secretAccessKey}`));
  const expected = hmac(key, stringToSign);
  return timingSafeEqual(expected, Buffer.from(signature, 'hex')) ? null : `signature mismatch; canonical request was:\n${canonicalRequest}`;
}

function header(headers: IncomingHttpHeaders, name: string): string {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : (v ?? '');
}

/** Parameters decoded, then URI-encoded the AWS way and sorted by name, then value. */
function canonicalQuery(raw: string): string {
  if (!raw) return '';
  const pairs = raw.split('&').map((p) => {
    const [k = '', v = ''] = p.split(/=(.*)/s);
    return [awsEncode(decode(k)), awsEncode(decode(v))] as const;
  });
  pairs.sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

const decode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
const awsEncode = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const hmac = (key: Buffer, data: string) => createHmac('sha256', key).update(data).digest();
