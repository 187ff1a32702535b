import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { Observable, Subscription } from 'rxjs';
import type { EyeEmission } from '../../src/events.js';

/**
 * Base of controllers that derive host state from the widget's event stream: subscribed while the
 * host is connected, unsubscribed when it leaves the DOM. Subclasses call `host.addController(this)`
 * at the end of their own constructor, once their fields are initialised (a connected host calls
 * `hostConnected` at once, and a replaying stream may emit straight away).
 */
export abstract class EmissionController implements ReactiveController {
  #subscription: Subscription | null = null;

  constructor(
    protected readonly host: ReactiveControllerHost,
    private readonly events$: Observable<EyeEmission>,
  ) {}

  hostConnected(): void {
    this.#subscription ??= this.events$.subscribe((e) => this.apply(e));
  }

  hostDisconnected(): void {
    this.#subscription?.unsubscribe();
    this.#subscription = null;
  }

  protected abstract apply(e: EyeEmission): void;
}
