import { expect } from '@open-wc/testing';
import { DEFAULT_CONFIG } from '../config.js';
import { DEMO_PHOTOS, faceCanvas, facesIn, type FaceView, type PhotoFace } from '../../test/fixtures/identity-faces.js';
import { IdentityEngine, IdentityModelLoadError, identityModelBaseUrl } from './identity-engine.js';
import { faceSimilarity } from './similarity.js';

/** Embeds `face` as painted by faceCanvas: centred, `faceFraction` of the width. */
async function embedView(engine: IdentityEngine, face: PhotoFace, view: FaceView = {}) {
  const canvas = await faceCanvas(face, view);
  const w = view.faceFraction ?? 0.3;
  const h = (face.height / face.width) * w * (canvas.width / canvas.height);
  const box = { x: 0.5 - w / 2 + (view.offsetX ?? 0), y: 0.5 - h / 2 + (view.offsetY ?? 0), width: w, height: h };
  return engine.embed(await createImageBitmap(canvas), box);
}

describe('IdentityEngine (face-api recognition net in a worker, TensorFlow.js CPU backend)', function () {
  this.timeout(180_000);
  let engine: IdentityEngine | undefined;
  before(async () => {
    engine = await IdentityEngine.create(identityModelBaseUrl(null));
  });
  after(() => { engine?.close(); });

  it('loads the weights the relay serves and runs on the CPU backend (no GPU here)', () => {
    expect(engine!.backend).to.equal('cpu');
  });

  it('same person re-framed and re-lit stays above the threshold; the other people in the photo fall below it', async () => {
    const faces = (await facesIn(DEMO_PHOTOS[5]!)).slice(0, 4);
    expect(faces.length).to.equal(4);
    const reference = [];
    for (const f of faces) reference.push(await embedView(engine!, f));
    const threshold = DEFAULT_CONFIG.identityMatchThreshold;
    for (let i = 0; i < faces.length; i++) {
      const other = await embedView(engine!, faces[i]!, { light: 0.6, faceFraction: 0.22, offsetX: 0.1 });
      expect(other.embedding.length).to.equal(128);
      expect(other.brightness).to.be.below(reference[i]!.brightness);
      for (let j = 0; j < faces.length; j++) {
        const similarity = faceSimilarity(other.embedding, reference[j]!.embedding);
        if (i === j) expect(similarity, `face ${i} vs itself`).to.be.at.least(threshold);
        else expect(similarity, `face ${i} vs face ${j}`).to.be.below(threshold);
      }
    }
  });

  it('a model that cannot be fetched is an IdentityModelLoadError, not a hang', async () => {
    let error: unknown;
    try {
      (await IdentityEngine.create('/assets/does-not-exist/identity')).close();
    } catch (err) {
      error = err;
    }
    expect(error).to.be.instanceOf(IdentityModelLoadError);
    expect((error as Error).message).to.match(/HTTP 404/);
  });
});
