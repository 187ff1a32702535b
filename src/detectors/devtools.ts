import { Observable } from 'rxjs';
import { Event as EyeEvent, type EyeEmission } from '../events.js';
import type { Detector, DetectorContext } from './types.js';

/** Browser chrome (toolbars, scrollbars) rarely exceeds this; a docked devtools panel does. */
export const DEVTOOLS_GAP_PX = 160;
const POLL_MS = 1000;

/** True when the window's outer size exceeds its viewport by more than a docked panel's worth. */
export function devtoolsLikelyOpen(win: Pick<Window, 'outerWidth' | 'outerHeight' | 'innerWidth' | 'innerHeight' | 'devicePixelRatio'>): boolean {
  // outer* is in screen pixels, inner* in CSS pixels: scale by zoom so page zoom is not mistaken for a panel.
  const zoom = win.devicePixelRatio || 1;
  const gapW = win.outerWidth - win.innerWidth * zoom;
  const gapH = win.outerHeight - win.innerHeight * zoom;
  return gapW > DEVTOOLS_GAP_PX || gapH > DEVTOOLS_GAP_PX;
}

/**
 * Developer tools, by HEURISTIC; off by default (`devtools: true` turns it on).
 *
 * It compares the window's outer size with its viewport: a panel docked to the side or bottom
 * takes viewport space. Limits, by design of the web platform (no API says "devtools open"):
 * - undocked (separate window) devtools are not seen;
 * - a large browser sidebar, an OS-level zoom that differs from devicePixelRatio, or a
 *   window partly off-screen can look like a panel (false positive);
 * - headless browsers and some mobile browsers report sizes that make it meaningless.
 * It never uses `debugger`-timing tricks, which would freeze the candidate's page.
 * One DEVTOOLS_OPEN flag per episode (panel appears, then disappears, then appears again = 2).
 */
export const devtoolsDetector: Detector = (ctx: DetectorContext) =>
  new Observable<EyeEmission>((subscriber) => {
    const win = ctx.window;
    let open = false;
    const check = () => {
      const now = devtoolsLikelyOpen(win);
      if (now === open) return;
      open = now;
      if (!now) return;
      subscriber.next({
        type: EyeEvent.DEVTOOLS_OPEN,
        payload: ctx.flag(EyeEvent.DEVTOOLS_OPEN),
      });
    };
    win.addEventListener('resize', check);
    const timer = win.setInterval(check, POLL_MS);
    check();
    return () => {
      win.removeEventListener('resize', check);
      win.clearInterval(timer);
    };
  });
