import { expect } from '@open-wc/testing';
import { MismatchRule } from './mismatch-rule.js';
import { faceSimilarity, meanEmbedding } from './similarity.js';
import { CHECK_MAX_YAW, isFrontal, usableFace } from './face-quality.js';

describe('MismatchRule (k of m)', () => {
  it('never fires on a single mismatching check', () => {
    const rule = new MismatchRule(2, 3);
    const outcomes = [true, false, false, true, false, false, true].map((m) => rule.record(m));
    expect(outcomes).to.deep.equal([false, false, false, false, false, false, false]);
  });

  it('fires when k of the last m checks mismatch, then starts over', () => {
    const rule = new MismatchRule(2, 3);
    expect([true, false, true].map((m) => rule.record(m))).to.deep.equal([false, false, true]);
    expect([true, true].map((m) => rule.record(m))).to.deep.equal([false, true]);
  });

  it('refuses k = 1 and k > m', () => {
    expect(() => new MismatchRule(1, 3)).to.throw(RangeError);
    expect(() => new MismatchRule(4, 3)).to.throw(RangeError);
  });
});

describe('face similarity and quality', () => {
  it('maps descriptor distance to 0..1 (identical = 1, far apart = 0)', () => {
    const a = new Float32Array(128).fill(0.1);
    const b = new Float32Array(128).fill(0.1);
    b[0] = 0.1 + 0.6;
    expect(faceSimilarity(a, a)).to.equal(1);
    expect(faceSimilarity(a, b)).to.be.closeTo(0.5, 1e-6);
    expect(faceSimilarity(a, new Float32Array(128).fill(1))).to.equal(0);
    expect(Array.from(meanEmbedding([a, b])).slice(0, 2).map((v) => +v.toFixed(3))).to.deep.equal([0.4, 0.1]);
  });

  it('asks for one large, frontal face', () => {
    const face = { x: 0.35, y: 0.3, width: 0.3, height: 0.4, score: 0.9 };
    expect(usableFace([], 0.5)).to.deep.equal({ problem: 'no-face' });
    expect(usableFace([face, { ...face, x: 0 }], 0.5)).to.deep.equal({ problem: 'multiple-faces' });
    expect(usableFace([{ ...face, width: 0.05 }], 0.5)).to.deep.equal({ problem: 'too-small' });
    const turned = { ...face, keypoints: [{ x: 0.45, y: 0.4 }, { x: 0.55, y: 0.4 }, { x: 0.6, y: 0.5 }] };
    expect(isFrontal(turned, CHECK_MAX_YAW)).to.equal(false);
    const slightlyTurned = { ...face, keypoints: [{ x: 0.45, y: 0.4 }, { x: 0.55, y: 0.4 }, { x: 0.555, y: 0.5 }] };
    expect(isFrontal(slightlyTurned)).to.equal(false); // enrollment wants a frontal template
    expect(isFrontal(slightlyTurned, CHECK_MAX_YAW)).to.equal(true); // checks tolerate reading the screen
    expect(isFrontal(turned)).to.equal(false);
    expect(usableFace([turned], 0.5)).to.deep.equal({ problem: 'not-frontal' });
    expect(usableFace([face], 0.5)).to.deep.equal({ face });
  });
});
