import { expect } from '@open-wc/testing';
import { executeServerCommand, sendMouse } from '@web/test-runner-commands';
import { EyeEvent, type EventPayloadMap, type FlagData } from '../events.js';
import { tabFocusDetector } from './tab-focus.js';
import { CountingTarget, collect, detectorContext } from './test-helpers.js';

/** A document whose visibility/focus the test sets, for what headless Chromium cannot do (hide a tab). */
class ControlledDocument extends CountingTarget {
  visibilityState: DocumentVisibilityState = 'visible';
  focused = true;
  hasFocus() {
    return this.focused;
  }
}

describe('tab focus detector', () => {
  it('a real switch to another page gives TAB_FOCUS_CHANGE false, TAB_NOT_FOCUS, then TAB_FOCUS_CHANGE true with awayMs', async () => {
    const rec = collect(tabFocusDetector(detectorContext()));
    try {
      const { awayMs } = await executeServerCommand<{ awayMs: number }, { awayMs: number }>('eye-switch-tab', { awayMs: 300 });
      expect(rec.types()).to.deep.equal([EyeEvent.TAB_FOCUS_CHANGE, EyeEvent.TAB_NOT_FOCUS, EyeEvent.TAB_FOCUS_CHANGE]);
      const [lost, flag, back] = rec.emissions.map((e) => e.payload);
      expect(lost).to.deep.equal({ focused: false });
      const f = flag as FlagData;
      expect(f.type).to.equal(EyeEvent.TAB_NOT_FOCUS);
      expect(f).to.include({ examId: 'exam-t', candidateId: 'cand-t', sessionId: 'sess-t' });
      expect(f.id).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(new Date(f.createdAt).toISOString()).to.equal(f.createdAt);
      expect(f.details?.countThisSession).to.equal(1);
      const ret = back as EventPayloadMap[EyeEvent.TAB_FOCUS_CHANGE];
      expect(ret.focused).to.equal(true);
      // The other page held focus for at least `awayMs` (the command waits after focus was lost).
      expect(ret.awayMs).to.be.at.least(awayMs);
      // The return names the flag it closes, so the relay can record the away time on it.
      expect(ret.flagId).to.equal(f.id);
    } finally {
      rec.stop();
    }
  });

  it('counts switches within a session and gives each flag its own id', async () => {
    const rec = collect(tabFocusDetector(detectorContext()));
    await executeServerCommand('eye-switch-tab', { awayMs: 50 });
    await executeServerCommand('eye-switch-tab', { awayMs: 50 });
    rec.stop();
    const flags = rec.emissions.filter((e) => e.type === EyeEvent.TAB_NOT_FOCUS).map((e) => e.payload);
    expect(flags.map((f) => f.details?.countThisSession)).to.deep.equal([1, 2]);
    expect(flags[0]!.id).to.not.equal(flags[1]!.id);
  });

  it('stops listening when unsubscribed: a real switch afterwards emits nothing', async () => {
    const rec = collect(tabFocusDetector(detectorContext()));
    rec.stop();
    await executeServerCommand('eye-switch-tab', { awayMs: 50 });
    expect(rec.emissions).to.have.length(0);
  });

  it('focus moving into an iframe of the exam page (window blur) is not a tab switch', async () => {
    const frame = document.createElement('iframe');
    frame.title = 'exam content';
    frame.srcdoc = '<input aria-label="answer" style="width:200px;height:40px">';
    frame.style.cssText = 'width:300px;height:100px';
    document.body.prepend(frame);
    await new Promise((resolve) => { frame.addEventListener('load', resolve, { once: true }); });
    let blurs = 0;
    const onBlur = () => blurs++;
    window.addEventListener('blur', onBlur);
    const rec = collect(tabFocusDetector(detectorContext()));
    try {
      const r = frame.getBoundingClientRect();
      await sendMouse({ type: 'click', position: [Math.round(r.x + 50), Math.round(r.y + 20)] });
      expect(frame.contentDocument!.activeElement!.tagName).to.equal('INPUT');
      expect(blurs, 'the top window did blur').to.equal(1);
      expect(rec.emissions).to.have.length(0);
    } finally {
      rec.stop();
      window.removeEventListener('blur', onBlur);
      frame.remove();
    }
  });

  it('reduces overlapping visibilitychange + blur to one loss, and removes every listener', () => {
    const doc = new ControlledDocument();
    const win = new CountingTarget();
    const ctx = detectorContext({ document: doc as unknown as Document, window: win as unknown as Window });
    const rec = collect(tabFocusDetector(ctx));
    expect(doc.listeners + win.listeners).to.equal(3);

    // Switching tabs: the window blurs and the document becomes hidden.
    doc.focused = false;
    win.dispatchEvent(new Event('blur'));
    doc.visibilityState = 'hidden';
    doc.dispatchEvent(new Event('visibilitychange'));
    // Back: visible first, focus a moment later.
    doc.visibilityState = 'visible';
    doc.dispatchEvent(new Event('visibilitychange'));
    doc.focused = true;
    win.dispatchEvent(new Event('focus'));

    expect(rec.types()).to.deep.equal([EyeEvent.TAB_FOCUS_CHANGE, EyeEvent.TAB_NOT_FOCUS, EyeEvent.TAB_FOCUS_CHANGE]);
    expect(rec.emissions[2]!.payload).to.have.property('focused', true);

    // Hidden alone (e.g. minimized while focus stays) is a loss too.
    doc.visibilityState = 'hidden';
    doc.dispatchEvent(new Event('visibilitychange'));
    expect(rec.types().filter((t) => t === EyeEvent.TAB_NOT_FOCUS)).to.have.length(2);

    rec.stop();
    expect(doc.listeners + win.listeners).to.equal(0);
  });

  it('reports a page that is already unfocused when monitoring starts', () => {
    const doc = new ControlledDocument();
    doc.focused = false;
    const ctx = detectorContext({ document: doc as unknown as Document, window: new CountingTarget() as unknown as Window });
    const rec = collect(tabFocusDetector(ctx));
    rec.stop();
    expect(rec.types()).to.deep.equal([EyeEvent.TAB_FOCUS_CHANGE, EyeEvent.TAB_NOT_FOCUS]);
  });
});
