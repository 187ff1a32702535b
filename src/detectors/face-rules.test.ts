import { expect } from '@open-wc/testing';
import { FaceRules, type FaceDecision } from './face-rules.js';

const config = { faceAbsenceMs: 1000, faceAbsenceRepeatMs: 0, multipleFaceFrames: 3, minFaceConfidence: 0.5 };

function feed(rules: FaceRules, frames: [number, number[]][]): FaceDecision[] {
  return frames.flatMap(([timestamp, scores]) => rules.update({ timestamp, scores }));
}

describe('FaceRules', () => {
  it('fires at exactly faceAbsenceMs of continuous no-face, then not again until a face returns', () => {
    const rules = new FaceRules(config);
    expect(feed(rules, [[0, []], [500, [0.3]], [999, []]])).to.deep.equal([]);
    expect(feed(rules, [[1000, []]])).to.deep.equal([{ kind: 'absence', durationMs: 1000, confidence: 0.7 }]);
    expect(feed(rules, [[1500, []], [5000, []]])).to.deep.equal([]);
    expect(feed(rules, [[5200, [0.8]], [5400, []], [6399, []]])).to.deep.equal([]);
    expect(feed(rules, [[6400, []]])).to.deep.equal([{ kind: 'absence', durationMs: 1000, confidence: 1 }]);
  });

  it('repeats every faceAbsenceRepeatMs while the absence lasts when configured', () => {
    const rules = new FaceRules({ ...config, faceAbsenceRepeatMs: 2000 });
    const out = feed(rules, [[0, []], [1000, []], [2000, []], [3000, []], [4000, []], [5000, []]]);
    expect(out.map((d) => d.kind === 'absence' && d.durationMs)).to.deep.equal([1000, 3000, 5000]);
  });

  it('a face flickering back resets the absence timer', () => {
    const rules = new FaceRules(config);
    expect(feed(rules, [[0, []], [800, []], [900, [0.6]], [1000, []], [1800, []]])).to.deep.equal([]);
  });

  it('reports multiple faces after multipleFaceFrames consecutive frames, once per episode', () => {
    const rules = new FaceRules(config);
    expect(feed(rules, [[0, [0.9, 0.6]], [200, [0.9, 0.7]]])).to.deep.equal([]);
    expect(feed(rules, [[400, [0.9, 0.8, 0.55]]])).to.deep.equal([{ kind: 'multiple', faceCount: 3, confidence: 0.6 }]);
    expect(feed(rules, [[600, [0.9, 0.6]], [800, [0.9]], [1000, [0.9, 0.6]], [1200, [0.9, 0.6]], [1400, [0.9, 0.6]]])).to.deep.equal([]);
    // Three calm frames end the episode; the next stable run reports again.
    expect(feed(rules, [[1600, [0.9]], [1800, [0.9]], [2000, [0.9]]])).to.deep.equal([]);
    expect(feed(rules, [[2200, [0.9, 0.9]], [2400, [0.9, 0.9]], [2600, [0.9, 0.9]]])).to.have.length(1);
  });

  it('ignores a second face below minFaceConfidence', () => {
    const rules = new FaceRules(config);
    expect(feed(rules, [[0, [0.9, 0.4]], [200, [0.9, 0.45]], [400, [0.9, 0.3]], [600, [0.9, 0.4]]])).to.deep.equal([]);
  });
});
