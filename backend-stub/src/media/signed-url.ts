import { createHmac, timingSafeEqual } from 'node:crypto';
import type { RelayConfig } from '../config.js';
import { deriveKey } from '../tokens.js';
import { now as clockNow } from '../clock.js';

type SigningConfig = Pick<RelayConfig, 'secret' | 'publicUrl'>;

function signature(secret: string, mediaId: string, expires: number): string {
  return createHmac('sha256', deriveKey(secret, 'media-url')).update(`${mediaId}.${expires}`).digest('base64url');
}

/** Absolute URL `${publicUrl}/v1/media/{id}?expires=<unix s>&sig=<HMAC>` valid for ttlSeconds. */
export function signMediaUrl(config: SigningConfig, mediaId: string, ttlSeconds: number, now = clockNow()): string {
  const expires = Math.floor(now / 1000) + ttlSeconds;
  const sig = signature(config.secret, mediaId, expires);
  return `${config.publicUrl}/v1/media/${encodeURIComponent(mediaId)}?expires=${expires}&sig=${sig}`;
}

/** Checks the signature (constant time) and expiry of a media URL's parameters. */
export function verifyMediaSignature(
  config: Pick<RelayConfig, 'secret'>,
  mediaId: string,
  expires: string | number | undefined,
  sig: string | undefined,
  now = clockNow(),
): 'ok' | 'expired' | 'invalid' {
  if (typeof sig !== 'string' || expires === undefined) return 'invalid';
  const exp = typeof expires === 'number' ? expires : /^\d{1,12}$/.test(expires) ? Number(expires) : NaN;
  if (!Number.isFinite(exp)) return 'invalid';
  const expected = Buffer.from(signature(config.secret, mediaId, exp), 'utf8');
  const given = Buffer.from(sig, 'utf8');
  const same = given.length === expected.length && timingSafeEqual(given, expected);
  if (!same) return 'invalid';
  return exp * 1000 < now ? 'expired' : 'ok';
}
