import { expect, oneEvent } from '@open-wc/testing';
import '../../components/index.js';
import { Event, type FlagDataWithFile } from '../../src/events.js';
import { fakeCamera, type FakeCamera } from '../fixtures/fake-media.js';
import { createRelaySession, download, getSession, relayUrl, sha256Hex, startReceiver, waitForWebhook } from './relay-commands.js';
import { proctorOnRelay, useIsolatedOutbox } from './widget-fixtures.js';

/*
 * The whole loop: a candidate's camera (a canvas stream showing a real face photo, then an empty
 * room) -> <eye-proctor> with real MediaPipe (wasm + model served by the relay) -> FACE_ABSENCE
 * with a JPEG -> outbox -> relay -> signed webhook at a local receiver, whose media_url returns
 * the very bytes the widget produced.
 */
describe('e2e: face, then an empty room -> proctoring_event.face_absent webhook', function () {
  this.timeout(120_000);
  let camera: FakeCamera | null = null;
  useIsolatedOutbox();
  afterEach(() => {
    camera?.stop();
    camera = null;
  });

  it('delivers a verified webhook whose media_url downloads the JPEG the widget produced', async () => {
    await startReceiver();
    const url = await relayUrl();
    const session = await createRelaySession('exam-e2e-face');
    camera = await fakeCamera('single-face');
    const el = await proctorOnRelay(session, url, camera.stream);
    const absences: FlagDataWithFile[] = [];
    el.addEventListener(Event.FACE_ABSENCE, (e) => absences.push(e.detail));

    // Assets default to the relay's (`${relayUrl}/assets/mediapipe`): wasm and model come from it.
    const config = await el.init({ microphone: false, tabFocus: false, fullscreen: false, faceAbsenceMs: 1500, snapshotIntervalMs: 0 });
    expect(config.assetsBaseUrl).to.equal(`${url}/assets/mediapipe`);
    await el.start();

    // A face in view for well over faceAbsenceMs: no absence.
    await new Promise((r) => setTimeout(r, 4000));
    expect(absences, 'no FACE_ABSENCE while a face is visible').to.have.length(0);

    const absence = oneEvent(el, Event.FACE_ABSENCE);
    await camera.show('empty');
    const flag = ((await absence) as CustomEvent<FlagDataWithFile>).detail;
    expect(flag.mediaFile.type).to.equal('image/jpeg');
    const widgetJpeg = await sha256Hex(flag.mediaFile);

    const hook = await waitForWebhook('proctoring_event.face_absent', { flagId: flag.id });
    expect(hook.verified).to.deep.equal({ standard: true, classic: true, classicReason: null });
    expect(hook.envelope.data.session_id).to.equal(session.sessionId);
    expect(hook.envelope.data.exam_id).to.equal('exam-e2e-face');
    expect(hook.envelope.data.candidate_id).to.equal(session.candidateId);
    expect(hook.envelope.data.duration_ms).to.be.a('number').and.at.least(1500);
    expect(hook.envelope.data.confidence).to.be.a('number');
    const media = await download(hook.envelope.data.media_url!);
    expect(media.status).to.equal(200);
    expect(media.contentType).to.match(/^image\/jpeg/);
    expect(media.size).to.equal(flag.mediaFile.size);
    expect(media.sha256).to.equal(widgetJpeg);

    await el.end();
    await el.flushRelay();
    expect((await getSession(session.sessionId)).status).to.equal('COMPLETED');
    const ended = await waitForWebhook('session.ended', { sessionId: session.sessionId });
    expect(ended.verified.standard).to.equal(true);
    expect((ended.envelope.data as { events_summary: { face_absences: number } }).events_summary.face_absences).to.equal(absences.length);
  });
});
