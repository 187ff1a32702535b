import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { SessionSummary } from '../console/types.js';

export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'off';

/**
 * Keeps a server-sent events connection to the console's live sessions feed while the host is
 * connected, and hands each changed session to `onSession`. After a drop the browser reconnects
 * and resumes after the last change it received (Last-Event-ID is the change's time; the URL
 * carries it too, for the first connection).
 */
export class LiveSessionsController implements ReactiveController {
  state: LiveState = 'off';
  #source: EventSource | null = null;
  #since = new Date().toISOString();

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly url: (since: string) => string,
    private readonly onSession: (session: SessionSummary) => void,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    if (typeof EventSource === 'undefined') return;
    const source = new EventSource(this.url(this.#since));
    this.#source = source;
    this.#set('connecting');
    source.onopen = () => { this.#set('live'); };
    source.onerror = () => { this.#set(source.readyState === EventSource.CLOSED ? 'off' : 'reconnecting'); };
    source.addEventListener('session', (e) => {
      const session = JSON.parse((e as MessageEvent<string>).data) as SessionSummary;
      this.#since = session.updated_at;
      this.onSession(session);
    });
  }

  hostDisconnected(): void {
    this.#source?.close();
    this.#source = null;
    this.#set('off');
  }

  #set(state: LiveState): void {
    this.state = state;
    this.host.requestUpdate();
  }
}
