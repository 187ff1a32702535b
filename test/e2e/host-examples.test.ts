import { expect } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import '../../components/index.js';
import type { EyeProctor } from '../../components/eye-proctor/eye-proctor.js';
import { Event } from '../../src/events.js';
import { createRelaySession, eventually, getSession, relayUrl } from './relay-commands.js';
import { useIsolatedOutbox } from './widget-fixtures.js';

/*
 * The React, Vue and Angular host examples of demo/ (the very files the demo pages load), mounted
 * with the real frameworks from node_modules, talking to the real relay. A real tab switch must
 * reach the host's own handlers and state, and the relay. The Angular example is the bundle
 * `npm run build:angular` compiled ahead of time (web-test-runner.config.mjs builds it when stale).
 */

function loadClassicScript(src: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const script = Object.assign(document.createElement('script'), { src, onload: () => { resolve(); }, onerror: () => { reject(new Error(`cannot load ${src}`)); } });
    document.head.append(script);
  });
}

/** Imports a plain-JS module by URL (kept out of TypeScript's module resolution). */
const importUrl = (url: string): Promise<Record<string, unknown>> => import(/* @vite-ignore */ url);

type Mount = (container: HTMLElement, opts: Record<string, unknown>) => { unmount(): void } | Promise<{ unmount(): void }>;

const hosts: { name: string; mount: () => Promise<Mount>; frameworkArgs: () => Promise<Record<string, unknown>> }[] = [
  {
    name: 'React 18',
    mount: async () => (await importUrl('/demo/react/exam-app.js')).mountReactExam as Mount,
    frameworkArgs: async () => {
      await loadClassicScript('/node_modules/react/umd/react.production.min.js');
      await loadClassicScript('/node_modules/react-dom/umd/react-dom.production.min.js');
      const w = window as unknown as { React: unknown; ReactDOM: unknown };
      return { React: w.React, ReactDOM: w.ReactDOM };
    },
  },
  {
    name: 'Vue 3',
    mount: async () => (await importUrl('/demo/vue/exam-app.js')).mountVueExam as Mount,
    frameworkArgs: async () => ({ Vue: await importUrl('/node_modules/vue/dist/vue.esm-browser.prod.js') }),
  },
  {
    name: 'Angular 20',
    // Angular's runtime is bundled with the example (AOT-compiled, zoneless).
    mount: async () => (await importUrl('/demo/angular/build/exam-app.js')).mountAngularExam as Mount,
    frameworkArgs: () => Promise.resolve({}),
  },
];

describe('host framework examples (demo/react, demo/vue, demo/angular)', function () {
  this.timeout(60_000);
  useIsolatedOutbox('eye-hosts', 'all');

  for (const host of hosts) {
    it(`${host.name}: the host's handlers and state receive the widget's events, and the relay gets the flags`, async () => {
      const session = await createRelaySession('exam-hosts');
      const url = await relayUrl();
      const received: [string, unknown][] = [];
      const container = document.createElement('div');
      document.body.append(container);
      const mount = await host.mount();
      const app = await mount(container, {
        ...(await host.frameworkArgs()),
        session: { ...session, relayUrl: url },
        config: { camera: false, microphone: false, fullscreen: false },
        events: Object.values(Event),
        onEvent: (type: string, detail: unknown) => received.push([type, detail]),
      });
      try {
        const widget = await eventually(() => container.querySelector<EyeProctor>('eye-proctor') ?? undefined);
        // The framework rendered the attributes onto the custom element.
        expect(widget.getAttribute('session-token')).to.equal(session.token);
        const phase = () => container.querySelector('[data-testid=phase]')!.textContent.trim();

        container.querySelector<HTMLButtonElement>('button:not(.secondary)')!.click();
        // The widget asks the candidate first; the host's start resolves once they agree.
        await eventually(() => {
          const agree = widget.shadowRoot?.querySelector('eye-consent')?.shadowRoot?.querySelector<HTMLButtonElement>('[part="accept-button"]');
          agree?.click();
          return !!agree;
        });
        await eventually(() => phase() === 'running');
        await eventually(() => container.querySelector('[data-type=STARTED]') !== null);
        expect(received.map(([t]) => t)).to.include.members(['SET_CONFIG', 'CONSENT_GIVEN', 'STARTED']);

        await executeServerCommand('eye-switch-tab', { awayMs: 300 }); // a real tab switch
        const item = await eventually(() => container.querySelector<HTMLElement>('[data-type=TAB_NOT_FOCUS]') ?? undefined);
        const flag = received.find(([t]) => t === 'TAB_NOT_FOCUS')![1] as { id: string; type: string; examId: string };
        expect(flag.type).to.equal('TAB_NOT_FOCUS');
        expect(flag.examId).to.equal('exam-hosts');
        expect(item.dataset.id).to.equal(flag.id);

        container.querySelector<HTMLButtonElement>('button.secondary')!.click();
        await eventually(() => phase() === 'ended');
        await widget.flushRelay();
        const view = await getSession(session.sessionId);
        expect(view.status).to.equal('COMPLETED');
        expect(view.flags.filter((f) => f.id === flag.id)).to.have.length(1);
        // The return to the tab went too: it names the flag it closes and the time away.
        const back = view.flags.find((f) => f.type === 'TAB_FOCUS_CHANGE');
        expect(back?.payload).to.include({ focused: true, flagId: flag.id });
        expect(back!.payload!.awayMs).to.be.at.least(300);
      } finally {
        app.unmount();
        container.remove();
      }
    });
  }
});
