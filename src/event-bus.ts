import { Observable, Subject, filter, map } from 'rxjs';
import type { Event as EyeEvent, EventName, EventPayloadByName, EventPayloadMap, EyeEmission } from './events.js';

/** Callback registered with `on()`; receives the event's payload (`K`: 'FACE_ABSENCE' or EyeEvent.FACE_ABSENCE). */
export type EyeListener<K extends EventName> = (payload: EventPayloadByName[K]) => void;

/** Anything that can put events on the widget's bus (detectors' sink, transport, child elements). */
export interface EyeEventSink {
  emit<K extends EyeEvent>(type: K, payload: EventPayloadMap[K]): void;
}

/**
 * The widget's one event stream. Hot: subscribers see what is emitted after they subscribe, so a
 * host that registers before `init()` sees every event. Emission is synchronous, in order.
 */
export class EyeEventBus implements EyeEventSink {
  readonly #subject = new Subject<EyeEmission>();

  /** Every event, as one Observable. */
  readonly events$: Observable<EyeEmission> = this.#subject.asObservable();

  emit<K extends EyeEvent>(type: K, payload: EventPayloadMap[K]): void {
    this.#subject.next({ type, payload } as EyeEmission);
  }

  /** Re-emits an emission produced elsewhere (e.g. by a detector stream). */
  push(emission: EyeEmission): void {
    this.#subject.next(emission);
  }

  /** Only the payloads of one event type. */
  select<K extends EventName>(type: K): Observable<EventPayloadByName[K]> {
    return this.events$.pipe(
      filter((e) => e.type === type),
      map((e) => e.payload as EventPayloadByName[K]),
    );
  }

  /**
   * Registers `listener` for `type`; returns the unsubscribe function. A listener that throws is
   * reported (like a DOM listener) and does not stop the bus or other listeners.
   */
  on<K extends EventName>(type: K, listener: EyeListener<K>): () => void {
    const subscription = this.select(type).subscribe((payload) => {
      try {
        listener(payload);
      } catch (err) {
        reportListenerError(err);
      }
    });
    return () => { subscription.unsubscribe(); };
  }
}

function reportListenerError(err: unknown): void {
  const report = (globalThis as { reportError?: (e: unknown) => void }).reportError;
  if (report) report(err);
  else console.error(err);
}
