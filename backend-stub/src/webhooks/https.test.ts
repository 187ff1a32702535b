/**
 * HTTPS targets: the certificate is verified against the URL's host name even though the
 * connection goes to the pinned, checked address; a private CA can be trusted by the operator
 * (EYE_WEBHOOK_CA_FILE). Certificates are generated in-process (testing/self-signed.ts).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINES } from '../testing/engines.js';
import { startTestRelay, type TestRelay } from '../testing/harness.js';
import { startReceiver, type Receiver } from '../testing/receiver.js';
import { selfSignedCertificate } from '../testing/self-signed.js';
import { verifyStandard } from '../testing/verify.js';
import { api, FAST_WEBHOOKS, registerEndpoint, waitUntil, type Delivery, type TestSent } from '../testing/webhook-fixtures.js';
import type { Resolver } from './ssrf.js';

const cert = selfSignedCertificate(['receiver.test']);
// Both names lead to the local receiver; only receiver.test is on its certificate.
const resolver: Resolver = (host) => {
  if (host === 'receiver.test' || host === 'impostor.test') return Promise.resolve([{ address: '127.0.0.1', family: 4 }]);
  return Promise.reject(new Error('ENOTFOUND'));
};
const httpsOnly = { ...FAST_WEBHOOKS, targets: { allowHttp: false, allowLoopback: true, allowPrivate: false }, resolver };

for (const engine of ENGINES) {
  describe(`https targets (${engine})`, () => {
    let trusting: TestRelay;
    let plain: TestRelay;
    let rx: Receiver;
    before(async () => {
      rx = await startReceiver({ tls: cert });
      trusting = await startTestRelay({ engine, webhooks: { ...httpsOnly, extraCa: cert.cert } });
      plain = await startTestRelay({ engine, webhooks: httpsOnly });
    });
    after(async () => {
      // Any of them may be missing when `before` failed.
      await (trusting as TestRelay | undefined)?.close();
      await (plain as TestRelay | undefined)?.close();
      await (rx as Receiver | undefined)?.close();
    });

    const firstAttempt = async (relay: TestRelay, deliveryId: string) =>
      waitUntil('first attempt', async () => {
        const r = await api<Delivery>(relay, 'GET', `/v1/webhooks/deliveries/${deliveryId}`);
        const first = r.body.attempts[0];
        return first?.finishedAt ? first : null;
      });

    test('delivered over TLS to the pinned address when the certificate matches the URL host and is trusted', async () => {
      const ep = await registerEndpoint(trusting, `https://receiver.test:${rx.port}/tls`);
      const t = await api<TestSent>(trusting, 'POST', `/v1/webhooks/endpoints/${ep.id}/test`);
      const [got] = await rx.waitFor((rs) => rs.some((r) => r.headers['webhook-id'] === t.body.eventId));
      assert.equal(got!.headers.host, `receiver.test:${rx.port}`);
      assert.ok(verifyStandard(ep.secret, got!.headers, got!.body));
      assert.equal((await firstAttempt(trusting, t.body.deliveryId)).statusCode, 200);
    });

    test('an untrusted (self-signed) certificate fails the attempt', async () => {
      const before = rx.requests.length;
      const ep = await registerEndpoint(plain, `https://receiver.test:${rx.port}/untrusted`);
      const t = await api<TestSent>(plain, 'POST', `/v1/webhooks/endpoints/${ep.id}/test`);
      const a = await firstAttempt(plain, t.body.deliveryId);
      assert.equal(a.statusCode, null);
      assert.match(a.error!, /self-signed certificate/);
      assert.equal(rx.requests.length, before);
    });

    test('a certificate for another name fails even though the address is the same', async () => {
      const before = rx.requests.length;
      const ep = await registerEndpoint(trusting, `https://impostor.test:${rx.port}/impostor`);
      const t = await api<TestSent>(trusting, 'POST', `/v1/webhooks/endpoints/${ep.id}/test`);
      const a = await firstAttempt(trusting, t.body.deliveryId);
      assert.equal(a.statusCode, null);
      assert.match(a.error!, /ERR_TLS_CERT_ALTNAME_INVALID|does not match certificate's altnames/);
      assert.equal(rx.requests.length, before);
    });
  });
}
