import { en, type MessageKey, type Messages } from './locales/en.js';

export type { MessageKey, Messages } from './locales/en.js';

/**
 * The catalog: one module per language, English is the source (see locales/en.ts) and the only
 * one in the widget's eager JS. The others are separate chunks (~4.5 KB gzip each), loaded the
 * first time an element or `init({ locale })` asks for them.
 */
const CATALOG_LOADERS = {
  en: () => Promise.resolve(en),
  es: () => import('./locales/es.js').then((m) => m.es),
  fr: () => import('./locales/fr.js').then((m) => m.fr),
  de: () => import('./locales/de.js').then((m) => m.de),
  ar: () => import('./locales/ar.js').then((m) => m.ar),
} as const satisfies Record<string, () => Promise<Messages>>;
export type SupportedLocale = keyof typeof CATALOG_LOADERS;
export const SUPPORTED_LOCALES = Object.keys(CATALOG_LOADERS) as SupportedLocale[];

const loadedCatalogs = new Map<SupportedLocale, Messages>([['en', en]]);
const loadingCatalogs = new Map<SupportedLocale, Promise<Messages>>();

/** The catalog of `locale`, loaded once; a chunk that fails to load leaves English in place (and may be retried). */
export function loadCatalog(locale: SupportedLocale): Promise<Messages> {
  const loaded = loadedCatalogs.get(locale);
  if (loaded) return Promise.resolve(loaded);
  let loading = loadingCatalogs.get(locale);
  if (!loading) {
    loading = CATALOG_LOADERS[locale]()
      .then((messages) => {
        loadedCatalogs.set(locale, messages);
        return messages;
      })
      .catch((err: unknown) => {
        console.warn(`[eye] the "${locale}" texts could not be loaded; showing English`, err);
        return en;
      })
      .finally(() => loadingCatalogs.delete(locale));
    loadingCatalogs.set(locale, loading);
  }
  return loading;
}

/** The catalog of `locale` if it is already loaded (English always is). */
export function loadedCatalog(locale: SupportedLocale): Messages | undefined {
  return loadedCatalogs.get(locale);
}

const RTL_LANGUAGES = new Set(['ar', 'he', 'fa', 'ur']);

/**
 * Picks the catalog for a BCP 47 tag: exact language match ("es-MX" -> "es"), English otherwise.
 * The tag itself is kept for Intl so regional formats (dates, decimal marks) still apply.
 */
export function resolveLocale(tag: string | null | undefined): { tag: string; catalog: SupportedLocale } {
  const clean = (tag ?? '').trim();
  const language = (clean.split(/[-_]/)[0] ?? '').toLowerCase(); // split always gives at least one part
  if (language in CATALOG_LOADERS) return { tag: canonicalTag(clean) ?? language, catalog: language as SupportedLocale };
  return { tag: 'en', catalog: 'en' };
}

function canonicalTag(tag: string): string | null {
  try {
    return Intl.getCanonicalLocales(tag.replace(/_/g, '-'))[0] ?? null;
  } catch {
    return null;
  }
}

export type MessageParams = Record<string, string | number>;

/**
 * Everything a component needs to speak one language: `t(key, params)` for catalog text
 * (numbers in params are formatted with Intl), `dir` for layout, and Intl formatters.
 * Speaks English until the locale's catalog is loaded (`loadCatalog`); LocaleController waits for it.
 */
export class Translator {
  readonly tag: string;
  readonly catalog: SupportedLocale;
  readonly dir: 'ltr' | 'rtl';
  readonly #messages: Messages;
  readonly #number: Intl.NumberFormat;

  constructor(locale: string | null | undefined) {
    const resolved = resolveLocale(locale);
    const messages = loadedCatalog(resolved.catalog);
    // Not loaded (yet): English throughout, so the declared language matches the text.
    const { tag, catalog } = messages ? resolved : { tag: 'en', catalog: 'en' as const };
    this.tag = tag;
    this.catalog = catalog;
    this.dir = RTL_LANGUAGES.has(catalog) ? 'rtl' : 'ltr';
    this.#messages = messages ?? en;
    this.#number = new Intl.NumberFormat(tag);
  }

  t(key: MessageKey, params?: MessageParams): string {
    const text = this.#messages[key];
    if (!params) return text;
    return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
      const v = params[name];
      if (v === undefined) return whole;
      return typeof v === 'number' ? this.#number.format(v) : v;
    });
  }

  /** The catalog has text for this key (for keys built from data, e.g. `warning.${flagType}`). */
  has(key: string): key is MessageKey {
    return key in en;
  }

  number(n: number): string {
    return this.#number.format(n);
  }

  percent(fraction: number): string {
    return new Intl.NumberFormat(this.tag, { style: 'percent', maximumFractionDigits: 0 }).format(fraction);
  }

  /** "14:05" in the locale's own clock and digits. */
  time(date: Date): string {
    return new Intl.DateTimeFormat(this.tag, { hour: '2-digit', minute: '2-digit' }).format(date);
  }

  /** A duration in words, in the largest whole unit: "30 seconds", "5 minutes", "30 days". */
  duration(ms: number): string {
    const units: [Intl.NumberFormatOptions['unit'], number][] = [
      ['day', 86_400_000],
      ['hour', 3_600_000],
      ['minute', 60_000],
      ['second', 1000],
    ];
    const [unit, size] = units.find(([, size]) => ms >= size && ms % size === 0) ?? ['second', 1000];
    return new Intl.NumberFormat(this.tag, { style: 'unit', unit, unitDisplay: 'long', maximumFractionDigits: 1 }).format(ms / size);
  }

  /** "Camera, Microphone and Browser" in the locale's list style. */
  list(items: string[]): string {
    return new Intl.ListFormat(this.tag, { style: 'long', type: 'conjunction' }).format(items);
  }
}
