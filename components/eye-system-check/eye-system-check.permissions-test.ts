/**
 * Runs in the `permissions-denied` wtr group: Chromium without --use-fake-ui-for-media-stream, so
 * every camera/microphone prompt is denied like a candidate clicking "Block".
 */
import { expect, fixture, html } from '@open-wc/testing';
import { relayUrl } from '../../test/e2e/relay-commands.js';
import { Event as EyeEvent, type SystemCheck } from '../../src/events.js';
import './define.js';
import type { EyeSystemCheck } from './eye-system-check.js';

describe('<eye-system-check> with camera and microphone blocked', function () {
  this.timeout(60_000);

  it('this browser really denies getUserMedia (precondition)', async () => {
    const err = await navigator.mediaDevices.getUserMedia({ video: true }).then(
      (s) => {
        for (const t of s.getTracks()) t.stop();
        return null;
      },
      (e: unknown) => (e instanceof DOMException ? e : null),
    );
    expect(err?.name).to.equal('NotAllowedError');
  });

  it('fails webcam and microphone with "blocked" and how to unblock in Chrome; success is false', async () => {
    const url = await relayUrl();
    const el = await fixture<EyeSystemCheck>(html`<eye-system-check consent="external" relay-url=${url}></eye-system-check>`);
    const events: SystemCheck[] = [];
    el.addEventListener(EyeEvent.SYSTEM_CHECK_COMPLETED, (e) => events.push(e.detail));
    const result = await el.run();
    expect(events).to.deep.equal([result]);
    expect(result.success).to.equal(false);
    expect(result.data).to.deep.equal([
      { name: 'webcam', status: 'failed', finished: true },
      { name: 'microphone', status: 'failed', finished: true },
      { name: 'browser', status: 'success', finished: true },
      { name: 'internetSpeed', status: 'success', finished: true },
    ]);
    const { webcam, microphone } = el.outcomes;
    expect(webcam!.reason).to.equal('permission-denied');
    expect(webcam!.message).to.equal('Camera access is blocked for this site.');
    expect(webcam!.fix).to.contain('Site settings › Camera');
    expect(microphone!.reason).to.equal('permission-denied');
    expect(microphone!.message).to.equal('Microphone access is blocked for this site.');
    await el.updateComplete;
    const row = el.shadowRoot!.querySelector<HTMLElement>('[data-check="webcam"]')!;
    expect(row.dataset.state).to.equal('failed');
    expect(row.querySelector('.message')!.textContent).to.equal('Camera access is blocked for this site.');
    expect(row.querySelector('[part~="fix"]')!.textContent).to.contain('How to fix:');
    expect(row.querySelector('[part~="retry-button"]')).to.not.equal(null);
    expect(el.shadowRoot!.querySelector('[part~="summary"]')!.textContent).to.contain('Needs attention: Camera and Microphone.');
    await expect(el).to.be.accessible();
  });

  it('calibration explains that it needs the microphone', async () => {
    const el = await fixture<EyeSystemCheck>(html`<eye-system-check consent="external" with-calibration></eye-system-check>`);
    const err = await el.calibrate().then(
      () => null,
      (e: unknown) => (e instanceof Error ? e : null),
    );
    expect(err?.name).to.equal('NotAllowedError');
    await el.updateComplete;
    expect(el.shadowRoot!.querySelector('.calibration .fix')!.textContent).to.contain('Calibration needs the microphone');
    await expect(el).to.be.accessible();
  });
});
