import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { test } from 'node:test';
import { selfSignedCertificate } from './self-signed.js';

// The serial is random by default: one in 256 began with a zero byte, which DER must not encode as
// is (OpenSSL: "illegal padding"; an HTTPS test's receiver then failed to start, in CI).
const serials: [string, string][] = [
  ['0012345678abcdef', '12345678ABCDEF'],
  ['0000000000000005', '05'],
  ['00ff000000000001', 'FF000000000001'],
  ['80aabbccddeeff00', '80AABBCCDDEEFF00'],
  ['7f00000000000000', '7F00000000000000'],
];

for (const [hex, expected] of serials) {
  test(`a certificate with serial ${hex} parses, with its names, serial and key`, () => {
    const { cert, key } = selfSignedCertificate(['receiver.test', '127.0.0.1'], 2, Buffer.from(hex, 'hex'));
    const x509 = new X509Certificate(cert);
    assert.equal(x509.serialNumber, expected);
    assert.equal(x509.subjectAltName, 'DNS:receiver.test, IP Address:127.0.0.1');
    assert.ok(x509.checkPrivateKey(createPrivateKey(key)), "the key is the certificate's");
    assert.ok(x509.verify(x509.publicKey), 'self-signed: its own key verifies it');
  });
}

test('random serials: every certificate parses', () => {
  for (let i = 0; i < 300; i++) assert.ok(new X509Certificate(selfSignedCertificate(['receiver.test']).cert).serialNumber);
});
