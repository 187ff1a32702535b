import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { EMPTY, catchError, defer, merge, type Subscription } from 'rxjs';
import type { EyeEventBus } from '../../src/event-bus.js';
import type { Detector, DetectorContext } from '../../src/detectors/types.js';
import { whenLeft } from './when-left.js';

/**
 * Runs the detectors: `start()` subscribes every detector and forwards its events to the bus,
 * `stop()` unsubscribes them all (each detector releases its listeners, timers, audio graphs).
 * Leaving the DOM stops them too (moving the host does not). One failing detector is logged and dropped; the others go on.
 */
export class MonitoringController implements ReactiveController {
  #subscription: Subscription | null = null;

  constructor(
    private readonly host: ReactiveControllerHost & { readonly isConnected: boolean },
    private readonly bus: EyeEventBus,
  ) {
    host.addController(this);
  }

  get running(): boolean {
    return this.#subscription !== null;
  }

  start(detectors: Detector[], ctx: DetectorContext): void {
    this.stop();
    const streams = detectors.map((detector) =>
      defer(() => detector(ctx)).pipe(
        catchError((err: unknown) => {
          console.error(`[eye-proctor] detector "${detector.name || 'anonymous'}" failed and was stopped`, err);
          return EMPTY;
        }),
      ),
    );
    this.#subscription = merge(...streams).subscribe((emission) => { this.bus.push(emission); });
  }

  stop(): void {
    this.#subscription?.unsubscribe();
    this.#subscription = null;
  }

  hostConnected(): void {}

  hostDisconnected(): void {
    whenLeft(this.host, () => { this.stop(); });
  }
}
