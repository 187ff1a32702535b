import type { Observable } from 'rxjs';
import type { EyeConfig } from '../config.js';
import type { EyeEmission, FlagData, FlagDetails, FlagEvent } from '../events.js';

/** What every detector gets from the widget when monitoring starts. */
export interface DetectorContext {
  config: EyeConfig;
  /** Builds a complete FlagData (unique id, createdAt, examId, candidateId, sessionId). */
  flag(type: FlagEvent, description?: string, details?: FlagDetails): FlagData;
  /** Camera + microphone stream acquired by <eye-proctor> (or injected); null when not used. */
  media: MediaStream | null;
  /** The page being monitored; detectors never reach for globals so tests can isolate them. */
  window: Window;
  document: Document;
}

/**
 * A detector is a cold RxJS stream: subscribing starts it, unsubscribing stops it and releases
 * whatever it holds (listeners, timers, audio graphs). It never completes on its own while
 * monitoring is on.
 */
export type Detector = (ctx: DetectorContext) => Observable<EyeEmission>;
