import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook } from 'standardwebhooks';
import { classicSignature, generateWebhookSecret, isWebhookSecret, signatureHeaders } from './signing.js';
import { verifyClassic, verifyStandard } from '../testing/verify.js';

const body = JSON.stringify({ id: 'evt_1', event_type: 'x', meta: { version: 1 }, data: { note: 'héllo ✓' } });

test('secrets are whsec_ + base64 of 32 random bytes', () => {
  const a = generateWebhookSecret();
  const b = generateWebhookSecret();
  assert.match(a, /^whsec_[A-Za-z0-9+/]{43}=$/);
  assert.equal(Buffer.from(a.slice(6), 'base64').length, 32);
  assert.notEqual(a, b);
  assert.ok(isWebhookSecret(a));
  assert.ok(!isWebhookSecret('whsec_'));
  assert.ok(!isWebhookSecret('sk_abc'));
});

test('both signature families verify: standardwebhooks library and the classic recipe', () => {
  const secret = generateWebhookSecret();
  const h = signatureHeaders({ msgId: 'evt_1', body, secrets: [secret] });
  assert.equal(h['webhook-id'], 'evt_1');
  assert.equal(h['webhook-timestamp'], h['x-eye-timestamp']);
  assert.deepEqual(verifyStandard(secret, h, body), JSON.parse(body));
  assert.deepEqual(verifyClassic(secret, h, body), { ok: true });
  // The library's own signer agrees byte for byte.
  const ts = new Date(Number(h['webhook-timestamp']) * 1000);
  assert.equal(h['webhook-signature'], new Webhook(secret).sign('evt_1', ts, body));
});

test('tampering, a wrong secret, or a stale timestamp is rejected by both verifiers', () => {
  const secret = generateWebhookSecret();
  const other = generateWebhookSecret();
  const h = signatureHeaders({ msgId: 'evt_1', body, secrets: [secret] });
  const tampered = body.replace('héllo', 'hello');
  assert.throws(() => verifyStandard(secret, h, tampered));
  assert.equal(verifyClassic(secret, h, tampered).ok, false);
  assert.throws(() => verifyStandard(other, h, body));
  assert.equal(verifyClassic(other, h, body).ok, false);
  // id is part of the Standard Webhooks signature
  assert.throws(() => verifyStandard(secret, { ...h, 'webhook-id': 'evt_2' }, body));

  const old = Math.floor(Date.now() / 1000) - 6 * 60;
  const hOld = signatureHeaders({ msgId: 'evt_1', body, secrets: [secret], timestamp: old });
  assert.deepEqual(verifyClassic(secret, hOld, body), { ok: false, reason: 'timestamp too old' });
  assert.throws(() => verifyStandard(secret, hOld, body), /too old/);
});

test('classic signature matches a hand-computed vector', () => {
  // printf '1700000000.{}' | openssl dgst -sha256 -hmac 'whsec_dGVzdA=='
  const sig = classicSignature('whsec_dGVzdA==', 1_700_000_000, '{}');
  assert.equal(sig, 'sha256=a20063490e7f7034cf1bc7426852e27e5be069532996d19012ff5d01fdd06179');
});

test('during rotation only webhook-signature carries both; X-Eye-Signature is one value, the newest secret', () => {
  const next = generateWebhookSecret();
  const prev = generateWebhookSecret();
  const h = signatureHeaders({ msgId: 'evt_9', body, secrets: [next, prev] });
  assert.equal(h['webhook-signature']!.split(' ').length, 2);
  assert.match(h['x-eye-signature']!, /^sha256=[0-9a-f]{64}$/);
  assert.equal(h['x-eye-signature'], classicSignature(next, Number(h['x-eye-timestamp']), body));
  // The reference recipe compares the whole header: the new secret verifies, the old one does not.
  assert.deepEqual(verifyClassic(next, h, body), { ok: true });
  assert.equal(verifyClassic(prev, h, body).ok, false);
  for (const s of [next, prev]) assert.deepEqual(verifyStandard(s, h, body), JSON.parse(body));
  assert.throws(() => verifyStandard(generateWebhookSecret(), h, body));
});

test('the classic recipe rejects timestamps more than 5 minutes ahead as well as behind', () => {
  const secret = generateWebhookSecret();
  const now = Math.floor(Date.now() / 1000);
  const future = signatureHeaders({ msgId: 'evt_1', body, secrets: [secret], timestamp: now + 6 * 60 });
  assert.deepEqual(verifyClassic(secret, future, body, now), { ok: false, reason: 'timestamp in the future' });
  const nearFuture = signatureHeaders({ msgId: 'evt_1', body, secrets: [secret], timestamp: now + 4 * 60 });
  assert.deepEqual(verifyClassic(secret, nearFuture, body, now), { ok: true });
});
