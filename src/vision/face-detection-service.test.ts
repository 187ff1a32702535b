import { expect } from '@open-wc/testing';
import { firstValueFrom, take, toArray, filter } from 'rxjs';
import { FaceDetectionService } from './face-detection-service.js';
import { fakeCamera, type FakeCamera } from '../../test/fixtures/fake-media.js';

const ASSETS = '/assets/mediapipe';

describe('FaceDetectionService', function () {
  this.timeout(60000);
  let camera: FakeCamera | undefined;
  afterEach(() => { camera?.stop(); });

  for (const engine of ['worker', 'main-thread'] as const) {
    it(`detects one face, then four, then none in a live stream (${engine})`, async () => {
      camera = await fakeCamera('single-face');
      const service = new FaceDetectionService(camera.stream, { assetsBaseUrl: ASSETS, detectionFps: 10, minFaceConfidence: 0.5, engine });
      const longTasks: number[] = [];
      const observer = new PerformanceObserver((list) => { list.getEntries().forEach((e) => longTasks.push(e.duration)); });
      observer.observe({ type: 'longtask', buffered: false });
      const frames = await firstValueFrom(service.frames$.pipe(take(6), toArray()));
      expect(frames.every((f) => f.engine === engine)).to.equal(true);
      expect(frames.map((f) => f.faceCount)).to.deep.equal([1, 1, 1, 1, 1, 1]);
      const face = frames[0]!.faces.find((f) => f.score >= 0.5)!;
      expect(face.x).to.be.within(0, 1);
      expect(face.width).to.be.within(0.1, 0.9);
      expect(frames[0]!.frameWidth).to.equal(engine === 'worker' ? 640 : 320);

      const sub = service.frames$.subscribe();
      await camera.show('group');
      const group = await firstValueFrom(service.frames$.pipe(filter((f) => f.faceCount >= 3)));
      expect(group.faceCount).to.be.at.least(3);
      await camera.show('empty');
      const empty = await firstValueFrom(service.frames$.pipe(filter((f) => f.faceCount === 0), take(1)));
      expect(empty.faces.filter((f) => f.score >= 0.5)).to.have.length(0);
      sub.unsubscribe();
      observer.disconnect();
      const s = service.stats;
      console.log(
        `[bench] engine=${engine} frames=${s.frames} detect mean=${(s.totalDetectMs / s.frames).toFixed(1)}ms max=${s.maxDetectMs.toFixed(1)}ms ` +
          `main-thread mean=${(s.totalMainThreadMs / s.frames).toFixed(2)}ms max=${s.maxMainThreadMs.toFixed(2)}ms ` +
          `longtasks=${longTasks.length} (${longTasks.map((d) => d.toFixed(0)).join(',')})`,
      );
    });
  }

  it('errors (so health can report it) when the assets are missing', async () => {
    camera = await fakeCamera('single-face');
    const service = new FaceDetectionService(camera.stream, { assetsBaseUrl: '/no-such-assets', detectionFps: 5, minFaceConfidence: 0.5 });
    let error: unknown = null;
    await firstValueFrom(service.frames$).catch((e: unknown) => {
      error = e;
    });
    expect(error).to.be.instanceOf(Error);
    expect((error as Error).name).to.equal('FaceModelLoadError');
    expect((error as Error).message).to.contain('404');
  });
});
