import { expect } from '@open-wc/testing';
import { SoundRules, type SoundDecision } from './sound-rules.js';

const config = { thresholdDb: -30, soundMinMs: 500, soundPreRollMs: 1000, soundClipMaxMs: 5000, hangoverMs: 300 };

function feed(rules: SoundRules, samples: [number, number][]): SoundDecision[] {
  return samples.flatMap(([t, db]) => rules.update(db, t));
}
const ramp = (from: number, to: number, db: number, step = 50): [number, number][] =>
  Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, i) => [from + i * step, db]);

describe('SoundRules', () => {
  it('starts after soundMinMs above threshold and ends after the hangover with peak and duration', () => {
    const rules = new SoundRules(config);
    expect(feed(rules, ramp(0, 450, -20))).to.deep.equal([]);
    expect(feed(rules, [[500, -12]])).to.deep.equal([{ kind: 'start', onsetAt: 0 }]);
    expect(feed(rules, ramp(550, 1200, -25))).to.deep.equal([]);
    expect(feed(rules, ramp(1250, 1500, -60))).to.deep.equal([]);
    expect(feed(rules, [[1550, -60]])).to.deep.equal([{ kind: 'end', peakDb: -12, durationMs: 1200 }]);
  });

  it('ignores silence and sounds shorter than soundMinMs', () => {
    const rules = new SoundRules(config);
    expect(feed(rules, ramp(0, 3000, -70))).to.deep.equal([]);
    expect(feed(rules, [...ramp(3050, 3400, -10), ...ramp(3450, 5000, -70)])).to.deep.equal([]);
  });

  it('bridges short dips (speech) but not long ones', () => {
    const rules = new SoundRules(config);
    const out = feed(rules, [...ramp(0, 300, -20), ...ramp(350, 500, -50), ...ramp(550, 700, -20)]);
    expect(out).to.deep.equal([{ kind: 'start', onsetAt: 0 }]);
  });

  it('ends when the clip (pre-roll + sound) reaches soundClipMaxMs, then starts a new episode', () => {
    const rules = new SoundRules(config);
    const out = feed(rules, ramp(0, 6000, -20));
    expect(out[0]).to.deep.equal({ kind: 'start', onsetAt: 0 });
    expect(out[1]).to.deep.equal({ kind: 'end', peakDb: -20, durationMs: 4000 });
    expect(out[2]).to.deep.equal({ kind: 'start', onsetAt: 4050 });
  });

  it('counts a level exactly at the threshold as above', () => {
    const rules = new SoundRules(config);
    expect(feed(rules, ramp(0, 500, -30))).to.deep.equal([{ kind: 'start', onsetAt: 0 }]);
  });
});
