import { detectBrowser, type BrowserFamily } from './browser-info.js';
import { deviceBusyFix, INSECURE_CONTEXT_FIX, noDeviceFix, unblockDeviceFix } from './fixes.js';
import { defaultGetUserMedia, failed, type CheckOutcome, type GetUserMedia } from './types.js';
import { errorMessage, errorName } from '../errors.js';

export interface DeviceProblem {
  reason: 'permission-denied' | 'no-device' | 'device-busy' | 'unsupported' | 'error';
  message: string;
  fix: string;
}

/** Turns a getUserMedia rejection into a reason, a sentence and a fix the candidate can follow. */
export function describeMediaError(err: unknown, device: 'camera' | 'microphone', family: BrowserFamily): DeviceProblem {
  const name = (err as { name?: string } | null)?.name ?? '';
  const Dev = device === 'camera' ? 'Camera' : 'Microphone';
  switch (name) {
    case 'NotAllowedError':
    case 'PermissionDeniedError':
    case 'SecurityError':
      return {
        reason: 'permission-denied',
        message: `${Dev} access is blocked for this site.`,
        fix: unblockDeviceFix(device, family),
      };
    case 'NotFoundError':
    case 'DevicesNotFoundError':
    case 'OverconstrainedError':
      return { reason: 'no-device', message: `No ${device} was found.`, fix: noDeviceFix(device) };
    case 'NotReadableError':
    case 'TrackStartError':
    case 'AbortError':
      return { reason: 'device-busy', message: `The ${device} could not be started.`, fix: deviceBusyFix(device) };
    case 'TypeError':
      return { reason: 'unsupported', message: `This page cannot use the ${device}.`, fix: INSECURE_CONTEXT_FIX };
    default:
      return {
        reason: 'error',
        message: `The ${device} could not be opened (${errorMessage(err)}).`,
        fix: deviceBusyFix(device),
      };
  }
}

export interface DeviceAccessOptions {
  /** Use this stream's track instead of opening the device (never stopped here). */
  stream?: MediaStream | null;
  getUserMedia?: GetUserMedia | null;
  browser?: BrowserFamily;
}

/** A live track to check (and how to give it back), or the failed outcome explaining why there is none. */
export type DeviceAccess =
  | { ok: true; track: MediaStreamTrack; family: BrowserFamily; release(): void }
  | { ok: false; outcome: CheckOutcome };

/**
 * Gets the camera or microphone track a check examines: from the given stream, else by opening the
 * device. Every way this can go wrong becomes a failed outcome with the matching fix.
 */
export async function accessDevice(
  check: 'webcam' | 'microphone',
  options: DeviceAccessOptions,
  constraints: MediaStreamConstraints,
): Promise<DeviceAccess> {
  const device = check === 'webcam' ? 'camera' : 'microphone';
  const family = options.browser ?? detectBrowser(navigator.userAgent).family;
  let stream = options.stream ?? null;
  let owned = false;
  if (!stream) {
    const gum = options.getUserMedia === undefined ? defaultGetUserMedia() : options.getUserMedia;
    if (!gum) {
      return { ok: false, outcome: failed(check, 'unsupported', `This browser cannot open the ${device} on this page.`, INSECURE_CONTEXT_FIX) };
    }
    try {
      stream = await gum(constraints);
      owned = true;
    } catch (err) {
      const p = describeMediaError(err, device, family);
      const details = [{ label: 'Browser error', value: errorName(err) ?? 'unknown' }];
      return { ok: false, outcome: failed(check, p.reason, p.message, p.fix, details) };
    }
  }
  const opened = stream;
  const release = () => {
    if (owned) for (const t of opened.getTracks()) t.stop();
  };
  const tracks = check === 'webcam' ? opened.getVideoTracks() : opened.getAudioTracks();
  const track = tracks.find((t) => t.readyState === 'live');
  if (!track) {
    release();
    const p = describeMediaError({ name: 'NotFoundError' }, device, family);
    return { ok: false, outcome: failed(check, p.reason, p.message, p.fix) };
  }
  return { ok: true, track, family, release };
}
