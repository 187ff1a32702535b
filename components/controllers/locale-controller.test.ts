import { expect, fixture, html } from '@open-wc/testing';
import { loadedCatalog } from '../../src/i18n/localize.js';
import '../eye-proctor/define.js';
import type { EyeProctor } from '../eye-proctor/eye-proctor.js';

// The default buffer (250 entries) is full of the test page's own modules before the tests run.
performance.setResourceTimingBufferSize(100_000);
performance.clearResourceTimings();

/** Module requests the page made for a locale's catalog (a separate module / chunk). */
const catalogRequests = (locale: string) =>
  performance.getEntriesByType('resource').filter((e) => /\/i18n\/locales\/(\w+)\.[jt]s$/.exec(new URL(e.name).pathname)?.[1] === locale).length;

const statusOf = (el: EyeProctor) => el.shadowRoot!.querySelector('[part="status"]')!;

/** Catalogs other than English load on demand, and `updateComplete` / `init()` wait for them. */
describe('LocaleController: catalogs on demand', function () {
  this.timeout(60_000);
  afterEach(() => {
    document.documentElement.removeAttribute('lang');
  });

  it('loads no other language until an element asks for it; `await updateComplete` then shows it', async () => {
    expect(loadedCatalog('es')).to.equal(undefined);
    expect(catalogRequests('es'), 'Spanish fetched before anyone asked').to.equal(0);
    const el = await fixture<EyeProctor>(html`<eye-proctor lang="es" consent="external"></eye-proctor>`);
    expect(statusOf(el).textContent).to.contain('Supervisión desactivada');
    expect(statusOf(el).closest('[lang]')?.getAttribute('lang') ?? el.shadowRoot!.querySelector('[lang]')!.getAttribute('lang')).to.equal('es');
    expect(catalogRequests('es')).to.equal(1);
    expect(catalogRequests('fr'), 'only the language asked for').to.equal(0);
  });

  it('init({ locale }) resolves with the language loaded, right-to-left included', async () => {
    const el = await fixture<EyeProctor>(html`<eye-proctor consent="external"></eye-proctor>`);
    expect(el.shadowRoot!.querySelector('[lang]')!.getAttribute('lang')).to.equal('en');
    await el.init({ examId: 'exam-1', candidateId: 'cand-1', camera: false, microphone: false, locale: 'ar-EG' });
    expect(loadedCatalog('ar')).to.not.equal(undefined);
    await el.updateComplete;
    const declared = el.shadowRoot!.querySelector('[lang]')!;
    expect(declared.getAttribute('lang')).to.equal('ar-EG');
    expect(declared.getAttribute('dir')).to.equal('rtl');
    expect(statusOf(el).textContent).to.not.contain('Monitoring');
  });

  it('follows a page that switches language (<html lang>) once the new texts are in', async () => {
    const el = await fixture<EyeProctor>(html`<eye-proctor consent="external"></eye-proctor>`);
    expect(statusOf(el).textContent).to.contain('Monitoring off');
    document.documentElement.lang = 'de';
    // The MutationObserver asks for a render; updateComplete covers the catalog load and the render after it.
    await new Promise((r) => setTimeout(r, 0));
    await el.updateComplete;
    expect(el.shadowRoot!.querySelector('[lang]')!.getAttribute('lang')).to.equal('de');
    expect(statusOf(el).textContent).to.not.contain('Monitoring off');
    expect(catalogRequests('de')).to.equal(1);
  });
});
