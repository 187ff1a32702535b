import type { EyeConfig } from './config.js';
import { platform } from './platform.js';

/** What the consent step lists as monitored, derived from the config in force. */
export interface ConsentScope {
  camera: boolean;
  microphone: boolean;
  tabFocus: boolean;
  fullscreen: boolean;
  devtools: boolean;
  /** 0 = no periodic snapshots. */
  snapshotIntervalMs: number;
  /** An identity check (face enrollment and matching) runs. */
  identity: boolean;
}

export function consentScopeOf(config: Partial<EyeConfig> & Record<string, unknown>): ConsentScope {
  const camera = config.camera !== false;
  return {
    camera,
    microphone: config.microphone !== false,
    tabFocus: config.tabFocus !== false,
    fullscreen: config.fullscreen !== false || config.requireFullscreen === true,
    devtools: config.devtools === true,
    snapshotIntervalMs: camera ? (config.snapshotIntervalMs ?? 30000) : 0,
    identity: camera && Boolean(config['identity']),
  };
}

/** Thrown by `start()` (and the system check's `run()`) when the candidate declines the consent step. */
export class ConsentDeclinedError extends Error {
  constructor() {
    super('The candidate did not consent to monitoring; nothing was started.');
    this.name = 'ConsentDeclinedError';
  }
}

/**
 * The version of a consent text: `sha256:<hex>` of its whitespace-normalised words, so the relay
 * can prove which exact text a candidate saw. Falls back to FNV-1a where WebCrypto is unavailable
 * (insecure http pages), prefixed `fnv1a:`.
 */
export async function consentTextVersion(text: string): Promise<string> {
  const normalised = text.replace(/\s+/g, ' ').trim();
  const bytes = new TextEncoder().encode(normalised);
  const subtle = platform.crypto?.subtle;
  if (subtle) {
    const digest = new Uint8Array(await subtle.digest('SHA-256', bytes));
    return `sha256:${[...digest].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
  }
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) h = BigInt.asUintN(64, (h ^ BigInt(b)) * 0x100000001b3n);
  return `fnv1a:${h.toString(16).padStart(16, '0')}`;
}
