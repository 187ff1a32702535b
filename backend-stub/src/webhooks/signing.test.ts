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

test('during rotation both secrets sign, space-separated, and either verifies', () => {
  const next = generateWebhookSecret();
  const prev = generateWebhookSecret();
  const h = signatureHeaders({ msgId: 'evt_9', body, secrets: [next, prev] });
  assert.equal(h['webhook-signature']!.split(' ').length, 2);
  assert.equal(h['x-eye-signature']!.split(' ').length, 2);
  for (const s of [next, prev]) {
    assert.deepEqual(verifyStandard(s, h, body), JSON.parse(body));
    assert.deepEqual(verifyClassic(s, h, body), { ok: true });
  }
  assert.throws(() => verifyStandard(generateWebhookSecret(), h, body));
});

