import { detectBrowser, MIN_BROWSER_VERSIONS, type BrowserInfo } from './browser-info.js';
import { updateBrowserFix, INSECURE_CONTEXT_FIX } from './fixes.js';
import type { CheckOutcome } from './types.js';
import { platform, userMediaDevices } from '../platform.js';

export interface FeatureResult {
  feature: 'getUserMedia' | 'WebAssembly' | 'Fullscreen API' | 'IndexedDB' | 'MediaRecorder' | 'version';
  ok: boolean;
  note: string;
}

// The smallest valid module: "\0asm" + version 1. Instantiating it proves wasm runs, not just exists.
const EMPTY_WASM = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

async function wasmWorks(): Promise<boolean> {
  try {
    if (typeof WebAssembly !== 'object') return false;
    await WebAssembly.instantiate(EMPTY_WASM);
    return true;
  } catch {
    return false;
  }
}

/** Opens (and deletes) a scratch database: private windows in some browsers expose IndexedDB but fail here. */
async function indexedDbWorks(timeoutMs = 3000): Promise<boolean> {
  if (!platform.indexedDB) return false;
  const name = `eye-system-check-${Math.random().toString(36).slice(2)}`;
  const ok = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => { resolve(false); }, timeoutMs);
    try {
      const req = indexedDB.open(name, 1);
      req.onsuccess = () => {
        clearTimeout(timer);
        req.result.close();
        resolve(true);
      };
      req.onerror = () => {
        clearTimeout(timer);
        resolve(false);
      };
    } catch {
      clearTimeout(timer);
      resolve(false);
    }
  });
  try {
    indexedDB.deleteDatabase(name);
  } catch {
    // nothing was created
  }
  return ok;
}

/** True only when the browser says the page is not a secure context (older browsers without the flag: false). */
export function isInsecureContext(): boolean {
  return 'isSecureContext' in globalThis && !globalThis.isSecureContext;
}

function fullscreenSupported(doc: Document): boolean {
  // Older Safari has only the prefixed flag (fullscreenEnabled is then undefined).
  const d: { fullscreenEnabled?: boolean; webkitFullscreenEnabled?: boolean } = doc;
  const el = doc.documentElement as HTMLElement & { webkitRequestFullscreen?: unknown };
  return (typeof el.requestFullscreen === 'function' || typeof el.webkitRequestFullscreen === 'function') &&
    (d.fullscreenEnabled ?? d.webkitFullscreenEnabled ?? true);
}

/** The audio/video container the widget records clips in, or null when MediaRecorder cannot record. */
export function recordableAudioType(): string | null {
  if (typeof MediaRecorder === 'undefined') return null;
  const types = ['audio/webm;codecs=opus', 'audio/ogg;codecs=opus', 'audio/mp4', 'audio/webm'];
  return types.find((t) => MediaRecorder.isTypeSupported(t)) ?? null;
}

export async function probeBrowserFeatures(userAgent = navigator.userAgent, doc: Document = document): Promise<{ info: BrowserInfo; features: FeatureResult[] }> {
  const info = detectBrowser(userAgent);
  const gum = userMediaDevices() !== null;
  const recorderType = recordableAudioType();
  const min = info.family === 'other' ? null : MIN_BROWSER_VERSIONS[info.family];
  const versionOk = min === null || info.major === null || info.major >= min;
  const features: FeatureResult[] = [
    { feature: 'getUserMedia', ok: gum, note: gum ? 'available' : isInsecureContext() ? 'needs https' : 'missing' },
    { feature: 'WebAssembly', ok: await wasmWorks(), note: '' },
    { feature: 'Fullscreen API', ok: fullscreenSupported(doc), note: '' },
    { feature: 'IndexedDB', ok: await indexedDbWorks(), note: '' },
    { feature: 'MediaRecorder', ok: recorderType !== null, note: recorderType ?? 'cannot record audio' },
    {
      feature: 'version',
      ok: versionOk,
      note: `${info.name}${info.major !== null ? ` ${info.major}` : ''}${versionOk ? '' : ` (needs ${min} or newer)`}`,
    },
  ];
  for (const f of features) if (!f.note) f.note = f.ok ? 'available' : 'missing';
  return { info, features };
}

/** Browser check: every API the widget needs, and a version it is tested against. */
export async function checkBrowser(userAgent?: string, doc?: Document): Promise<CheckOutcome> {
  const { info, features } = await probeBrowserFeatures(userAgent, doc);
  const details = features.map((f) => ({ label: f.feature === 'version' ? 'Browser' : f.feature, value: f.ok ? `✓ ${f.note}` : `✗ ${f.note}` }));
  const missing = features.filter((f) => !f.ok);
  if (missing.length === 0) {
    return { name: 'browser', status: 'success', message: `${info.name}${info.major ? ` ${info.major}` : ''} supports everything needed.`, details };
  }
  const onlyInsecure = missing.length === 1 && missing[0]?.feature === 'getUserMedia' && isInsecureContext();
  return {
    name: 'browser',
    status: 'failed',
    reason: missing.map((f) => f.feature).join(', '),
    message: `Your browser is missing: ${missing.map((f) => (f.feature === 'version' ? 'a recent enough version' : f.feature)).join(', ')}.`,
    fix: onlyInsecure ? INSECURE_CONTEXT_FIX : updateBrowserFix(info.family),
    details,
  };
}
