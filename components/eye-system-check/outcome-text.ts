import type { Translator, MessageKey } from '../../src/i18n/localize.js';
import { FACE_PROBLEM_KEYS } from '../../src/i18n/face-problems.js';
import { en } from '../../src/i18n/locales/en.js';
import type { CheckOutcome } from '../../src/system-check/types.js';
import { isInsecureContext } from '../../src/system-check/browser.js';

const KNOWN: Record<string, unknown> = en;

/** Catalog keys by device failure reason (src/system-check/device-access.ts, webcam.ts, microphone.ts). */
const DEVICE_REASONS: Record<string, string> = {
  'permission-denied': 'blocked',
  'no-device': 'missing',
  'device-busy': 'busy',
  unsupported: 'unsupported',
  error: 'error',
  'no-frames': 'noFrames',
  'low-resolution': 'lowResolution',
  'audio-suspended': 'suspended',
  silent: 'silent',
};

/** Fix keys that differ from the message key for the same reason. */
const DEVICE_FIXES: Record<string, (device: 'camera' | 'microphone') => MessageKey> = {
  unsupported: () => 'fix.insecure',
  error: (d) => `fix.${d}.busy`,
};

/**
 * What the candidate reads for a finished check, in their language. The core's outcome carries
 * English text for logs and hosts plus a machine-readable `reason`; the element shows the catalog's
 * words for that reason instead, and leaves out raw measurements (units such as dBFS are jargon).
 */
export function outcomeText(o: CheckOutcome, tr: Translator): { message: string; fix: string | null } {
  const key = outcomeKeys(o);
  return { message: tr.t(key.message), fix: key.fix ? tr.t(key.fix) : null };
}

function outcomeKeys(o: CheckOutcome): { message: MessageKey; fix: MessageKey | null } {
  const ok = o.status === 'success';
  switch (o.name) {
    case 'webcam':
    case 'microphone': {
      const device = o.name === 'webcam' ? 'camera' : 'microphone';
      if (ok) return { message: `msg.${device}.ok`, fix: null };
      const reason = DEVICE_REASONS[o.reason ?? ''];
      const message = `msg.${device}.${reason}`;
      if (!reason || !(message in KNOWN)) return { message: 'msg.checkError', fix: 'fix.checkError' };
      const fix = DEVICE_FIXES[o.reason ?? '']?.(device) ?? (`fix.${device}.${reason}` as MessageKey);
      return { message: message as MessageKey, fix: fix in KNOWN ? fix : 'fix.checkError' };
    }
    case 'browser':
      if (ok) return { message: 'msg.browser.ok', fix: null };
      if (o.reason === 'error') return { message: 'msg.checkError', fix: 'fix.checkError' };
      return { message: 'msg.browser.missing', fix: isInsecureContext() ? 'fix.insecure' : 'fix.browser.update' };
    case 'internetSpeed':
      if (ok) return { message: 'msg.network.ok', fix: null };
      if (o.reason === 'no-relay') return { message: 'msg.network.noRelay', fix: 'fix.network.noRelay' };
      if (o.reason === 'unreachable' || o.reason === 'timeout') return { message: 'msg.network.unreachable', fix: 'fix.network.unreachable' };
      if (o.reason === 'error') return { message: 'msg.checkError', fix: 'fix.checkError' };
      return { message: 'msg.network.slow', fix: 'fix.network.slow' };
    case 'identity':
      return identityKeys(o);
  }
}

const IDENTITY_REASONS: Record<string, { message: MessageKey; fix: MessageKey }> = {
  'model-unavailable': { message: 'msg.identity.unavailable', fix: 'fix.identity.unavailable' },
  'reference-mismatch': { message: 'msg.identity.mismatch', fix: 'fix.identity.mismatch' },
  'reference-invalid': { message: 'msg.identity.photoUnusable', fix: 'fix.identity.photoUnusable' },
  'too-slow': { message: 'msg.identity.tooSlow', fix: 'fix.identity.tooSlow' },
  ...FACE_PROBLEM_KEYS,
};

/** The identity step (src/system-check/identity.ts): its own reasons, face problems, or the camera's. */
function identityKeys(o: CheckOutcome): { message: MessageKey; fix: MessageKey | null } {
  if (o.status === 'success') return { message: 'msg.identity.ok', fix: null };
  const own = IDENTITY_REASONS[o.reason ?? ''];
  if (own) return own;
  // Camera access failures (blocked, missing, busy, ...) read as the camera check's.
  return outcomeKeys({ ...o, name: 'webcam' });
}
