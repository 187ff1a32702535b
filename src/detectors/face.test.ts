import { expect } from '@open-wc/testing';
import { filter, firstValueFrom, take, timeout, takeUntil, timer, toArray } from 'rxjs';
import { faceDetectionFor, faceDetectionOptions } from '../vision/face-detection-service.js';
import { Event, type EyeEmission, type FlagDataWithFile } from '../events.js';
import { faceDetector } from './face.js';
import { fakeCamera, type FakeCamera } from '../../test/fixtures/fake-media.js';
import { detectorContext } from '../../test/fixtures/detector-context.js';

/** Real MediaPipe on real photos, fed through canvas.captureStream() as the camera. */
describe('faceDetector', function () {
  this.timeout(60000);
  let camera: FakeCamera | undefined;
  afterEach(() => { camera?.stop(); });

  it('raises no FACE_ABSENCE while one face stays in view for longer than faceAbsenceMs', async () => {
    camera = await fakeCamera('single-face');
    const ctx = detectorContext(camera.stream, { faceAbsenceMs: 1500 });
    // Model load + 4 s of frames (well past 1500 ms).
    const emissions = await firstValueFrom(faceDetector(ctx).pipe(takeUntil(timer(7000)), toArray()));
    expect(emissions.map((e) => e.type)).to.deep.equal([]);
  });

  it('raises FACE_ABSENCE once faceAbsenceMs has passed after the face left, with a decodable JPEG snapshot', async () => {
    camera = await fakeCamera('single-face');
    const ctx = detectorContext(camera.stream, { faceAbsenceMs: 1500, snapshotMaxWidth: 320 });
    const events: { type: string; at: number; payload: unknown }[] = [];
    const sub = faceDetector(ctx).subscribe((e) => events.push({ type: e.type, at: performance.now(), payload: e.payload }));
    try {
      // Warm up on a face: wait (however long the engine takes) for presence to be established.
      const frames$ = faceDetectionFor(camera.stream, faceDetectionOptions(ctx.config)).frames$;
      await firstValueFrom(frames$.pipe(filter((f) => f.faceCount === 1), take(4), toArray()));
      expect(events).to.have.length(0);
      const leftAt = performance.now();
      await camera.show('empty');
      const deadline = leftAt + 30_000;
      while (!events.length && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(events.map((e) => e.type)).to.deep.equal([Event.FACE_ABSENCE]);
      const elapsed = events[0]!.at - leftAt;
      // Never before faceAbsenceMs after leaving (the face was there until then).
      expect(elapsed, `FACE_ABSENCE after ${elapsed.toFixed(0)} ms`).to.be.at.least(1500);
      const flag = events[0]!.payload as FlagDataWithFile;
      expect(flag.type).to.equal(Event.FACE_ABSENCE);
      expect(flag.examId).to.equal('exam-1');
      expect(flag.id).to.be.a('string');
      expect(flag.details!.durationMs).to.be.at.least(1500);
      expect(flag.details!.confidence).to.be.within(0, 1);
      expect(flag.mediaFile).to.be.instanceOf(File);
      expect(flag.mediaFile.type).to.equal('image/jpeg');
      expect(flag.mediaFile.name).to.equal(`face_absence-${flag.id}.jpg`);
      const bytes = new Uint8Array(await flag.mediaFile.arrayBuffer());
      expect([bytes[0], bytes[1], bytes[2]]).to.deep.equal([0xff, 0xd8, 0xff]);
      const image = await createImageBitmap(flag.mediaFile);
      expect([image.width, image.height]).to.deep.equal([320, 240]);
      // Once per episode (faceAbsenceRepeatMs 0).
      await new Promise((r) => setTimeout(r, 2000));
      expect(events).to.have.length(1);
    } finally {
      sub.unsubscribe();
    }
  });

  it('raises MULTIPLE_FACE with faceCount >= 2 on a group photo, once per episode', async () => {
    camera = await fakeCamera('group');
    const ctx = detectorContext(camera.stream, { multipleFaceFrames: 3 });
    const emissions: EyeEmission[] = [];
    const sub = faceDetector(ctx).subscribe((e) => emissions.push(e));
    // However long the engine takes to load: until the first MULTIPLE_FACE, then 3 s more of the same group.
    const deadline = performance.now() + 30_000;
    while (!emissions.some((e) => e.type === Event.MULTIPLE_FACE) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 3000));
    sub.unsubscribe();
    const multiple = emissions.filter((e) => e.type === Event.MULTIPLE_FACE);
    expect(multiple).to.have.length(1);
    const flag = multiple[0]!.payload;
    expect(flag.details!.faceCount).to.be.at.least(2);
    expect(flag.details!.confidence).to.be.within(0.5, 1);
    expect(flag.mediaFile.name).to.equal(`multiple_face-${flag.id}.jpg`);
    const image = await createImageBitmap(flag.mediaFile);
    expect([image.width, image.height]).to.deep.equal([640, 480]);
    expect(emissions.some((e) => e.type === Event.FACE_ABSENCE)).to.equal(false);
  });

  it('emits nothing without a camera', async () => {
    const none = await firstValueFrom(faceDetector(detectorContext(null)).pipe(toArray(), timeout(1000)));
    expect(none).to.deep.equal([]);
  });
});
