import { expect } from '@open-wc/testing';
import { EyeEvent, type FlagData } from '../events.js';
import { devtoolsDetector, devtoolsLikelyOpen } from './devtools.js';
import { CountingTarget, collect, detectorContext } from './test-helpers.js';

/**
 * A window whose sizes the test sets: headless Chromium has no devtools panel to open, so the
 * heuristic's input (outer vs inner size) is the edge we control. Timers are the real ones.
 */
class SizedWindow extends CountingTarget {
  outerWidth = 1280;
  outerHeight = 800;
  innerWidth = 1280;
  innerHeight = 720;
  devicePixelRatio = 1;
  timers = new Set<number>();
  setInterval(fn: () => void, ms: number) {
    const id = window.setInterval(fn, ms);
    this.timers.add(id);
    return id;
  }
  clearInterval(id: number) {
    window.clearInterval(id);
    this.timers.delete(id);
  }
  resize(innerWidth: number, innerHeight: number) {
    this.innerWidth = innerWidth;
    this.innerHeight = innerHeight;
    this.dispatchEvent(new Event('resize'));
  }
}

describe('devtools detector (heuristic)', () => {
  it('judges a docked panel by the gap between outer and inner size, zoom aware', () => {
    const base = { outerWidth: 1280, outerHeight: 800, innerWidth: 1280, innerHeight: 720, devicePixelRatio: 1 };
    expect(devtoolsLikelyOpen(base)).to.equal(false);
    expect(devtoolsLikelyOpen({ ...base, innerWidth: 800 })).to.equal(true); // docked right
    expect(devtoolsLikelyOpen({ ...base, innerHeight: 400 })).to.equal(true); // docked bottom
    // 200 % page zoom halves the CSS viewport without any panel.
    expect(devtoolsLikelyOpen({ ...base, innerWidth: 640, innerHeight: 360, devicePixelRatio: 2 })).to.equal(false);
  });

  it('emits one DEVTOOLS_OPEN per episode and cleans up', () => {
    const win = new SizedWindow();
    const rec = collect(devtoolsDetector(detectorContext({ window: win as unknown as Window })));
    expect(rec.emissions).to.have.length(0);
    win.resize(700, 720);
    win.resize(690, 720);
    win.resize(1280, 720);
    win.resize(1280, 300);
    rec.stop();
    expect(rec.types()).to.deep.equal([EyeEvent.DEVTOOLS_OPEN, EyeEvent.DEVTOOLS_OPEN]);
    expect(rec.emissions.map((e) => (e.payload as FlagData).details?.countThisSession)).to.deep.equal([1, 2]);
    expect(win.listeners).to.equal(0);
    expect(win.timers.size).to.equal(0);
  });

  it('is off by default', async () => {
    const { createDetectors } = await import('./index.js');
    const { DEFAULT_CONFIG } = await import('../config.js');
    const config = { ...DEFAULT_CONFIG, examId: 'e', candidateId: 'c' };
    expect(createDetectors(config)).to.not.include(devtoolsDetector);
    expect(createDetectors({ ...config, devtools: true })).to.include(devtoolsDetector);
  });
});
