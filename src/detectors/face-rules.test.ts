import { expect } from '@open-wc/testing';
import { FaceRules, presenceConfidence, type FaceDecision } from './face-rules.js';

const config = { faceAbsenceMs: 1000, faceAbsenceRepeatMs: 0, multipleFaceFrames: 3, minFaceConfidence: 0.5 };

function feed(rules: FaceRules, frames: [number, number[]][]): FaceDecision[] {
  return frames.flatMap(([timestamp, scores]) => rules.update({ timestamp, scores }));
}

/** `count` frames every `stepMs` from `from`, each with `scores`. */
function frames(from: number, count: number, scores: number[], stepMs = 200): [number, number[]][] {
  return Array.from({ length: count }, (_, i) => [from + i * stepMs, scores]);
}

describe('FaceRules', () => {
  it('fires at exactly faceAbsenceMs of continuous no-face, then not again until a face returns', () => {
    const rules = new FaceRules(config);
    expect(feed(rules, [[0, []], [500, [0.3]], [999, []]])).to.deep.equal([]);
    expect(feed(rules, [[1000, []]])).to.deep.equal([{ kind: 'absence', durationMs: 1000, confidence: 0.7 }]);
    expect(feed(rules, [[1500, []], [5000, []]])).to.deep.equal([]);
    // The face comes back for three frames (presence holds again), then leaves after 5400.
    expect(feed(rules, [[5100, [0.8]], [5200, [0.8]], [5400, [0.8]], [5600, []], [6000, []], [6399, []]])).to.deep.equal([]);
    expect(feed(rules, [[6400, []]])).to.deep.equal([{ kind: 'absence', durationMs: 1000, confidence: 1 }]);
  });

  it('counts absence from the origin (monitoring start / first camera frame), not from the first analysed frame', () => {
    const rules = new FaceRules(config, 100);
    // The engine delivered its first result late, at 900: the room has been empty since 100.
    expect(feed(rules, [[900, []]])).to.deep.equal([]);
    expect(feed(rules, [[1100, []]])).to.deep.equal([{ kind: 'absence', durationMs: 1000, confidence: 1 }]);
    const later = new FaceRules(config);
    later.begin(50);
    expect(feed(later, [[1050, []]])).to.deep.equal([{ kind: 'absence', durationMs: 1000, confidence: 1 }]);
  });

  it('a first analysed frame long after the origin vouches only for maxUnobservedMs before it', () => {
    const rules = new FaceRules({ ...config, maxUnobservedMs: 400 }, 0);
    // The engine took 5 s: nobody knows who sat there before 4600.
    expect(feed(rules, [[5000, []], [5400, []]])).to.deep.equal([]);
    expect(feed(rules, [[5600, []]])).to.deep.equal([{ kind: 'absence', durationMs: 1000, confidence: 1 }]);
    const onTime = new FaceRules({ ...config, maxUnobservedMs: 400 }, 0);
    expect(feed(onTime, [[300, []], [1000, []]])).to.deep.equal([{ kind: 'absence', durationMs: 1000, confidence: 1 }]);
  });

  it('repeats every faceAbsenceRepeatMs while the absence lasts when configured', () => {
    const rules = new FaceRules({ ...config, faceAbsenceRepeatMs: 2000 });
    const out = feed(rules, [[0, []], [1000, []], [2000, []], [3000, []], [4000, []], [5000, []]]);
    expect(out.map((d) => d.kind === 'absence' && d.durationMs)).to.deep.equal([1000, 3000, 5000]);
  });

  it('a detection flickering in one frame of three (a moving shape near the threshold) does not reset the absence timer', () => {
    const rules = new FaceRules(config);
    const flicker: [number, number[]][] = [];
    for (let t = 0; t <= 1200; t += 200) flicker.push([t, t % 600 === 0 ? [0.58] : [0.42]]);
    const out = feed(rules, flicker);
    expect(out).to.deep.equal([{ kind: 'absence', durationMs: 1000, confidence: 0.42 }]);
  });

  it('a face judged present over the window resets the timer, and a single missed frame does not start an absence', () => {
    const rules = new FaceRules(config);
    expect(feed(rules, frames(0, 3, [0.93]))).to.deep.equal([]);
    // Present: one missed frame among faces is no absence, however long the session goes on.
    const steady: [number, number[]][] = [];
    for (let t = 600; t < 4000; t += 200) steady.push([t, t % 1000 === 0 ? [] : [0.93]]);
    expect(feed(rules, steady)).to.deep.equal([]);
    // Leaves after the face frame at 3800: absence counts from there (the last time it was seen).
    const out = feed(rules, frames(4000, 6, []));
    expect(out).to.deep.equal([{ kind: 'absence', durationMs: 1000, confidence: 1 }]);
  });

  it('counts presence at the calibrated confidence when a calibration measured the candidate', () => {
    expect(presenceConfidence({ minFaceConfidence: 0.5, calibration: null })).to.equal(0.5);
    expect(presenceConfidence({ minFaceConfidence: 0.5, calibration: { faceConfidence: 0.93 } })).to.equal(0.68);
    expect(presenceConfidence({ minFaceConfidence: 0.5, calibration: { faceConfidence: 0.6 } })).to.equal(0.5);
    const rules = new FaceRules({ ...config, presenceConfidence: 0.68 });
    // A steady 0.6 is a face for MULTIPLE_FACE purposes, but not the calibrated candidate.
    expect(feed(rules, frames(0, 6, [0.6]))).to.deep.equal([{ kind: 'absence', durationMs: 1000, confidence: 0.4 }]);
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
