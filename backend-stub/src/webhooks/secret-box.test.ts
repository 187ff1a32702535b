import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SecretBox } from './secret-box.js';

test('seal / open round-trips; ciphertexts differ; tampering or another relay secret fails', () => {
  const box = new SecretBox('relay-secret-0123456789abcdef0123456789');
  const secret = 'whsec_' + Buffer.alloc(32, 7).toString('base64');
  const a = box.seal(secret);
  const b = box.seal(secret);
  assert.notEqual(a, b);
  assert.ok(!a.includes(secret.slice(6)));
  assert.equal(box.open(a), secret);
  assert.equal(box.open(b), secret);
  const parts = a.split('.');
  const ct = Buffer.from(parts[3]!, 'base64url');
  ct.writeUInt8(ct.readUInt8(0) ^ 1, 0);
  assert.throws(() => box.open([parts[0], parts[1], parts[2], ct.toString('base64url')].join('.')));
  assert.throws(() => new SecretBox('another-relay-secret-0123456789abcdef').open(a));
  assert.throws(() => box.open('plain'));
  assert.throws(() => new SecretBox('short'));
});
