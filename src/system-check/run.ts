import type { SystemCheck, SystemCheckName, SystemCheckStatus } from '../events.js';
import { checkBrowser } from './browser.js';
import type { IdentityCheckOptions } from './identity.js';
import { checkInternetSpeed, type SpeedTestOptions } from './internet-speed.js';
import { checkMicrophone } from './microphone.js';
import type { CheckOutcome, GetUserMedia } from './types.js';
import { checkWebcam } from './webcam.js';
import { errorMessage, errorName } from '../errors.js';

/** Where a check is in the UI; the SystemCheck payload folds `running` into `default`. */
export type CheckState = 'default' | 'running' | 'success' | 'failed';

export interface CheckProgress {
  name: SystemCheckName;
  state: CheckState;
  outcome: CheckOutcome | null;
}

export interface CheckDependencies {
  relayUrl: string | null;
  /** A stream already open (e.g. <eye-proctor>'s while it monitors): used, never stopped. */
  stream?: MediaStream | null;
  getUserMedia?: GetUserMedia | null;
  audioContext?: AudioContext;
  speed?: SpeedTestOptions;
  webcam?: { minWidth?: number; minHeight?: number };
  /** For the `identity` step: assets, thresholds and the optional reference photo. */
  identity?: Omit<IdentityCheckOptions, 'stream' | 'getUserMedia' | 'signal'>;
  signal?: AbortSignal;
}

/** Runs one check; a check never throws for a device or network problem, only for cancellation. */
export async function runCheck(name: SystemCheckName, deps: CheckDependencies): Promise<CheckOutcome> {
  const { signal } = deps;
  try {
    switch (name) {
      case 'webcam':
        return await checkWebcam({ stream: deps.stream, getUserMedia: deps.getUserMedia, signal, ...deps.webcam });
      case 'microphone':
        return await checkMicrophone({ stream: deps.stream, getUserMedia: deps.getUserMedia, audioContext: deps.audioContext, signal });
      case 'browser':
        return await checkBrowser();
      case 'internetSpeed':
        return await checkInternetSpeed(deps.relayUrl, { ...deps.speed, signal });
      case 'identity':
        if (!deps.identity) throw new Error('the identity step needs its options');
        // Loaded on demand: the identity step (and its model) is opt-in.
        return await (await import('./identity.js')).checkIdentity({ ...deps.identity, stream: deps.stream, getUserMedia: deps.getUserMedia, signal });
    }
  } catch (err) {
    if (errorName(err) === 'AbortError') throw err;
    return {
      name,
      status: 'failed',
      reason: 'error',
      message: `The check could not finish (${errorMessage(err)}).`,
      fix: 'Press “Retry”. If it keeps failing, reload the page.',
      details: [],
    };
  }
}

/** The SYSTEM_CHECK_COMPLETED payload, exactly as DESIGN.md gives it. */
export function toSystemCheck(progress: readonly CheckProgress[], now = new Date()): SystemCheck {
  const data = progress.map(({ name, state }) => {
    const status: SystemCheckStatus = state === 'success' || state === 'failed' ? state : 'default';
    return { name, status, finished: status !== 'default' };
  });
  return { success: data.length > 0 && data.every((d) => d.status === 'success'), timestamp: now.toISOString(), data };
}
