import { html, nothing, type ReactiveController, type ReactiveControllerHost, type TemplateResult } from 'lit';
import type { ConsentScope } from '../../src/consent.js';
import type { ConsentAnswer } from '../../src/events.js';
import type { ConsentAnswerDetail } from '../eye-consent/eye-consent.js';
import { whenLeft } from './when-left.js';
import '../eye-consent/define.js';

/** What the consent step needs to know, from the config in force. */
export interface ConsentRequest {
  mode: 'ask' | 'external';
  scope: ConsentScope;
  /** Locale tag the host speaks (passed to <eye-consent>, recorded for `external`). */
  locale: string;
  version: string | null;
  retentionDays: number | null;
  contact: string | null;
}

export type ConsentOutcome = 'given' | 'declined' | 'cancelled';

/**
 * Runs the consent step for its host: shows <eye-consent> (`render()`), waits for the answer and
 * reports it (`onAnswer`, which emits CONSENT_GIVEN / CONSENT_DECLINED). A given consent is kept
 * until `reset()` (a new config may monitor more), so the system check and `start()` ask once.
 * Nothing that captures may run before `ensure()` resolves 'given'.
 */
export class ConsentController implements ReactiveController {
  /** The consent in force, or null. */
  given: ConsentAnswer | null = null;
  #request: ConsentRequest | null = null;
  #pending: Promise<ConsentOutcome> | null = null;
  #settle: ((outcome: ConsentOutcome) => void) | null = null;

  constructor(
    private readonly host: ReactiveControllerHost & HTMLElement,
    private readonly onAnswer: (given: boolean, answer: ConsentAnswer) => void,
    /** Name of the host's slot whose content replaces the built-in text (forwarded into <eye-consent>). */
    private readonly slotName = 'consent',
  ) {
    host.addController(this);
  }

  /** True while the consent step is on screen. */
  get asking(): boolean {
    return this.#pending !== null;
  }

  /** True while the step (or the "you did not agree" note after a decline) is on screen. */
  get shown(): boolean {
    return this.#request !== null;
  }

  /** Resolves 'given' at once when consent is in force (or external), else shows the step and waits. */
  ensure(request: ConsentRequest): Promise<ConsentOutcome> {
    if (this.given) return Promise.resolve('given');
    if (request.mode === 'external') {
      this.#record(true, { version: request.version ?? 'external', locale: request.locale, external: true });
      return Promise.resolve('given');
    }
    if (this.#pending) return this.#pending;
    this.#request = request;
    this.#pending = new Promise<ConsentOutcome>((resolve) => (this.#settle = resolve));
    this.host.requestUpdate();
    void this.#focusWhenShown();
    return this.#pending;
  }

  /** Withdraws the step without an answer (e.g. `end()` while it is shown). */
  cancel(): void {
    this.#finish('cancelled');
  }

  /** Forgets a given consent (a new config may monitor something else). */
  reset(): void {
    this.given = null;
  }

  hostConnected(): void {}

  hostDisconnected(): void {
    whenLeft(this.host, () => { this.cancel(); });
  }

  render(): TemplateResult | typeof nothing {
    const r = this.#request;
    if (!r) return nothing;
    return html`<eye-consent
      .scope=${r.scope}
      locale=${r.locale}
      .retentionDays=${r.retentionDays}
      .contact=${r.contact}
      .version=${r.version}
      @eye-consent-answer=${(e: CustomEvent<ConsentAnswerDetail>) => { this.#onAnswer(e); }}
      ><slot name=${this.slotName}></slot
    ></eye-consent>`;
  }

  async #focusWhenShown(): Promise<void> {
    await this.host.updateComplete;
    const step = this.host.shadowRoot?.querySelector('eye-consent');
    await step?.updateComplete;
    step?.focus();
  }

  #onAnswer(e: CustomEvent<ConsentAnswerDetail>): void {
    e.stopPropagation();
    const { given, version, locale } = e.detail;
    this.#record(given, { version, locale, external: false });
    // An answer after a decline (the candidate changed their mind) is recorded; the host calls start() again.
    if (!this.#pending && given) this.#request = null;
    this.#finish(given ? 'given' : 'declined');
  }

  #record(given: boolean, answer: ConsentAnswer): void {
    if (given) this.given = answer;
    this.onAnswer(given, answer);
  }

  #finish(outcome: ConsentOutcome): void {
    const settle = this.#settle;
    this.#pending = null;
    this.#settle = null;
    // A decline keeps the panel's "nothing was started" message until the next ask.
    if (outcome !== 'declined') this.#request = null;
    this.host.requestUpdate();
    settle?.(outcome);
  }
}
