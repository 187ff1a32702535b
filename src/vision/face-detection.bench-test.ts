/**
 * Measurement, not a pass/fail test: face detection cost per frame and main-thread cost, worker
 * vs main thread, on a live 640x480 camera stream of a real face at 5 fps.
 *   npx wtr --files src/vision/face-detection.bench-test.ts
 * Prints one `[bench]` line per engine.
 */
import { expect } from '@open-wc/testing';
import { firstValueFrom, take, toArray } from 'rxjs';
import { FaceDetectionService } from './face-detection-service.js';
import { fakeCamera } from '../../test/fixtures/fake-media.js';

const FRAMES = 50;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

describe('face detection cost (benchmark)', function () {
  this.timeout(120000);
  for (const engine of ['worker', 'main-thread'] as const) {
    it(`${engine}: ${FRAMES} frames at 5 fps`, async () => {
      const camera = await fakeCamera('single-face');
      const service = new FaceDetectionService(camera.stream, { assetsBaseUrl: '/assets/mediapipe', detectionFps: 5, minFaceConfidence: 0.5, engine });
      // Warm-up (model load, first inferences) is excluded.
      await firstValueFrom(service.frames$.pipe(take(3), toArray()));
      const longTasks: number[] = [];
      const observer = new PerformanceObserver((list) => { list.getEntries().forEach((e) => longTasks.push(e.duration)); });
      observer.observe({ type: 'longtask' });
      const started = performance.now();
      const frames = await firstValueFrom(service.frames$.pipe(take(FRAMES), toArray()));
      const wallMs = performance.now() - started;
      observer.disconnect();
      camera.stop();
      const detect = frames.map((f) => f.detectMs);
      const main = frames.map((f) => f.mainThreadMs);
      const longTotal = longTasks.reduce((a, b) => a + b, 0);
      console.log(
        `[bench] ${engine}: frames=${frames.length} fps=${((frames.length / wallMs) * 1000).toFixed(1)} ` +
          `detect p50=${pct(detect, 50).toFixed(1)}ms p95=${pct(detect, 95).toFixed(1)}ms ` +
          `main-thread/frame p50=${pct(main, 50).toFixed(2)}ms p95=${pct(main, 95).toFixed(2)}ms ` +
          `longtasks=${longTasks.length} (${longTotal.toFixed(0)} ms over ${(wallMs / 1000).toFixed(1)} s)`,
      );
      expect(frames.every((f) => f.faceCount === 1)).to.equal(true);
    });
  }
});
