import { expect, waitUntil } from '@open-wc/testing';
import { sendMouse } from '@web/test-runner-commands';
import { EyeEvent, type FlagData } from '../events.js';
import { fullscreenDetector } from './fullscreen.js';
import { collect, detectorContext } from './test-helpers.js';

/** Fullscreen transitions on a loaded machine can take seconds: wait for the outcome, not a tight window. */
const GENEROUS = { timeout: 20_000 };

/** Clicks the middle of `el` with the real mouse (a user gesture, as requestFullscreen needs). */
export async function realClick(el: Element): Promise<void> {
  const r = el.getBoundingClientRect();
  await sendMouse({ type: 'click', position: [Math.round(r.x + r.width / 2), Math.round(r.y + r.height / 2)] });
}

/** Enters fullscreen for real: a button whose click handler asks for it, clicked with the mouse. */
export async function enterFullscreenByClick(): Promise<void> {
  const button = document.createElement('button');
  button.textContent = 'Fullscreen';
  button.addEventListener('click', () => void document.documentElement.requestFullscreen());
  document.body.prepend(button);
  try {
    await realClick(button);
    await waitUntil(() => document.fullscreenElement !== null, 'fullscreen was not entered', { timeout: 5000 });
  } finally {
    button.remove();
  }
}

describe('fullscreen detector', function () {
  this.timeout(120_000); // several transitions, each given GENEROUS time
  afterEach(async () => {
    if (document.fullscreenElement) await document.exitFullscreen();
  });

  it('sees a real enter and exit: FULLSCREEN_CHANGE both ways and an EXIT_FULLSCREEN flag', async () => {
    const rec = collect(fullscreenDetector(detectorContext()));
    try {
      await enterFullscreenByClick();
      await waitUntil(() => rec.emissions.length === 1, 'no FULLSCREEN_CHANGE on enter', GENEROUS);
      // Leave fullscreen for real. (Escape, the candidate's usual way out, is handled by browser UI
      // that headless Chromium does not have, so the page API does it here.)
      await document.exitFullscreen();
      await waitUntil(() => rec.emissions.length === 3, 'no events on exit', GENEROUS);
      expect(rec.types()).to.deep.equal([EyeEvent.FULLSCREEN_CHANGE, EyeEvent.FULLSCREEN_CHANGE, EyeEvent.EXIT_FULLSCREEN]);
      expect(rec.emissions[0]!.payload).to.deep.equal({ fullscreen: true });
      expect(rec.emissions[1]!.payload).to.deep.equal({ fullscreen: false });
      const flag = rec.emissions[2]!.payload as FlagData;
      expect(flag).to.include({ type: EyeEvent.EXIT_FULLSCREEN, examId: 'exam-t', candidateId: 'cand-t' });
      expect(flag.details?.countThisSession).to.equal(1);
      expect(flag.details?.durationMs).to.be.a('number').and.at.least(0);
    } finally {
      rec.stop();
    }
  });

  it('numbers exits and stops listening when unsubscribed', async () => {
    const rec = collect(fullscreenDetector(detectorContext()));
    const entered = () => rec.emissions.filter((e) => e.type === EyeEvent.FULLSCREEN_CHANGE && (e.payload).fullscreen).length;
    for (let i = 0; i < 2; i++) {
      await enterFullscreenByClick();
      // Leave only once the detector has seen the enter: an enter and exit within one frame reach the
      // page as change events that both read fullscreenElement === null.
      await waitUntil(() => entered() === i + 1, 'no FULLSCREEN_CHANGE on enter', GENEROUS);
      await document.exitFullscreen();
      await waitUntil(() => rec.emissions.filter((e) => e.type === EyeEvent.EXIT_FULLSCREEN).length === i + 1, 'no EXIT_FULLSCREEN', GENEROUS);
    }
    rec.stop();
    const counts = rec.emissions
      .filter((e) => e.type === EyeEvent.EXIT_FULLSCREEN)
      .map((e) => (e.payload).details?.countThisSession);
    expect(counts).to.deep.equal([1, 2]);

    const before = rec.emissions.length;
    await enterFullscreenByClick();
    await document.exitFullscreen();
    await waitUntil(() => document.fullscreenElement === null, 'fullscreen was not left', GENEROUS);
    expect(rec.emissions).to.have.length(before);
  });
});
