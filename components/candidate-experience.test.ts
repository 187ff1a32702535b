import { expect, fixtureCleanup } from '@open-wc/testing';
// axe-core registers itself on window when imported as a module (side effect only: it has no typed exports here).
import 'axe-core/axe.min.js';
import { emulateMedia, executeServerCommand, setViewport } from '@web/test-runner-commands';
import { loadCatalog, SUPPORTED_LOCALES, type MessageKey, type SupportedLocale } from '../src/i18n/localize.js';
import { candidateTexts, renderState, STATE_NAMES, type StateName } from '../test/fixtures/candidate-states.js';

/*
 * The candidate's view of every element, in every shipped language and in every state:
 * nothing stays untranslated, axe finds no WCAG 2.1 AA violation, warnings are in a live region,
 * the recording indicator shows while monitoring runs, motion stops on request, and the layout
 * holds from 320 px to desktop (screenshots in dist/screenshots/).
 */

type AxeResults = { violations: { id: string; impact: string; nodes: { target: unknown; failureSummary: string }[] }[] };

async function axeAA(el: Element): Promise<AxeResults> {
  const axe = (window as unknown as { axe: { run(el: Element, opts: object): Promise<AxeResults> } }).axe;
  return axe.run(el, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
}

function describeViolations(r: AxeResults): string {
  return r.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => `${JSON.stringify(n.target)} ${n.failureSummary}`).join(' | ')}`).join('\n');
}

/** Catalog texts that are legitimately the same as English in `locale` (e.g. "Browser" in German). */
async function sameAsEnglish(locale: SupportedLocale): Promise<Set<string>> {
  const [en, other] = await Promise.all([loadCatalog('en'), loadCatalog(locale)]);
  const same = new Set<string>();
  for (const key of Object.keys(en) as MessageKey[]) if (other[key] === en[key]) same.add(en[key]);
  return same;
}

const hasWords = (t: string) => /\p{L}{3,}/u.test(t);

describe('candidate experience: every element, every locale, every state', function () {
  this.timeout(600_000);

  const english = new Map<StateName, string[]>();
  before(async () => {
    for (const name of STATE_NAMES) {
      const s = await renderState(name, 'en');
      english.set(name, candidateTexts(s.root));
      await s.cleanup?.();
      fixtureCleanup();
    }
  });

  for (const locale of SUPPORTED_LOCALES) {
    it(`${locale}: every text comes from the ${locale} catalog, and axe (WCAG 2.1 AA) finds nothing`, async () => {
      const allowed = locale === 'en' ? null : await sameAsEnglish(locale);
      const untranslated: string[] = [];
      for (const name of STATE_NAMES) {
        const s = await renderState(name, locale);
        try {
          const texts = candidateTexts(s.root);
          expect(texts.length, name).to.be.greaterThan(0);
          if (allowed) {
            const en = new Set(english.get(name));
            for (const t of texts) if (en.has(t) && hasWords(t) && !allowed.has(t)) untranslated.push(`${name}: "${t}"`);
          }
          // The rendered language is declared, with its direction.
          const declared = s.root.shadowRoot!.querySelector('[lang]')!;
          expect(declared.getAttribute('lang'), name).to.equal(locale);
          expect(declared.getAttribute('dir'), name).to.equal(locale === 'ar' ? 'rtl' : 'ltr');
          const results = await axeAA(s.root);
          expect(results.violations, `${locale} ${name}:\n${describeViolations(results)}`).to.deep.equal([]);
        } finally {
          await s.cleanup?.();
          fixtureCleanup();
        }
      }
      expect(untranslated, 'English left in the page').to.deep.equal([]);
    });
  }

  it('the untranslated-text check can fail: English text in a French page is caught', async () => {
    const s = await renderState('proctor-off', 'fr');
    const en = new Set(english.get('proctor-off'));
    // A string that bypassed the catalog (as a hard-coded English text would).
    s.root.shadowRoot!.querySelector('[part="status"]')!.append(Object.assign(document.createElement('span'), { textContent: 'Monitoring off' }));
    const allowed = await sameAsEnglish('fr');
    const leaked = candidateTexts(s.root).filter((t) => en.has(t) && hasWords(t) && !allowed.has(t));
    expect(leaked).to.deep.equal(['Monitoring off']);
    fixtureCleanup();
  });

  it('warnings are announced through a live region; the recording indicator shows whenever monitoring runs', async () => {
    for (const name of ['proctor-running-warning', 'proctor-paused'] as const) {
      const s = await renderState(name, 'en');
      const root = s.root.shadowRoot!;
      const warning = root.querySelector('[part="status-warning"]')!;
      expect(warning.closest('[aria-live="polite"]'), name).to.not.equal(null);
      const indicator = root.querySelector<HTMLElement>('[part="status"]')!;
      const r = indicator.getBoundingClientRect();
      const style = getComputedStyle(indicator);
      expect(r.width > 0 && r.height > 0 && style.visibility === 'visible' && style.display !== 'none', name).to.equal(true);
      expect(indicator.textContent).to.contain(name === 'proctor-paused' ? 'Monitoring paused' : 'Monitoring on');
      await s.cleanup?.();
      fixtureCleanup();
    }
  });

  it('respects prefers-reduced-motion: the indicator does not animate', async () => {
    const s = await renderState('proctor-running-warning', 'en');
    const icon = () => getComputedStyle(s.root.shadowRoot!.querySelector('[part="status-icon"]')!).animationName;
    expect(icon()).to.equal('eye-blink');
    await emulateMedia({ reducedMotion: 'reduce' });
    try {
      expect(icon()).to.equal('none');
    } finally {
      await emulateMedia({ reducedMotion: 'no-preference' });
      await s.cleanup?.();
      fixtureCleanup();
    }
  });
});

/** Every box inside `root` (through shadow roots) that sticks out of the viewport horizontally. */
function overflowing(root: Element): string[] {
  const out: string[] = [];
  const width = document.documentElement.clientWidth;
  const visit = (el: Element) => {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && (r.left < -0.5 || r.right > width + 0.5)) out.push(`${el.localName}.${el.className} ${Math.round(r.left)}..${Math.round(r.right)}`);
    for (const child of [...(el.shadowRoot?.children ?? []), ...el.children]) visit(child);
  };
  visit(root);
  return out;
}

describe('candidate layout from 320 px to desktop (screenshots in dist/screenshots/)', function () {
  this.timeout(300_000);
  afterEach(async () => {
    fixtureCleanup();
    await setViewport({ width: 800, height: 600 });
  });

  const page = async (locale: string) => {
    const states = [];
    for (const name of ['proctor-running-warning', 'consent', 'check-failed', 'preview-off'] as const) states.push(await renderState(name, locale));
    return states;
  };

  for (const width of [320, 375, 1280]) {
    it(`${width} px: no horizontal overflow in the consent step, the status with a warning, a failed check and the camera preview`, async () => {
      await setViewport({ width, height: 900 });
      const states = await page('en');
      try {
        expect(document.documentElement.scrollWidth, 'page scrolls sideways').to.be.at.most(width);
        for (const s of states) expect(overflowing(s.root), s.name).to.deep.equal([]);
        const shot = await executeServerCommand<{ bytes: number }, { name: string }>('eye-screenshot', { name: `candidate-en-${width}` });
        expect(shot.bytes).to.be.greaterThan(1000);
      } finally {
        for (const s of states) await s.cleanup?.();
      }
    });
  }

  it('Arabic at 375 px: right-to-left layout, nothing overflows', async () => {
    await setViewport({ width: 375, height: 900 });
    const states = await page('ar');
    try {
      expect(document.documentElement.scrollWidth).to.be.at.most(375);
      for (const s of states) expect(overflowing(s.root), s.name).to.deep.equal([]);
      // In RTL the indicator reads right to left: the eye icon is right of its label.
      const status = states[0]!.root.shadowRoot!;
      const icon = status.querySelector('[part="status-icon"]')!.getBoundingClientRect();
      const label = status.querySelector('[part="status-label"]')!.getBoundingClientRect();
      expect(icon.left).to.be.greaterThan(label.right - 1);
      // The consent buttons start at the right edge.
      const consent = states[1]!.root.shadowRoot!.querySelector('eye-consent')!.shadowRoot!;
      const accept = consent.querySelector('[part="accept-button"]')!.getBoundingClientRect();
      const decline = consent.querySelector('[part="decline-button"]')!.getBoundingClientRect();
      expect(accept.left).to.be.greaterThan(decline.left);
      const shot = await executeServerCommand<{ bytes: number }, { name: string }>('eye-screenshot', { name: 'candidate-ar-375' });
      expect(shot.bytes).to.be.greaterThan(1000);
    } finally {
      for (const s of states) await s.cleanup?.();
    }
  });
});
