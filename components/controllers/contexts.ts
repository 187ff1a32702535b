import { createContext } from '@lit/context';
import type { Observable } from 'rxjs';
import type { EyeConfig } from '../../src/config.js';
import type { EyeEventSink } from '../../src/event-bus.js';
import type { EyeEmission } from '../../src/events.js';

/*
 * Services <eye-proctor> provides to the elements inside it (light DOM children such as
 * <eye-camera-preview> and <eye-system-check>). Consume with `@consume({ context, subscribe: true })`
 * or `new ContextConsumer(this, { context, subscribe: true })`. String keys (not Symbols) so two
 * copies of this module (e.g. bundle + ESM) still match.
 */

/** The camera/microphone stream while monitoring runs; null before `start()` and after `end()`. */
export const mediaStreamContext = createContext<MediaStream | null>('eye-proctor/media-stream');

/** The validated config after `init()`; null before. */
export const configContext = createContext<EyeConfig | null>('eye-proctor/config');

/** Every event of the widget, as one hot Observable. */
export const eventsContext = createContext<Observable<EyeEmission>>('eye-proctor/events');

/** Puts events on the widget's bus (children such as <eye-system-check> emit their own events). */
export const eventSinkContext = createContext<EyeEventSink>('eye-proctor/event-sink');
