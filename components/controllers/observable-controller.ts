import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { Observable, Subscription } from 'rxjs';

/**
 * The one way a Lit element follows an Observable: subscribed while the host is connected,
 * unsubscribed when it leaves the DOM, and every value re-renders the host. A source that
 * replays its current value (a BehaviorSubject's Observable) fills `value` on connect.
 */
export class ObservableController<T> implements ReactiveController {
  #subscription: Subscription | null = null;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly source$: Observable<T>,
    /** The latest value (`initial` until the source gives one). */
    public value: T,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    this.#subscription ??= this.source$.subscribe((value) => {
      this.value = value;
      this.host.requestUpdate();
    });
  }

  hostDisconnected(): void {
    this.#subscription?.unsubscribe();
    this.#subscription = null;
  }
}
