/**
 * Webhook signatures (DESIGN.md "Webhooks"). Every attempt is signed afresh, over the exact bytes
 * sent, in two families:
 *
 * - Classic: `X-Eye-Timestamp: <unix s>` and `X-Eye-Signature: sha256=<hex HMAC-SHA256(key, ts + "." + body)>`
 *   with key = the UTF-8 bytes of the whole endpoint secret string (`whsec_...`).
 * - Standard Webhooks: `webhook-id`, `webhook-timestamp`,
 *   `webhook-signature: v1,<base64 HMAC-SHA256(key, id + "." + ts + "." + body)>`
 *   with key = the base64-decoded part after `whsec_`.
 *
 * During a secret rotation only `webhook-signature` carries one signature per live secret, newest
 * first, space-separated (`v1,AAA v1,BBB`; Standard Webhooks receivers accept if any matches).
 * `X-Eye-Signature` always carries exactly one `sha256=<hex>`, made with the newest secret: the
 * classic receiver recipe compares the whole header in constant time, so a second value would make
 * every delivery fail it for the whole grace window.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { now as clockNow } from '../clock.js';

export const SECRET_PREFIX = 'whsec_';

/** A new endpoint secret: `whsec_` + base64 of 32 random bytes. */
export function generateWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64');
}

export function isWebhookSecret(value: string): boolean {
  if (!value.startsWith(SECRET_PREFIX)) return false;
  const raw = value.slice(SECRET_PREFIX.length);
  return /^[A-Za-z0-9+/]+={0,2}$/.test(raw) && Buffer.from(raw, 'base64').length >= 16;
}

/** Standard Webhooks key: the base64-decoded part after the prefix. */
function standardKey(secret: string): Buffer {
  const raw = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  return Buffer.from(raw, 'base64');
}

export function classicSignature(secret: string, timestamp: number, body: string | Buffer): string {
  const mac = createHmac('sha256', Buffer.from(secret, 'utf8'));
  mac.update(`${timestamp}.`);
  mac.update(body);
  return `sha256=${mac.digest('hex')}`;
}

export function standardSignature(secret: string, msgId: string, timestamp: number, body: string | Buffer): string {
  const mac = createHmac('sha256', standardKey(secret));
  mac.update(`${msgId}.${timestamp}.`);
  mac.update(body);
  return `v1,${mac.digest('base64')}`;
}

export interface SignInput {
  /** Envelope id (`evt_...`): stable across retries and redeliveries. */
  msgId: string;
  body: string | Buffer;
  /** Live secrets, newest first (the previous one only while its rotation grace period lasts). */
  secrets: string[];
  /** Unix seconds; defaults to now. */
  timestamp?: number;
}

/** The signature headers for one attempt. */
export function signatureHeaders({ msgId, body, secrets, timestamp }: SignInput): Record<string, string> {
  const [newest] = secrets;
  if (newest === undefined) throw new Error('signatureHeaders: no secret');
  const ts = timestamp ?? Math.floor(clockNow() / 1000);
  return {
    'x-eye-timestamp': String(ts),
    'x-eye-signature': classicSignature(newest, ts, body),
    'webhook-id': msgId,
    'webhook-timestamp': String(ts),
    'webhook-signature': secrets.map((s) => standardSignature(s, msgId, ts, body)).join(' '),
  };
}
