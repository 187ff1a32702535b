import { expect, fixture, html } from '@open-wc/testing';
import { EyeEvent, type FlagDataWithFile } from '../../src/events.js';
import { firstValueFrom, take, toArray } from 'rxjs';
import { faceDetectionFor, faceDetectionOptions } from '../../src/vision/face-detection-service.js';
import { hasPreloadedFaceEngine } from '../../src/vision/face-engine-preload.js';
import { fakeCamera, type FakeCamera } from '../../test/fixtures/fake-media.js';
import './define.js';
import type { EyeProctor } from './eye-proctor.js';

const BASE = { examId: 'exam-1', candidateId: 'cand-1', microphone: false, tabFocus: false, fullscreen: false, snapshotIntervalMs: 0 };

/** Resolves with the first FACE_ABSENCE and when it came (performance.now()), or rejects after `ms`. */
function nextAbsence(el: EyeProctor, ms: number): Promise<{ flag: FlagDataWithFile; at: number }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error(`no FACE_ABSENCE within ${ms} ms`)); }, ms);
    const off = el.on(EyeEvent.FACE_ABSENCE, (flag) => {
      clearTimeout(timer);
      off();
      resolve({ flag, at: performance.now() });
    });
  });
}

/** Real MediaPipe in <eye-proctor>: when an empty seat is flagged, and what counts as a face. */
describe('<eye-proctor> face presence', function () {
  this.timeout(90_000);
  let camera: FakeCamera | null = null;
  afterEach(() => {
    camera?.stop();
    camera = null;
  });

  it('loads the face engine during init() and counts an empty seat from start()', async () => {
    camera = await fakeCamera('empty');
    const el = await fixture<EyeProctor>(html`<eye-proctor consent="external" .mediaStream=${camera.stream}></eye-proctor>`);
    const config = await el.init({ ...BASE, faceAbsenceMs: 2500 });
    // Ready before start(): start() only has to open the camera.
    expect(await hasPreloadedFaceEngine(faceDetectionOptions(config))).to.equal(true);
    const absence = nextAbsence(el, 30_000);
    const startedAt = performance.now();
    await el.start();
    expect(await hasPreloadedFaceEngine(faceDetectionOptions(config))).to.equal(false); // taken by monitoring
    const { flag, at } = await absence;
    await el.end();
    const elapsed = at - startedAt;
    const counted = flag.details!.durationMs!;
    console.log(`[face-timing] FACE_ABSENCE ${Math.round(elapsed)} ms after start(), absence counted ${counted} ms`);
    expect(counted).to.be.at.least(2500);
    // The absence counted covers the time since start(): before, the engine loaded at start() and
    // the count began at the first analysed frame, seconds later (flag 8.6-10.9 s after start()).
    expect(elapsed - counted, 'time after start() not counted as absence').to.be.below(2000);
  });

  it('keeps the engine warm through a system check / calibration between init() and start(), and closes it at end()', async () => {
    camera = await fakeCamera('single-face');
    const el = await fixture<EyeProctor>(html`<eye-proctor consent="external" .mediaStream=${camera.stream}></eye-proctor>`);
    const config = await el.init({ ...BASE, faceAbsenceMs: 2500 });
    const options = faceDetectionOptions(config);
    // What <eye-system-check>'s calibration does: sample the stream's face detection, then stop.
    const frames = await firstValueFrom(faceDetectionFor(camera.stream, options).frames$.pipe(take(3), toArray()));
    expect(frames.map((f) => f.faceCount)).to.deep.equal([1, 1, 1]);
    expect(await hasPreloadedFaceEngine(options), 'engine given back after the calibration').to.equal(true);
    await el.start();
    expect(await hasPreloadedFaceEngine(options)).to.equal(false);
    el.pause('test');
    expect(await hasPreloadedFaceEngine(options), 'engine kept warm while paused').to.equal(true);
    el.resume();
    await el.end();
    expect(await hasPreloadedFaceEngine(options), 'nothing kept after end()').to.equal(false);
  });

  it("flags FACE_ABSENCE on Chromium's default fake camera (a shape MediaPipe scores 0.5-0.6, whose keypoints are not a face's)", async () => {
    // No injected stream: <eye-proctor> calls getUserMedia and gets --use-fake-device-for-media-stream's pattern.
    const el = await fixture<EyeProctor>(html`<eye-proctor consent="external"></eye-proctor>`);
    await el.init({ ...BASE, faceAbsenceMs: 2500 });
    const absence = nextAbsence(el, 30_000);
    await el.start();
    try {
      const { flag } = await absence;
      expect(flag.details!.durationMs).to.be.at.least(2500);
      // The shape came close to a face, so the flag is less sure than on an empty room.
      expect(flag.details!.confidence).to.be.below(0.8);
      expect(flag.mediaFile.type).to.equal('image/jpeg');
    } finally {
      await el.end();
    }
  });

  it('raises no FACE_ABSENCE while a real face stays in view', async () => {
    camera = await fakeCamera('single-face');
    const el = await fixture<EyeProctor>(html`<eye-proctor consent="external" .mediaStream=${camera.stream}></eye-proctor>`);
    await el.init({ ...BASE, faceAbsenceMs: 1500 });
    const flags: string[] = [];
    el.on(EyeEvent.FACE_ABSENCE, (f) => flags.push(f.type));
    el.on(EyeEvent.MULTIPLE_FACE, (f) => flags.push(f.type));
    await el.start();
    await new Promise((r) => setTimeout(r, 6000)); // four times faceAbsenceMs
    await el.end();
    expect(flags).to.deep.equal([]);
  });
});
