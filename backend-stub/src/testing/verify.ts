/**
 * Receiver-side verification used by tests, written independently of the relay's signer:
 * the classic recipe (reject timestamps older than 5 minutes, recompute, constant-time compare)
 * and the `standardwebhooks` npm library.
 */
import crypto from 'node:crypto';
import { Webhook } from 'standardwebhooks';

export const CLASSIC_TOLERANCE_S = 5 * 60;

/** The classic recipe, as an institution would write it. Returns a reason on failure. */
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
  const expected = Buffer.from(
    'sha256=' + crypto.createHmac('sha256', secret).update(ts + '.' + rawBody, 'utf8').digest('hex'),
  );
  for (const candidate of sigHeader.split(' ')) {
    const got = Buffer.from(candidate);
    if (got.length === expected.length && crypto.timingSafeEqual(got, expected)) return { ok: true };
  }
  return { ok: false, reason: 'no matching signature' };
}

/** Verify with the `standardwebhooks` library; returns the parsed payload or throws. */
export function verifyStandard(secret: string, headers: Record<string, string>, rawBody: string): unknown {
  return new Webhook(secret).verify(rawBody, {
    'webhook-id': headers['webhook-id'] ?? '',
    'webhook-timestamp': headers['webhook-timestamp'] ?? '',
    'webhook-signature': headers['webhook-signature'] ?? '',
  });
}
