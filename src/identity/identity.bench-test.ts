/**
 * Measurement, not a pass/fail test (run by `npm run bench`, section "identity"; alone:
 * `npx wtr --files src/identity/identity.bench-test.ts`). Prints one `[bench-identity] {json}` line.
 *
 * Labelled set: every face the project's detector finds (score >= 0.6, >= 60 px wide) in the
 * @vladmandic/face-api demo photos sample1, sample2, sample4 and sample5 (the detection tests use
 * sample3 and sample6). No npm package ships a multi-photo-per-person face set, so each person's
 * "photos" are four renderings of their face as a webcam would show it: different light (100 %,
 * 50 %, 75 %), framing (face 20-40 % of the width) and position. Same-person pairs: the views of
 * one face. Different-person pairs: faces of one group photo (certainly different people); faces
 * from different photos are not paired, since the same family appears in several photos.
 * Every crop goes through the real pipeline: MediaPipe detection on the rendered frame, then the
 * identity worker (crop, embed) exactly as in a session.
 */
import { expect } from '@open-wc/testing';
import { DEFAULT_CONFIG } from '../config.js';
import { DEMO_PHOTOS, faceCanvas, facesIn, type FaceView, type PhotoFace } from '../../test/fixtures/identity-faces.js';
import { createVideoFaceDetector } from '../vision/tasks-face-detector.js';
import { IdentityEngine, identityModelBaseUrl } from './identity-engine.js';
import { MismatchRule } from './mismatch-rule.js';
import { faceSimilarity, meanEmbedding } from './similarity.js';
import { usableFace, CHECK_MAX_YAW } from './face-quality.js';

const PHOTOS = [DEMO_PHOTOS[0]!, DEMO_PHOTOS[1]!, DEMO_PHOTOS[3]!, DEMO_PHOTOS[4]!];
const VIEWS: FaceView[] = [{}, { light: 0.5 }, { faceFraction: 0.2, offsetX: 0.1 }, { faceFraction: 0.4, offsetY: -0.05, light: 0.75 }];
/** A session of one person under changing light: 12 checks. */
const SESSION_VIEWS: FaceView[] = [1, 0.8, 0.6, 0.45, 0.6, 0.9, 1, 0.7, 0.5, 0.55, 0.85, 1].map((light, i) => ({ light, faceFraction: 0.26 + (i % 3) * 0.04, offsetX: ((i % 5) - 2) * 0.03 }));
const THRESHOLDS = [0.5, 0.55, 0.6, 0.65, 0.7];

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const summary = (xs: number[]) => ({ n: xs.length, min: Math.min(...xs), p5: pct(xs, 5), p50: pct(xs, 50), p95: pct(xs, 95), max: Math.max(...xs) });

