/**
 * Drives the review console in a page opened with `openPage` (the relay's own origin, where its
 * cookies live): one page-side function with a deep query (through open shadow roots) and a few
 * actions, so tests read like a reviewer's steps.
 */
import { executeServerCommand } from '@web/test-runner-commands';
import { evalInPage } from './relay-commands.js';

type Action =
  | { do: 'text'; sel: string }
  | { do: 'count'; sel: string }
  | { do: 'fill'; sel: string; value: string }
  | { do: 'click'; sel: string }
  | { do: 'submit'; sel: string }
  | { do: 'media' }
  | { do: 'overflow' };

function pageSide(a: Action): unknown {
  const all = (sel: string): Element[] => {
    const out: Element[] = [];
    const walk = (root: Document | ShadowRoot) => {
      out.push(...root.querySelectorAll(sel));
      for (const el of root.querySelectorAll('*')) if (el.shadowRoot) walk(el.shadowRoot);
    };
    walk(document);
    return out;
  };
  const one = (sel: string): Element => {
    const hit = all(sel)[0];
    if (!hit) throw new Error(`no element ${sel}`);
    return hit;
  };
  switch (a.do) {
    case 'text': {
      // Text as rendered: a shadow host's shadow tree instead of its (light DOM) children.
      const text = (n: Node): string => {
        if (n.nodeType === Node.TEXT_NODE) return (n as Text).data;
        const root = (n as Element).shadowRoot;
        return [...(root ?? n).childNodes].map(text).join('');
      };
      return all(a.sel).map(text).join('\n');
    }
    case 'count':
      return all(a.sel).length;
    case 'fill': {
      const input = one(a.sel) as HTMLInputElement;
      input.value = a.value;
      input.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
      return true;
    }
    case 'click':
      (one(a.sel) as HTMLElement).click();
      return true;
    case 'submit':
      (one(a.sel) as HTMLFormElement).requestSubmit();
      return true;
    case 'overflow':
      return document.documentElement.scrollWidth - window.innerWidth;
    case 'media':
      // Snapshot images decoded and audio clips loaded as far as playable, with the bytes fetched again to compare.
      return (async () => {
        const images = all('img') as HTMLImageElement[];
        const audios = all('audio') as HTMLAudioElement[];
        const img = [];
        for (const i of images) {
          i.scrollIntoView();
          await i.decode().catch(() => {});
          img.push({ src: i.src, width: i.naturalWidth, bytes: (await (await fetch(i.src)).arrayBuffer()).byteLength });
        }
        const audio = [];
        for (const el of audios) {
          el.scrollIntoView();
          if (el.readyState < 1) {
            await new Promise((resolve) => {
              el.addEventListener('loadedmetadata', resolve, { once: true });
              el.addEventListener('error', resolve, { once: true });
              el.load();
              setTimeout(resolve, 10_000);
            });
          }
          audio.push({ src: el.src, readyState: el.readyState, duration: el.duration, error: el.error?.code ?? null, bytes: (await (await fetch(el.src)).arrayBuffer()).byteLength });
        }
        return { img, audio };
      })();
  }
}

export const inConsole = <T>(handle: number, action: Action) => evalInPage<T>(handle, pageSide as (arg: never) => unknown, action).then((r) => r.result);
export const consoleText = (handle: number, sel: string) => inConsole<string>(handle, { do: 'text', sel });

export interface AxeViolation {
  id: string;
  impact: string;
  help: string;
  targets: string[];
}
export const axeViolations = (handle: number) => executeServerCommand<AxeViolation[] | undefined, unknown>('eye-page:axe', { handle }).then((v) => v ?? []);
export const setViewport = (handle: number, width: number, height: number) => executeServerCommand('eye-page:viewport', { handle, width, height });

/** Signs in on an opened /console page. */
export async function signIn(handle: number, email: string, password: string): Promise<void> {
  await inConsole(handle, { do: 'fill', sel: 'form.sign-in input[name=email]', value: email });
  await inConsole(handle, { do: 'fill', sel: 'form.sign-in input[name=password]', value: password });
  await inConsole(handle, { do: 'submit', sel: 'form.sign-in' });
}
