import { expect, fixture, html, oneEvent, waitUntil } from '@open-wc/testing';
import './define.js';
import '../eye-proctor/define.js';
import type { EyeCameraPreview } from './eye-camera-preview.js';
import type { EyeProctor } from '../eye-proctor/eye-proctor.js';
import { Event, type FlagDataWithFile } from '../../src/events.js';
import { fakeCamera, type FakeCamera } from '../../test/fixtures/fake-media.js';

const ASSETS = `${location.origin}/assets/mediapipe`;

/** Counts overlay pixels that are not transparent (the face boxes). */
function paintedPixels(canvas: HTMLCanvasElement): number {
  const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
  let n = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) n++;
  return n;
}

describe('<eye-camera-preview>', function () {
  this.timeout(60000);
  let camera: FakeCamera | undefined;
  afterEach(() => {
    camera?.stop();
    camera = undefined;
  });

  it('without a stream: says the camera is off, is labelled and passes axe', async () => {
    const el = await fixture<EyeCameraPreview>(html`<eye-camera-preview label="Your camera"></eye-camera-preview>`);
    expect(el.faceState).to.equal('off');
    expect(el.getAttribute('face-state')).to.equal('off');
    const figure = el.shadowRoot!.querySelector('[part="base"]')!;
    expect(figure.getAttribute('aria-label')).to.equal('Your camera');
    expect(el.shadowRoot!.querySelector('[part="caption"]')!.textContent).to.equal('Camera is off');
    await expect(el).to.be.accessible();
  });

  it('on its own: shows the stream mirrored and outlines the one face it detects', async () => {
    camera = await fakeCamera('single-face');
    const el = await fixture<EyeCameraPreview>(
      html`<eye-camera-preview .stream=${camera.stream} assets-base-url=${ASSETS}></eye-camera-preview>`,
    );
    const video = el.shadowRoot!.querySelector('video')!;
    expect(video.srcObject).to.equal(camera.stream);
    expect(getComputedStyle(video).transform).to.equal('matrix(-1, 0, 0, 1, 0, 0)');
    const { detail } = await oneEvent<CustomEvent<{ faceCount: number }>>(el, 'eye-preview-faces');
    expect(detail.faceCount).to.equal(1);
    await el.updateComplete;
    expect(el.faceState).to.equal('one');
    expect(el.shadowRoot!.querySelector('[part="caption"]')!.textContent).to.equal('Your face is visible');
    const overlay = el.shadowRoot!.querySelector('canvas')!;
    expect([overlay.width, overlay.height]).to.deep.equal([640, 480]);
    expect(paintedPixels(overlay), 'a box is drawn').to.be.greaterThan(500);
    await expect(el).to.be.accessible();

    await camera.show('empty');
    await waitUntil(() => el.faceState === 'none', 'no face state', { timeout: 5000 });
    expect(paintedPixels(overlay)).to.equal(0);
    const caption = el.shadowRoot!.querySelector('[part="caption"]')!;
    expect(caption.getAttribute('role')).to.equal('status');
    expect(caption.textContent).to.match(/Your face is not visible/);
  });

  it('flags several faces', async () => {
    camera = await fakeCamera('group');
    const el = await fixture<EyeCameraPreview>(
      html`<eye-camera-preview .stream=${camera.stream} assets-base-url=${ASSETS}></eye-camera-preview>`,
    );
    await waitUntil(() => el.faceState === 'many', 'several faces', { timeout: 15000 });
    expect(el.lastFrame!.faceCount).to.be.at.least(2);
  });

  it('inside <eye-proctor>: shows the widget stream, shares its detection and the widget raises FACE_ABSENCE', async () => {
    camera = await fakeCamera('single-face');
    const proctor = await fixture<EyeProctor>(html`
      <eye-proctor consent="external" .mediaStream=${camera.stream}><eye-camera-preview></eye-camera-preview></eye-proctor>
    `);
    const el = proctor.querySelector('eye-camera-preview')!;
    await proctor.init({
      examId: 'exam-1',
      candidateId: 'cand-1',
      assetsBaseUrl: ASSETS,
      microphone: false,
      tabFocus: false,
      fullscreen: false,
      faceAbsenceMs: 1500,
      snapshotIntervalMs: 0,
    });
    await proctor.start();
    await waitUntil(() => el.faceState === 'one', 'face via the widget stream', { timeout: 15000 });
    expect(el.shadowRoot!.querySelector('video')!.srcObject).to.equal(camera.stream);
    const absence = oneEvent(proctor, Event.FACE_ABSENCE);
    await camera.show('empty');
    const { detail } = (await absence) as CustomEvent<FlagDataWithFile>;
    expect(detail.mediaFile.type).to.equal('image/jpeg');
    expect(el.faceState).to.equal('none');
    await proctor.end();
    await el.updateComplete;
    expect(el.faceState).to.equal('off');
  });
});
