import { BehaviorSubject, type Observable } from 'rxjs';
import type { EyeConfig } from './config.js';
import { Event, isFlagEvent, type EyeEmission, type FlagEvent } from './events.js';

/** Where the widget is in its life: init() -> ready, start() -> consent (the step is shown) -> starting -> running, end() -> ended. */
export type ProctorPhase = 'idle' | 'ready' | 'consent' | 'starting' | 'running' | 'paused' | 'ended';

/** What the candidate's indicator says. */
export type MonitoringState = 'off' | 'on' | 'paused';

/** The last flag the candidate was warned about. */
export interface CandidateWarning {
  type: FlagEvent;
  at: Date;
}

/** Everything `<eye-proctor>` shows and decides on, in one place. */
export interface WidgetState {
  phase: ProctorPhase;
  /** The validated config after `init()`; null before. */
  config: EyeConfig | null;
  /** Last warning shown to the candidate since STARTED. */
  lastWarning: CandidateWarning | null;
  /** Whether the page was in fullscreen at the last FULLSCREEN_CHANGE (null before any). */
  fullscreen: boolean | null;
}

/** Flags that are evidence, not warnings, and are not shown to the candidate. */
const SILENT_FLAGS = new Set<Event>([Event.PERIODIC_SNAPSHOT, Event.IDENTITY_ENROLLED]);

/** The indicator's state for a phase: on while running, paused while paused, off otherwise. */
export function monitoringOf(phase: ProctorPhase): MonitoringState {
  return phase === 'running' ? 'on' : phase === 'paused' ? 'paused' : 'off';
}

/** True between start() and end() (the consent step and opening devices included). */
export function isActive(phase: ProctorPhase): boolean {
  return phase === 'consent' || phase === 'starting' || phase === 'running' || phase === 'paused';
}

/**
 * The widget's one state. Only the widget writes it (phase, config) and feeds it its own events
 * (warnings, fullscreen); everyone else reads `state$`, which replays the current state.
 */
export class WidgetStore {
  readonly #state = new BehaviorSubject<WidgetState>({ phase: 'idle', config: null, lastWarning: null, fullscreen: null });
  /** The current state, then every change. */
  readonly state$: Observable<WidgetState> = this.#state.asObservable();

  get value(): WidgetState {
    return this.#state.value;
  }

  set(patch: Partial<WidgetState>): void {
    this.#state.next({ ...this.#state.value, ...patch });
  }

  /** Folds one of the widget's own events into the state. */
  apply(e: EyeEmission): void {
    if (e.type === Event.STARTED) this.set({ lastWarning: null });
    else if (e.type === Event.FULLSCREEN_CHANGE) this.set({ fullscreen: e.payload.fullscreen });
    else if (isFlagEvent(e.type) && !SILENT_FLAGS.has(e.type)) this.set({ lastWarning: { type: e.type, at: new Date() } });
  }
}
