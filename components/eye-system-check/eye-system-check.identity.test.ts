import { expect, fixture, html } from '@open-wc/testing';
import '../index.js';
import type { EyeSystemCheck } from './eye-system-check.js';
import { FACE_PROBLEM_MESSAGES } from '../../src/identity/face-quality.js';
import { faceCamera, portraitJpeg, twoPeople } from '../../test/fixtures/identity-faces.js';

describe('<eye-system-check> identity step', function () {
  this.timeout(300_000);
  let stop: (() => void) | null = null;
  afterEach(() => stop?.());

  it('fails with a clear message when the face does not match the reference photo, passes with the right one, and hands over the enrollment', async () => {
    const { a, b } = await twoPeople();
    const camera = await faceCamera(a);
    stop = camera.stop;
    const el = await fixture<EyeSystemCheck>(html`<eye-system-check checks="identity" .mediaStream=${camera.stream} .referenceImage=${await portraitJpeg(b)}></eye-system-check>`);
    let result = await el.run();
    expect(result.success).to.equal(false);
    expect(result.data).to.deep.equal([{ name: 'identity', status: 'failed', finished: true }]);
    const outcome = el.outcomes.identity!;
    expect(outcome.reason).to.equal('reference-mismatch');
    expect(outcome.message).to.equal('Your face does not match the photo registered for this exam.');
    expect(outcome.fix).to.match(/Retry/);
    expect(el.identityEnrollment).to.equal(null);
    await el.updateComplete;
    // The candidate reads the catalog's calm wording (the outcome's English text is for logs and hosts).
    expect(el.shadowRoot!.textContent).to.contain('We could not match your face with the photo registered for this exam.');

    el.referenceImage = await portraitJpeg(a);
    result = await el.retry('identity');
    expect(result.success, JSON.stringify(el.outcomes.identity)).to.equal(true);
    expect(el.outcomes.identity!.values!.similarity).to.be.at.least(0.65);
    expect(el.identityEnrollment!.template).to.be.instanceOf(Float32Array);
    expect(el.identityEnrollment!.template.length).to.equal(128);
  });

  it('a dark room fails the step with what to fix, and a retry in good light passes', async () => {
    const { a } = await twoPeople();
    const camera = await faceCamera(a, { light: 0.12 });
    stop = camera.stop;
    const el = await fixture<EyeSystemCheck>(html`<eye-system-check checks="identity" .mediaStream=${camera.stream}></eye-system-check>`);
    const dark = await el.run();
    expect(dark.success).to.equal(false);
    expect(el.outcomes.identity!.reason).to.equal('too-dark');
    expect(el.outcomes.identity!.message).to.equal(FACE_PROBLEM_MESSAGES['too-dark']);
    expect(el.outcomes.identity!.fix).to.match(/light/);
    await camera.showFace(a);
    expect((await el.retry('identity')).success).to.equal(true);
  });
});
