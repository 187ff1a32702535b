import { expect, fixture, html } from '@open-wc/testing';
import '../index.js';
import type { EyeProctor } from './eye-proctor.js';
import { EyeConfigError } from '../../src/config.js';
import { Event, type FlagData, type FlagDataWithFile } from '../../src/events.js';
import { FACE_PROBLEM_MESSAGES } from '../../src/identity/face-quality.js';
import { paintScene } from '../../test/fixtures/face-images.js';
import { faceCamera, portraitJpeg, twoPeople } from '../../test/fixtures/identity-faces.js';

/** Polls `check` until true (generous: the machine is shared and the model runs on the CPU). */
async function until(check: () => boolean, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const QUIET = { microphone: false, tabFocus: false, fullscreen: false, snapshotIntervalMs: 0, faceAbsenceMs: 60_000 };

describe('<eye-proctor> identity: reference image, bad input, model failure', function () {
  this.timeout(300_000);
  let stop: (() => void) | null = null;
  afterEach(() => stop?.());

  async function proctorSeeing(stream: MediaStream): Promise<EyeProctor> {
    return fixture<EyeProctor>(html`<eye-proctor consent="external" exam-id="exam-id" candidate-id="cand-id" .mediaStream=${stream}></eye-proctor>`);
  }

  it("a reference photo of another person fails at enrollment (referenceMatch false + FACE_MISMATCH); the candidate's own photo matches", async () => {
    const { a, b } = await twoPeople();
    const camera = await faceCamera(a);
    stop = camera.stop;
    for (const [reference, expected] of [[await portraitJpeg(b), false], [await portraitJpeg(a), true]] as const) {
      const el = await proctorSeeing(camera.stream);
      const enrolled: FlagDataWithFile[] = [];
      const mismatches: FlagDataWithFile[] = [];
      el.addEventListener(Event.IDENTITY_ENROLLED, (e) => enrolled.push(e.detail));
      el.addEventListener(Event.FACE_MISMATCH, (e) => mismatches.push(e.detail));
      await el.init({ ...QUIET, identity: { referenceImage: reference }, identityCheckIntervalMs: 600_000 });
      await el.start();
      await until(() => enrolled.length === 1, 'IDENTITY_ENROLLED');
      const details = enrolled[0]!.details!;
      expect(details.referenceMatch, `similarity ${details.confidence}`).to.equal(expected);
      expect(details.confidence).to.be.a('number');
      if (expected) {
        expect(details.confidence).to.be.at.least(el.config!.identityMatchThreshold);
        expect(mismatches).to.have.length(0);
      } else {
        expect(details.confidence).to.be.below(el.config!.identityMatchThreshold);
        await until(() => mismatches.length === 1, 'FACE_MISMATCH for the reference', 10_000);
        expect(mismatches[0]!.description).to.match(/reference image/);
        expect((await createImageBitmap(mismatches[0]!.mediaFile)).width).to.be.greaterThan(0);
      }
      await el.end();
      el.remove();
    }
  });

  it('no face, two faces, a dark room: the candidate is told what to fix, and enrollment succeeds once fixed', async () => {
    const { a } = await twoPeople();
    const camera = await faceCamera(a, { light: 0.12 });
    stop = camera.stop;
    const el = await proctorSeeing(camera.stream);
    const enrolled: FlagDataWithFile[] = [];
    el.addEventListener(Event.IDENTITY_ENROLLED, (e) => enrolled.push(e.detail));
    await el.init({ ...QUIET, identity: true });
    await el.start();
    const shown = () => el.shadowRoot!.querySelector('[part="identity-status"]')?.textContent.trim();
    await until(() => el.identityStatus.message === FACE_PROBLEM_MESSAGES['too-dark'], 'the too-dark message');
    await el.updateComplete;
    expect(shown()).to.equal(FACE_PROBLEM_MESSAGES['too-dark']);
    await camera.show((frame) => paintScene(frame, 'empty'));
    await until(() => el.identityStatus.message === FACE_PROBLEM_MESSAGES['no-face'], 'the no-face message');
    await camera.show((frame) => paintScene(frame, 'group'));
    await until(() => el.identityStatus.message === FACE_PROBLEM_MESSAGES['multiple-faces'], 'the multiple-faces message');
    expect(enrolled).to.have.length(0);
    expect(el.phase).to.equal('running');
    await camera.showFace(a);
    await until(() => enrolled.length === 1, 'IDENTITY_ENROLLED once the face is usable');
    expect(el.identityStatus.state).to.equal('checking');
    await el.updateComplete;
    expect(shown()).to.equal(undefined);
  });

  it('a reference that is not an image is refused at init() with a clear error', async () => {
    const el = await fixture<EyeProctor>(html`<eye-proctor consent="external" exam-id="e" candidate-id="c"></eye-proctor>`);
    for (const [referenceImage, message] of [
      [new Blob(['%PDF-1.4'], { type: 'application/pdf' }), /identity.referenceImage is not an image \(type application\/pdf\)/],
      [42, /identity.referenceImage must be a File, a Blob or a URL string/],
      ['http://[bad', /identity.referenceImage is not a valid URL/],
    ] as const) {
      let error: unknown;
      try {
        await el.init({ identity: { referenceImage: referenceImage as never } });
      } catch (err) {
        error = err;
      }
      expect(error).to.be.instanceOf(EyeConfigError);
      expect((error as Error).message).to.match(message);
    }
  });

  it('the model cannot load: IDENTITY_UNAVAILABLE to the host, monitoring goes on (face detection still runs)', async () => {
    const { a } = await twoPeople();
    const camera = await faceCamera(a);
    stop = camera.stop;
    const el = await proctorSeeing(camera.stream);
    const unavailable: FlagData[] = [];
    const absences: FlagData[] = [];
    el.addEventListener(Event.IDENTITY_UNAVAILABLE, (e) => unavailable.push(e.detail));
    el.addEventListener(Event.FACE_ABSENCE, (e) => absences.push(e.detail));
    await el.init({ ...QUIET, faceAbsenceMs: 1500, identity: true, assetsBaseUrl: `${location.origin}/assets/no-identity-model` });
    await el.start();
    await until(() => unavailable.length === 1, 'IDENTITY_UNAVAILABLE', 60_000);
    expect(unavailable[0]!.details?.reason).to.match(/HTTP 404/);
    expect(el.identityStatus.state).to.equal('unavailable');
    expect(el.phase).to.equal('running');
    await camera.show((frame) => paintScene(frame, 'empty'));
    await until(() => absences.length >= 1, 'FACE_ABSENCE (detection still runs)', 60_000);
    await el.end();
  });
});