describe('identity: similarity distributions, FAR/FRR, cost per check (benchmark)', function () {
  this.timeout(1_200_000);

  it('measures', async () => {
    const engine = await IdentityEngine.create(identityModelBaseUrl(null));
    const detector = await createVideoFaceDetector({ assetsBaseUrl: new URL('/assets/mediapipe', location.href).href, minFaceConfidence: 0.5 });
    let ts = 0;
    const embedMs: number[] = [];
    const embedOnlyMs: number[] = [];
    const mainThreadMs: number[] = [];
    let undetected = 0;

    /** The pipeline of one check: detect on the frame, grab, hand to the worker, embed. */
    const embed = async (face: PhotoFace, view: FaceView): Promise<Float32Array | null> => {
      const canvas = await faceCanvas(face, view);
      const found = detector.detect(canvas, canvas.width, canvas.height, (ts += 200));
      const usable = usableFace(found.faces, 0.5, CHECK_MAX_YAW);
      if ('problem' in usable) {
        undetected++;
        return null;
      }
      const t0 = performance.now();
      const still = await createImageBitmap(canvas);
      const pending = engine.embed(await createImageBitmap(still), usable.face);
      mainThreadMs.push(performance.now() - t0);
      still.close();
      const sample = await pending;
      embedOnlyMs.push(sample.embedMs);
      embedMs.push(sample.embedMs + sample.cropMs);
      return sample.embedding;
    };

    const people: { photo: number; views: Float32Array[] }[] = [];
    for (let p = 0; p < PHOTOS.length; p++) {
      for (const face of (await facesIn(PHOTOS[p]!, true)).filter((f) => f.width >= 60)) {
        const views: Float32Array[] = [];
        for (const v of VIEWS) {
          const e = await embed(face, v);
          if (e) views.push(e);
        }
        if (views.length >= 2) people.push({ photo: p, views });
      }
    }
    const same: number[] = [];
    const different: number[] = [];
    for (let i = 0; i < people.length; i++) {
      const a = people[i]!;
      for (let x = 0; x < a.views.length; x++) for (let y = x + 1; y < a.views.length; y++) same.push(faceSimilarity(a.views[x]!, a.views[y]!));
      for (let j = i + 1; j < people.length; j++) {
        const b = people[j]!;
        if (b.photo !== a.photo) continue;
        for (const ea of a.views) for (const eb of b.views) different.push(faceSimilarity(ea, eb));
      }
    }
    const rates = THRESHOLDS.map((t) => ({
      threshold: t,
      far: different.filter((s) => s >= t).length / different.length,
      frr: same.filter((s) => s < t).length / same.length,
    }));

    // Sessions: enrollment = mean of two frontal views, then 12 checks under changing light, k-of-m rule.
    const threshold = DEFAULT_CONFIG.identityMatchThreshold;
    const sessionFaces = [];
    for (let p = 0; p < PHOTOS.length; p++) sessionFaces.push(...(await facesIn(PHOTOS[p]!, true)).filter((f) => f.width >= 60).slice(0, 2));
    let sessions = 0;
    let falseMismatchFlags = 0;
    let singleCheckMismatches = 0;
    let sessionChecks = 0;
    for (const face of sessionFaces) {
      const enrollViews: Float32Array[] = [];
      for (const v of [{}, { offsetX: 0.05 }]) {
        const e = await embed(face, v);
        if (e) enrollViews.push(e);
      }
      if (!enrollViews.length) continue;
      const template = meanEmbedding(enrollViews);
      const rule = new MismatchRule(DEFAULT_CONFIG.identityMismatchChecks, DEFAULT_CONFIG.identityMismatchWindow);
      sessions++;
      for (const view of SESSION_VIEWS) {
        const e = await embed(face, view);
        if (!e) continue;
        sessionChecks++;
        const mismatch = faceSimilarity(e, template) < threshold;
        if (mismatch) singleCheckMismatches++;
        if (rule.record(mismatch)) falseMismatchFlags++;
      }
    }
    detector.close();
    engine.close();

    const result = {
      model: 'face-api FaceRecognitionNet (ResNet-34-like, 128-D), TF.js CPU backend in a worker',
      people: people.length,
      photos: PHOTOS.map((p) => p.split('/').pop()),
      viewsPerPerson: VIEWS.length,
      undetectedViews: undetected,
      same: summary(same),
      different: summary(different),
      threshold,
      rates,
      atThreshold: rates.find((r) => r.threshold === threshold) ?? null,
      sessions: { sessions, checks: sessionChecks, singleCheckMismatches, falseMismatchFlags, k: DEFAULT_CONFIG.identityMismatchChecks, m: DEFAULT_CONFIG.identityMismatchWindow },
      workerMsPerCheck: summary(embedMs),
      networkMsPerCheck: summary(embedOnlyMs),
      mainThreadMsPerCheck: summary(mainThreadMs),
      modelLoadMs: engine.loadMs,
    };
    console.log(`[bench-identity] ${JSON.stringify(result)}`);
    expect(people.length).to.be.greaterThan(3);
  });
});
