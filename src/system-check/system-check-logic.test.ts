import { expect } from '@open-wc/testing';
import { rmsDbfs, SILENCE_DB } from './audio-level.js';
import { detectBrowser } from './browser-info.js';
import { deriveSoundThreshold, lightingWarningFor } from './calibration.js';
import { describeMediaError } from './device-access.js';
import { toSystemCheck } from './run.js';
import { median, percentile } from './stats.js';

describe('system-check logic', () => {
  it('derives the sound threshold: never below the base, at most maxRaise above it', () => {
    expect(deriveSoundThreshold(-70, -30, 10, 15)).to.equal(-30); // quiet room keeps the default
    expect(deriveSoundThreshold(-35, -30, 10, 15)).to.equal(-25); // p90 + margin
    expect(deriveSoundThreshold(-5, -30, 10, 15)).to.equal(-15); // loud room: capped
    expect(deriveSoundThreshold(-5, -10, 10, 15)).to.equal(0); // never above full scale
  });

  it('measures levels in dBFS', () => {
    expect(rmsDbfs(new Float32Array(1024))).to.equal(SILENCE_DB);
    expect(rmsDbfs(new Float32Array(1024).fill(1))).to.be.closeTo(0, 1e-9);
    const sine = Float32Array.from({ length: 4800 }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 440 * i) / 48000));
    expect(rmsDbfs(sine)).to.be.closeTo(20 * Math.log10(0.5 / Math.SQRT2), 0.05); // -9.03 dBFS
  });

  it('uses robust statistics', () => {
    expect(median([5, 1, 3])).to.equal(3);
    expect(percentile([0, 10], 90)).to.equal(9);
    expect(Number.isNaN(percentile([], 50))).to.equal(true);
  });

  it('recognises browsers from their user-agent strings', () => {
    const chrome = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
    const edge = `${chrome} Edg/131.0.2903.86`;
    const firefox = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14.1; rv:133.0) Gecko/20100101 Firefox/133.0';
    const safari = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Safari/605.1.15';
    expect(detectBrowser(chrome)).to.deep.equal({ family: 'chrome', name: 'Chrome', major: 131 });
    expect(detectBrowser(edge)).to.deep.equal({ family: 'edge', name: 'Edge', major: 131 });
    expect(detectBrowser(firefox)).to.deep.equal({ family: 'firefox', name: 'Firefox', major: 133 });
    expect(detectBrowser(safari)).to.deep.equal({ family: 'safari', name: 'Safari', major: 17 });
    expect(detectBrowser('curl/8').family).to.equal('other');
  });

  it('explains getUserMedia errors per browser', () => {
    const denied = new DOMException('Permission denied', 'NotAllowedError');
    expect(describeMediaError(denied, 'camera', 'firefox').fix).to.contain('crossed-out camera icon');
    expect(describeMediaError(denied, 'camera', 'safari').fix).to.contain('Settings for This Website');
    expect(describeMediaError(denied, 'microphone', 'chrome').fix).to.contain('Site settings › Microphone');
    expect(describeMediaError(new DOMException('x', 'NotReadableError'), 'camera', 'chrome').reason).to.equal('device-busy');
    expect(describeMediaError(new DOMException('x', 'NotFoundError'), 'microphone', 'chrome').message).to.equal('No microphone was found.');
  });

  it('warns about lighting in words', () => {
    const o = { minFaceConfidence: 0.7, minBrightness: 50, maxBrightness: 215 };
    expect(lightingWarningFor(20, 0.9, 1, o)).to.match(/too dark/);
    expect(lightingWarningFor(240, 0.9, 1, o)).to.match(/too bright/);
    expect(lightingWarningFor(120, 0, 0, o)).to.match(/not found/);
    expect(lightingWarningFor(120, 0.55, 1, o)).to.match(/hard to recognise/);
    expect(lightingWarningFor(120, 0.92, 1, o)).to.equal(null);
    expect(lightingWarningFor(null, null, null, o)).to.equal(null);
  });

  it('folds running into default in the SystemCheck payload', () => {
    const p = toSystemCheck(
      [
        { name: 'webcam', state: 'success', outcome: null },
        { name: 'microphone', state: 'running', outcome: null },
      ],
      new Date('2026-01-01T00:00:00Z'),
    );
    expect(p).to.deep.equal({
      success: false,
      timestamp: '2026-01-01T00:00:00.000Z',
      data: [
        { name: 'webcam', status: 'success', finished: true },
        { name: 'microphone', status: 'default', finished: false },
      ],
    });
  });
});
