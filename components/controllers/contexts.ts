import { createContext } from '@lit/context';
import type { Observable } from 'rxjs';
import type { EyeConfig } from '../../src/config.js';
import type { EyeEventSink } from '../../src/event-bus.js';
import type { EyeEmission } from '../../src/events.js';
import type { WidgetState } from '../../src/widget-state.js';

/*
 * Services <eye-proctor> provides to the elements inside it (light DOM children such as
 * <eye-camera-preview> and <eye-system-check>). Consume with
 * `new ContextConsumer(this, { context, subscribe: true })` (the one way the widget's elements do);
 * Observables it gives are followed with ObservableController. String keys (not Symbols) so two
 * copies of this module (e.g. bundle + ESM) still match.
 */

/** The camera/microphone stream while monitoring runs; null before `start()` and after `end()`. */
export const mediaStreamContext = createContext<MediaStream | null>('eye-proctor/media-stream');

/** The validated config after `init()`; null before. */
export const configContext = createContext<EyeConfig | null>('eye-proctor/config');

/** The widget's state (phase, config, last warning), read-only: replays the current state, then every change. */
export const widgetStateContext = createContext<Observable<WidgetState>>('eye-proctor/state');

/** Every event of the widget, as one hot Observable. */
export const eventsContext = createContext<Observable<EyeEmission>>('eye-proctor/events');

/** Puts events on the widget's bus (children such as <eye-system-check> emit their own events). */
export const eventSinkContext = createContext<EyeEventSink>('eye-proctor/event-sink');

/**
 * The consent step of <eye-proctor>: children that open devices (e.g. <eye-system-check>) call
 * `ensure()` first; it resolves 'given' once the candidate agreed (asking at most once).
 */
export interface ConsentGate {
  ensure(): Promise<'given' | 'declined' | 'cancelled'>;
}
export const consentContext = createContext<ConsentGate>('eye-proctor/consent');
