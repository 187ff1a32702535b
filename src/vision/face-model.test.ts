import { expect } from '@open-wc/testing';
import { FaceDetector, FilesetResolver } from '@mediapipe/tasks-vision';
import { sceneCanvas, loadBitmap, GROUP_PHOTO } from '../../test/fixtures/face-images.js';

/**
 * Proves that dist/assets/face_detector.tflite (built by scripts/build-face-model.mjs from
 * @mediapipe/face_detection) loads in the tasks-vision FaceDetector (which refuses models without
 * TFLite metadata) and finds faces on real photos. Served at the production asset paths.
 */
describe('built face model (dist/assets/face_detector.tflite)', function () {
  this.timeout(60000);
  let detector: FaceDetector | undefined;

  before(async () => {
    const fileset = await FilesetResolver.forVisionTasks('/assets/mediapipe/wasm');
    detector = await FaceDetector.createFromOptions(fileset, {
      baseOptions: { modelAssetPath: '/assets/mediapipe/face_detector.tflite', delegate: 'CPU' },
      runningMode: 'IMAGE',
      minDetectionConfidence: 0.5,
    });
  });
  after(() => { detector?.close(); });

  it('carries TFLite metadata: the unmodified package model is refused', async () => {
    const fileset = await FilesetResolver.forVisionTasks('/assets/mediapipe/wasm');
    let error: unknown = null;
    try {
      const plain = await FaceDetector.createFromOptions(fileset, {
        baseOptions: { modelAssetPath: '/node_modules/@mediapipe/face_detection/face_detection_short_range.tflite', delegate: 'CPU' },
        runningMode: 'IMAGE',
      });
      plain.close();
    } catch (err) {
      error = err;
    }
    expect(String(error)).to.match(/NormalizationOptions|metadata/i);
  });

  it('finds at least 3 faces on a group photo', async () => {
    const full = detector!.detect(await loadBitmap(GROUP_PHOTO));
    expect(full.detections.length).to.be.at.least(3);
    const camera = detector!.detect(await sceneCanvas('group'));
    expect(camera.detections.length).to.be.at.least(3);
  });

  it('finds exactly one face on a single-face crop', async () => {
    const result = detector!.detect(await sceneCanvas('single-face'));
    expect(result.detections.length).to.equal(1);
    expect(result.detections[0]!.categories[0]!.score).to.be.greaterThan(0.7);
    const box = result.detections[0]!.boundingBox!;
    expect(box.width).to.be.greaterThan(100);
  });

  it('finds no face on an empty room', async () => {
    const result = detector!.detect(await sceneCanvas('empty'));
    expect(result.detections).to.have.length(0);
  });
});
