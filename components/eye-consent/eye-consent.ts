import { LitElement, html, nothing } from 'lit';
import { property, query, state } from 'lit/decorators.js';
import { consentTextVersion, type ConsentScope } from '../../src/consent.js';
import type { MessageKey } from '../../src/i18n/localize.js';
import { LocaleController } from '../controllers/locale-controller.js';
import { styles } from './eye-consent.styles.js';

/** `detail` of `eye-consent-answer`. */
export interface ConsentAnswerDetail {
  given: boolean;
  /** `sha256:<hex>` of the text shown (the host's slotted text when given), or the host's `version`. */
  version: string;
  /** The locale the text was shown in. */
  locale: string;
}

const DEFAULT_SCOPE: ConsentScope = {
  camera: true,
  microphone: true,
  tabFocus: true,
  fullscreen: true,
  devtools: false,
  snapshotIntervalMs: 30000,
  identity: false,
};

/**
 * The consent step shown before any camera or microphone access: what is monitored, what leaves
 * the device, how long it is kept and whom to ask; "I agree" / "I do not agree". Used by
 * `<eye-proctor>` and `<eye-system-check>`; hosts rarely use it directly.
 *
 * @summary Asks the candidate's consent before monitoring.
 *
 * @attr locale - Language (BCP 47); default: nearest `lang`, else `<html lang>`.
 * @attr retention-days - How long the institution keeps the data (days); unset: "your institution decides".
 * @attr contact - Whom to contact with questions.
 * @attr version - Version label of the text (default: a SHA-256 of the text shown).
 *
 * @fires eye-consent-answer - The candidate answered. `detail`: `{ given, version, locale }`.
 *
 * @slot - The host's own consent text; replaces the built-in explanation when present.
 *
 * @csspart panel - The consent panel.
 * @csspart accept-button - "I agree".
 * @csspart decline-button - "I do not agree".
 */
export class EyeConsent extends LitElement {
  static override styles = styles;

  @property() locale = '';
  @property({ type: Number, attribute: 'retention-days' }) retentionDays: number | null = null;
  @property() contact: string | null = null;
  @property() version: string | null = null;
  /** What is monitored (from the widget's config). */
  @property({ attribute: false }) scope: ConsentScope = DEFAULT_SCOPE;

  @state() private hostText = false;
  @state() private declined = false;

  @query('.explanation') private explanation?: HTMLElement;
  @query('slot') private slotEl?: HTMLSlotElement;
  @query('h2') private heading?: HTMLElement;

  readonly #locale = new LocaleController(this);

  /** The catalog locale the text is shown in. */
  get shownLocale(): string {
    return this.#locale.tr.tag;
  }

  /** Moves focus to the panel's heading so screen readers start reading there. */
  override focus(): void {
    this.heading?.focus();
  }

  /** The version of the text shown now: the host's label, else a hash of the exact words. */
  async textVersion(): Promise<string> {
    if (this.version) return this.version;
    await this.updateComplete;
    const own = this.explanation?.innerText ?? '';
    const slotted = (this.slotEl?.assignedNodes({ flatten: true }) ?? []).map((n) => (n instanceof HTMLElement ? n.innerText : (n.textContent ?? ''))).join(' ');
    return consentTextVersion(this.hostText ? slotted : own);
  }

  async #answer(given: boolean): Promise<void> {
    this.declined = !given;
    const detail: ConsentAnswerDetail = { given, version: await this.textVersion(), locale: this.shownLocale };
    this.dispatchEvent(new CustomEvent('eye-consent-answer', { detail, bubbles: true, composed: true }));
  }

  #onSlotChange(e: Event): void {
    const nodes = (e.target as HTMLSlotElement).assignedNodes({ flatten: true });
    this.hostText = nodes.some((n) => (n.nodeType === Node.ELEMENT_NODE ? true : (n.textContent ?? '').trim() !== ''));
  }

  /** Also waits for the candidate's language when its texts are still loading (see LocaleController). */
  protected override async getUpdateComplete(): Promise<boolean> {
    return this.#locale.settled(await super.getUpdateComplete());
  }

  protected override render() {
    const tr = this.#locale.tr;
    const s = this.scope;
    const items: [boolean, MessageKey, Record<string, string>?][] = [
      [s.camera, 'consent.item.camera'],
      [s.microphone, 'consent.item.microphone'],
      [s.tabFocus, 'consent.item.tabFocus'],
      [s.fullscreen, 'consent.item.fullscreen'],
      [s.devtools, 'consent.item.devtools'],
      [s.snapshotIntervalMs > 0, 'consent.item.snapshots', { interval: tr.duration(s.snapshotIntervalMs) }],
      [s.identity, 'consent.item.identity'],
    ];
    return html`
      <section part="panel" class="panel" lang=${tr.tag} dir=${tr.dir} aria-labelledby="consent-title">
        <h2 id="consent-title" tabindex="-1">${tr.t('consent.title')}</h2>
        <slot @slotchange=${(e: Event) => { this.#onSlotChange(e); }}></slot>
        <div class="explanation" ?hidden=${this.hostText}>
          <p>${tr.t('consent.intro')}</p>
          <h3>${tr.t('consent.monitored')}</h3>
          <ul>
            ${items.filter(([on]) => on).map(([, key, params]) => html`<li>${tr.t(key, params)}</li>`)}
          </ul>
          <h3>${tr.t('consent.shared')}</h3>
          <p>${tr.t('consent.shared.text')}</p>
          <h3>${tr.t('consent.retention')}</h3>
          <p>
            ${this.retentionDays
              ? tr.t('consent.retention.days', { days: tr.duration(this.retentionDays * 86_400_000) })
              : tr.t('consent.retention.unknown')}
          </p>
          <h3>${tr.t('consent.contact')}</h3>
          <p>${this.contact ? tr.t('consent.contact.text', { contact: this.contact }) : tr.t('consent.contact.unknown')}</p>
        </div>
        <div class="actions">
          <button part="accept-button" class="primary" type="button" @click=${() => void this.#answer(true)}>${tr.t('consent.accept')}</button>
          <button part="decline-button" type="button" @click=${() => void this.#answer(false)}>${tr.t('consent.decline')}</button>
        </div>
        <p class="declined" role="status">${this.declined ? tr.t('consent.declined') : nothing}</p>
      </section>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'eye-consent': EyeConsent;
  }
  interface HTMLElementEventMap {
    'eye-consent-answer': CustomEvent<ConsentAnswerDetail>;
  }
}
