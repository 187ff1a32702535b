import type { ReactiveController, ReactiveControllerHost } from 'lit';

/** The page's `location.hash` as a path (`#/sessions/abc` -> ['sessions', 'abc']), kept current while the host is connected. */
export class HashRouteController implements ReactiveController {
  parts: string[] = [];
  readonly #onChange = () => {
    this.parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
    this.host.requestUpdate();
  };

  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this);
  }

  go(path: string): void {
    location.hash = `#/${path}`;
  }

  hostConnected(): void {
    window.addEventListener('hashchange', this.#onChange);
    this.#onChange();
  }

  hostDisconnected(): void {
    window.removeEventListener('hashchange', this.#onChange);
  }
}
