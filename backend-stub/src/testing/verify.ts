/**
 * Receiver-side verification used by tests, written independently of the relay's signer:
 * the classic reference recipe as docs/WEBHOOKS.md gives it and institutions write it (reject
 * timestamps more than 5 minutes old or ahead, recompute, compare the WHOLE header in constant
 * time) and the `standardwebhooks` npm library.
 */
import crypto from 'node:crypto';
import { Webhook } from 'standardwebhooks';

export const CLASSIC_TOLERANCE_S = 5 * 60;

/** The classic reference recipe. Returns a reason on failure. */
export function verifyClassic(
  secret: string,
  headers: Record<string, string>,
  rawBody: string,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): { ok: true } | { ok: false; reason: string } {
  const ts = headers['x-eye-timestamp'];
  const sigHeader = headers['x-eye-signature'];
  if (!ts || !sigHeader) return { ok: false, reason: 'missing headers' };
  if (!/^\d+$/.test(ts)) return { ok: false, reason: 'bad timestamp' };
  if (nowSeconds - Number(ts) > CLASSIC_TOLERANCE_S) return { ok: false, reason: 'timestamp too old' };
  if (Number(ts) - nowSeconds > CLASSIC_TOLERANCE_S) return { ok: false, reason: 'timestamp in the future' };
  const expected = Buffer.from(
    'sha256=' + crypto.createHmac('sha256', secret).update(ts + '.' + rawBody, 'utf8').digest('hex'),
  );
  const got = Buffer.from(sigHeader);
  if (got.length === expected.length && crypto.timingSafeEqual(got, expected)) return { ok: true };
  return { ok: false, reason: 'signature mismatch' };
}

/** Verify with the `standardwebhooks` library; returns the parsed payload or throws. */
export function verifyStandard(secret: string, headers: Record<string, string>, rawBody: string): unknown {
  return new Webhook(secret).verify(rawBody, {
    'webhook-id': headers['webhook-id'] ?? '',
    'webhook-timestamp': headers['webhook-timestamp'] ?? '',
    'webhook-signature': headers['webhook-signature'] ?? '',
  });
}
