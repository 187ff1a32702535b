import { html, nothing, type ReactiveControllerHost, type TemplateResult } from 'lit';
import type { Translator } from '../../src/i18n/localize.js';
import type { RelayLink, RelayLinkOptions, RelayStatus } from '../../src/transport/relay-link.js';
import { ObservableController } from './observable-controller.js';

export type { RelayStatus } from '../../src/transport/relay-link.js';

/**
 * Shows the candidate the state of the widget's link to the relay. The link itself (queue order,
 * directive polling, obeying directives, token renewal) is src/transport/relay-link.ts; this
 * controller only follows its `status$` and renders.
 */
export class RelayController extends ObservableController<RelayStatus> {
  /** Options of the link `<eye-proctor>` builds; tests shorten the poll and pick the database here. */
  static defaults: RelayLinkOptions = {};

  constructor(host: ReactiveControllerHost, link: RelayLink) {
    super(host, link.status$, link.status);
  }

  /** A short line for the candidate about the link to the relay, or nothing while all is well. */
  renderStatus(tr: Translator, paused: boolean): TemplateResult | typeof nothing {
    const { enabled, state, pending, lastDirective } = this.value;
    if (!enabled) return nothing;
    let text = '';
    if (paused && lastDirective === 'pause') text = tr.t('relay.paused');
    else if (state === 'offline') text = tr.t('relay.offline', { count: pending });
    else if (state === 'backoff') text = tr.t('relay.backoff', { count: pending });
    else if (state === 'unauthorized') text = tr.t('relay.unauthorized');
    if (!text) return nothing;
    return html`<span part="relay-status" class="relay-status" data-state=${state}>${text}</span>`;
  }
}
