import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { loadCatalog, loadedCatalog, resolveLocale, Translator, type SupportedLocale } from '../../src/i18n/localize.js';

/** What a localized element exposes: its `locale` property (empty = inherit). */
export interface LocaleHost extends ReactiveControllerHost, HTMLElement {
  locale: string;
}

/**
 * The language an element speaks: its `locale` property, else the nearest `lang` attribute
 * (the element's own, an ancestor's), else `<html lang>`, else English. Re-renders the host when
 * any of those `lang` attributes change, so a page switching language switches the widget too.
 * `override` lets a parent element (or the config) impose a locale.
 *
 * Catalogs other than English load on demand: until the wanted one arrives the host renders in
 * English, then re-renders. The host's `updateComplete` includes that wait (see `settled`), so
 * `await el.updateComplete` shows the final language.
 */
export class LocaleController implements ReactiveController {
  #translator = new Translator('en');
  #observer: MutationObserver | null = null;
  /** Set by the host from its config (`init({ locale })`); wins over attributes. */
  override: string | null = null;

  constructor(private readonly host: LocaleHost) {
    host.addController(this);
  }

  /** The translator for the current locale (recreated only when the locale or its catalog changes). */
  get tr(): Translator {
    const wanted = this.requested();
    if (wanted !== this.#requested || this.#pending) {
      this.#requested = wanted;
      const { catalog } = resolveLocale(wanted);
      this.#pending = !loadedCatalog(catalog);
      if (this.#pending && this.#loading?.catalog !== catalog) this.#loadThenRender(catalog);
      this.#translator = new Translator(wanted);
    }
    return this.#translator;
  }

  #requested = 'en';
  /** The translator speaks English while the wanted catalog loads. */
  #pending = false;
  #loading: { catalog: SupportedLocale; done: Promise<void> } | null = null;

  #loadThenRender(catalog: SupportedLocale): void {
    const loading = {
      catalog,
      done: loadCatalog(catalog).then(() => {
        if (this.#loading !== loading) return; // superseded by another locale
        this.#loading = null;
        // A chunk that failed to load leaves English; asking again on every render would loop.
        if (loadedCatalog(catalog)) this.host.requestUpdate();
        else this.#pending = false;
      }),
    };
    this.#loading = loading;
  }

  /**
   * For the host's `getUpdateComplete()`: after an update, waits for a catalog still loading and
   * the re-render it causes. Resolves with the host's own result.
   */
  async settled(updated: boolean): Promise<boolean> {
    if (!this.#loading) return updated;
    await this.#loading.done;
    return this.host.updateComplete;
  }

  /** Loads the wanted locale's catalog (at once when loaded): for hosts that must not show English first. */
  async ready(): Promise<void> {
    await loadCatalog(resolveLocale(this.requested()).catalog);
  }

  /** The tag the element asks for, before matching it to a catalog. */
  requested(): string {
    const h = this.host;
    return this.override || h.locale || h.closest('[lang]')?.getAttribute('lang') || document.documentElement.lang || 'en';
  }

  hostConnected(): void {
    this.#translator = this.tr; // starts loading the wanted catalog before the first render needs it
    this.#observer = new MutationObserver(() => {
      this.host.requestUpdate();
    });
    for (let el: Element | null = this.host; el; el = el.parentElement) {
      this.#observer.observe(el, { attributes: true, attributeFilter: ['lang'] });
    }
    this.#observer.observe(document.documentElement, { attributes: true, attributeFilter: ['lang'] });
  }

  hostDisconnected(): void {
    this.#observer?.disconnect();
    this.#observer = null;
  }
}
