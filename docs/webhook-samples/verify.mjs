/**
 * Verify an Eye webhook delivery in JavaScript (Node.js 18+, no dependencies; the
 * `standardwebhooks` npm package verifies the Standard Webhooks family too).
 *
 * Both signature families are checked over the raw body bytes (a Buffer: verify before
 * JSON.parse), with a 5-minute tolerance on the timestamp in both directions. `headers` maps
 * lower-case header names to values (Node's req.headers).
 *
 *   const ok = verifyClassic(secret, req.headers, rawBody) || verifyStandard(secret, req.headers, rawBody);
 *
 * Command line (used by the relay's tests): node verify.mjs <secret> <case dir with headers, body>
 * prints "classic=ok|fail standard=ok|fail".
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TOLERANCE_S = 5 * 60;

/** @typedef {Record<string, string | undefined>} Headers lower-case header names to values */

/** @param {string | undefined} timestamp */
function fresh(timestamp) {
  return /^[0-9]{1,12}$/.test(timestamp ?? '') && Math.abs(Date.now() / 1000 - Number(timestamp)) <= TOLERANCE_S;
}

/** @param {string} a @param {string} b */
function equalConstantTime(a, b) {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * X-Eye-Signature: sha256=<hex HMAC-SHA256(secret as UTF-8, "<ts>.<body>")>, one value.
 * @param {string} secret
 * @param {Headers} headers
 * @param {Buffer} rawBody
 */
export function verifyClassic(secret, headers, rawBody) {
  const timestamp = headers['x-eye-timestamp'];
  if (!fresh(timestamp)) return false;
  const expected = 'sha256=' + createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');
  return equalConstantTime(expected, headers['x-eye-signature'] ?? '');
}

/**
 * Standard Webhooks: webhook-signature holds `v1,<base64>` values, space-separated (two during a rotation).
 * @param {string} secret
 * @param {Headers} headers
 * @param {Buffer} rawBody
 */
export function verifyStandard(secret, headers, rawBody) {
  const msgId = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  if (!msgId || !fresh(timestamp)) return false;
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${msgId}.${timestamp}.`).update(rawBody).digest('base64');
  return (headers['webhook-signature'] ?? '')
    .split(' ')
    .some((candidate) => candidate.startsWith('v1,') && equalConstantTime(expected, candidate.slice(3)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [secret, dir] = process.argv.slice(2);
  if (secret === undefined || dir === undefined) throw new Error('usage: node verify.mjs <secret> <case dir>');
  /** @type {Headers} */
  const headers = {};
  for (const line of readFileSync(join(dir, 'headers'), 'utf8').split('\n')) {
    const colon = line.indexOf(': ');
    if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 2);
  }
  const body = readFileSync(join(dir, 'body'));
  /** @param {boolean} ok */
  const result = (ok) => (ok ? 'ok' : 'fail');
  console.log(`classic=${result(verifyClassic(secret, headers, body))} standard=${result(verifyStandard(secret, headers, body))}`);
}
