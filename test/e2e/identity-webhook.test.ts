import { expect } from '@open-wc/testing';
import '../../components/index.js';
import { RelayController } from '../../components/controllers/relay-controller.js';
import { Event, type FlagDataWithFile } from '../../src/events.js';
import { faceCamera, twoPeople } from '../fixtures/identity-faces.js';
import { createRelaySession, download, eventually, getSession, relayApi, relayUrl, sha256Hex, startReceiver, waitForWebhook } from './relay-commands.js';
import { proctorOnRelay, useIsolatedOutbox } from './widget-fixtures.js';

/*
 * Identity end to end: <eye-proctor> enrolls person A from the camera (the recognition model is
 * served by the relay), keeps quiet while A is re-framed and re-lit, reports FACE_MISMATCH with a
 * JPEG when B sits down, and the relay turns it into a verified face_mismatch webhook and a HIGH
 * incident. A proctor's re-enroll request reaches the widget as a directive; later mismatches say
 * `reEnrolled`.
 */
describe('e2e: identity enrollment, FACE_MISMATCH -> proctoring_event.face_mismatch + HIGH incident', function () {
  this.timeout(300_000);
  useIsolatedOutbox();
  let stop: (() => void) | null = null;
  afterEach(() => stop?.());

  it('enrolls A, ignores A re-framed and re-lit, flags B by k of m, and the relay opens a HIGH incident', async () => {
    RelayController.defaults = { ...RelayController.defaults, directivePollMs: 1000 };
    await startReceiver();
    const url = await relayUrl();
    const session = await createRelaySession('exam-e2e-identity');
    const { a, b } = await twoPeople();
    const camera = await faceCamera(a);
    stop = camera.stop;
    const el = await proctorOnRelay(session, url, camera.stream);
    const enrolled: FlagDataWithFile[] = [];
    const mismatches: FlagDataWithFile[] = [];
    el.addEventListener(Event.IDENTITY_ENROLLED, (e) => enrolled.push(e.detail));
    el.addEventListener(Event.FACE_MISMATCH, (e) => mismatches.push(e.detail));

    const intervalMs = 1500;
    const k = 2;
    await el.init({
      microphone: false, tabFocus: false, fullscreen: false, snapshotIntervalMs: 0, faceAbsenceMs: 60_000,
      identity: true, identityCheckIntervalMs: intervalMs, identityMismatchChecks: k, identityMismatchWindow: 3,
    });
    await el.start();
    await eventually(() => enrolled.length === 1, 120_000, 250);
    const enrollment = enrolled[0]!;
    expect(enrollment.mediaFile.type).to.equal('image/jpeg');
    expect((await createImageBitmap(enrollment.mediaFile)).width).to.be.greaterThan(0);
    expect(enrollment.details?.samples).to.equal(5);

    // A, re-framed, smaller and under dimmer light, for several checks: never a mismatch.
    const before = el.identityStatus.checks;
    await camera.showFace(a, { light: 0.6, faceFraction: 0.24, offsetX: 0.08 });
    await eventually(() => el.identityStatus.checks >= before + 3, 60_000, 250);
    await camera.showFace(a, { faceFraction: 0.36, offsetY: -0.04 });
    await eventually(() => el.identityStatus.checks >= before + 6, 60_000, 250);
    expect(mismatches, `similarity of the last check ${el.identityStatus.lastSimilarity}`).to.have.length(0);

    // B sits down: FACE_MISMATCH within k checks (+ a generous margin for a loaded machine).
    const switchedAt = performance.now();
    await camera.showFace(b);
    await eventually(() => mismatches.length >= 1, intervalMs * k + 30_000, 100);
    const flag = mismatches[0]!;
    console.log(`FACE_MISMATCH ${Math.round(performance.now() - switchedAt)} ms after the switch (interval ${intervalMs} ms x k ${k})`);
    expect(flag.details?.confidence).to.be.a('number').and.below(el.config!.identityMatchThreshold);
    expect(flag.details?.reEnrolled).to.equal(false);
    expect(flag.mediaFile.type).to.equal('image/jpeg');
    const decoded = await createImageBitmap(flag.mediaFile);
    expect(decoded.width).to.be.greaterThan(0);

    const hook = await waitForWebhook('proctoring_event.face_mismatch', { flagId: flag.id });
    expect(hook.verified).to.deep.equal({ standard: true, classic: true, classicReason: null });
    expect(hook.envelope.data.session_id).to.equal(session.sessionId);
    expect(hook.envelope.data.confidence).to.equal(flag.details!.confidence);
    expect(hook.envelope.data.re_enrolled).to.equal(false);
    const media = await download(hook.envelope.data.media_url!);
    expect(media.status).to.equal(200);
    expect(media.sha256).to.equal(await sha256Hex(flag.mediaFile));
    const view = await getSession(session.sessionId);
    const incidents = (view as unknown as { incidents: { rule: string; severity: string }[] }).incidents;
    expect(incidents.map((i) => [i.rule, i.severity])).to.deep.include(['FACE_MISMATCH', 'HIGH']);
    expect((view as unknown as { identity: { status: string } }).identity.status).to.equal('enrolled');

    // The proctor re-enrolls (B is now the candidate, say): the directive reaches the widget, B
    // is enrolled, and A showing up again is a mismatch marked reEnrolled.
    const requested = await relayApi('POST', `/v1/sessions/${session.sessionId}/re-enroll`);
    expect(requested.status).to.equal(202);
    await eventually(() => enrolled.length === 2, 120_000, 250);
    await camera.showFace(a);
    await eventually(() => mismatches.some((m) => m.details?.reEnrolled === true), intervalMs * k + 60_000, 250);

    await el.end();
    await el.flushRelay();
    const ended = await waitForWebhook('session.ended', { sessionId: session.sessionId });
    expect((ended.envelope.data as { events_summary: { face_mismatches: number } }).events_summary.face_mismatches).to.equal(mismatches.length);
  });
});
