import { Observable } from 'rxjs';
import { Event as EyeEvent, type EyeEmission } from '../events.js';
import type { Detector, DetectorContext } from './types.js';

export function isFullscreen(doc: Document): boolean {
  // Older Safari has no unprefixed fullscreenElement (undefined): not fullscreen as far as we can tell.
  const d: { fullscreenElement?: Element | null } = doc;
  return d.fullscreenElement !== null && d.fullscreenElement !== undefined;
}

/**
 * Fullscreen. Every toggle gives FULLSCREEN_CHANGE {fullscreen}; leaving fullscreen also gives an
 * EXIT_FULLSCREEN flag with `details.countThisSession` and how long fullscreen lasted
 * (`details.durationMs`). Starting outside fullscreen is not a flag: the exam decides whether
 * fullscreen is required (`requireFullscreen` makes <eye-proctor> ask for it).
 */
export const fullscreenDetector: Detector = (ctx: DetectorContext) =>
  new Observable<EyeEmission>((subscriber) => {
    const doc = ctx.document;
    let fullscreen = isFullscreen(doc);
    let enteredAt = fullscreen ? performance.now() : 0;

    const onChange = () => {
      const now = isFullscreen(doc);
      if (now === fullscreen) return;
      fullscreen = now;
      subscriber.next({ type: EyeEvent.FULLSCREEN_CHANGE, payload: { fullscreen: now } });
      if (now) {
        enteredAt = performance.now();
        return;
      }
      const durationMs = Math.round(performance.now() - enteredAt);
      subscriber.next({
        type: EyeEvent.EXIT_FULLSCREEN,
        payload: ctx.flag(EyeEvent.EXIT_FULLSCREEN, undefined, { durationMs }),
      });
    };

    doc.addEventListener('fullscreenchange', onChange);
    return () => { doc.removeEventListener('fullscreenchange', onChange); };
  });
