import { Observable } from 'rxjs';
import { Event as EyeEvent, type EyeEmission } from '../events.js';
import type { Detector, DetectorContext } from './types.js';

/** True when the candidate is looking at this page: tab visible and window focused. */
export function pageIsFocused(doc: Document): boolean {
  return doc.visibilityState === 'visible' && doc.hasFocus();
}

/**
 * Tab / window focus. `visibilitychange`, `blur` and `focus` overlap (switching tabs fires both
 * blur and visibilitychange), so every signal is reduced to one boolean and only changes count:
 * one loss gives TAB_FOCUS_CHANGE {focused:false} + one TAB_NOT_FOCUS flag; the return gives
 * TAB_FOCUS_CHANGE {focused:true, awayMs, flagId} (flagId names the TAB_NOT_FOCUS it closes, so the
 * relay can record the away time on that flag). The flag factory numbers the losses in `details.countThisSession`.
 *
 * The state when monitoring starts is the baseline: if the page is already unfocused then, that is
 * reported as a loss right away (the candidate is not on the exam).
 */
export const tabFocusDetector: Detector = (ctx: DetectorContext) =>
  new Observable<EyeEmission>((subscriber) => {
    const { window: win, document: doc } = ctx;
    let focused = true;
    let lostAt = 0;
    let lostFlagId: string | undefined;

    const update = () => {
      const now = pageIsFocused(doc);
      if (now === focused) return;
      focused = now;
      if (!now) {
        lostAt = performance.now();
        subscriber.next({ type: EyeEvent.TAB_FOCUS_CHANGE, payload: { focused: false } });
        const flag = ctx.flag(EyeEvent.TAB_NOT_FOCUS);
        lostFlagId = flag.id;
        subscriber.next({ type: EyeEvent.TAB_NOT_FOCUS, payload: flag });
      } else {
        const awayMs = Math.max(1, Math.round(performance.now() - lostAt));
        subscriber.next({ type: EyeEvent.TAB_FOCUS_CHANGE, payload: { focused: true, awayMs, flagId: lostFlagId } });
      }
    };

    doc.addEventListener('visibilitychange', update);
    win.addEventListener('blur', update);
    win.addEventListener('focus', update);
    update();
    return () => {
      doc.removeEventListener('visibilitychange', update);
      win.removeEventListener('blur', update);
      win.removeEventListener('focus', update);
    };
  });
