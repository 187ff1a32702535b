import type { Observable } from 'rxjs';
import { DEFAULT_CONFIG, type EyeConfig } from '../config.js';
import type { EyeEmission } from '../events.js';
import { createFlagFactory } from '../flags.js';
import type { DetectorContext } from './types.js';

/** A detector context on the real page (or the given window/document), as <eye-proctor> builds it. */
export function detectorContext(overrides: Partial<DetectorContext> = {}, config: Partial<EyeConfig> = {}): DetectorContext {
  const full: EyeConfig = { ...DEFAULT_CONFIG, examId: 'exam-t', candidateId: 'cand-t', sessionId: 'sess-t', ...config };
  return {
    config: full,
    flag: createFlagFactory(full),
    media: null,
    window,
    document,
    ...overrides,
  };
}

/** Subscribes `stream` and collects what it emits until `stop()`. */
export function collect(stream: Observable<EyeEmission>) {
  const emissions: EyeEmission[] = [];
  const sub = stream.subscribe((e) => emissions.push(e));
  return { emissions, stop: () => { sub.unsubscribe(); }, types: () => emissions.map((e) => e.type) };
}

/** An EventTarget that counts its live listeners, to prove a detector removes every one. */
export class CountingTarget extends EventTarget {
  listeners = 0;
  override addEventListener(...args: Parameters<EventTarget['addEventListener']>): void {
    this.listeners += 1;
    super.addEventListener(...args);
  }
  override removeEventListener(...args: Parameters<EventTarget['removeEventListener']>): void {
    this.listeners -= 1;
    super.removeEventListener(...args);
  }
}
