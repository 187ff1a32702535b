import { LOW_RESOLUTION_FIX, NO_FRAMES_FIX } from './fixes.js';
import { meanBrightness, waitForFrames } from './frames.js';
import { accessDevice, type DeviceAccessOptions } from './device-access.js';
import { failed, type CheckOutcome } from './types.js';

export interface WebcamCheckOptions extends DeviceAccessOptions {
  /** Show the picture here while checking (optional); otherwise an offscreen element is used. */
  video?: HTMLVideoElement;
  minWidth?: number;
  minHeight?: number;
  /** How long to wait for the first frames before failing. */
  frameTimeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * Webcam check: permission, frames actually arriving (not just a granted track), resolution.
 * Opens the camera only when no stream is given and stops what it opened.
 */
export async function checkWebcam(options: WebcamCheckOptions = {}): Promise<CheckOutcome> {
  const minWidth = options.minWidth ?? 320;
  const minHeight = options.minHeight ?? 240;
  const access = await accessDevice('webcam', options, {
    video: { width: { ideal: 1280 }, height: { ideal: 720 }, facingMode: 'user' },
    audio: false,
  });
  if (!access.ok) return access.outcome;
  const { track } = access;
  try {
    const video = options.video ?? document.createElement('video');
    const frames = await waitForFrames(video, new MediaStream([track]), options.frameTimeoutMs ?? 5000, options.signal);
    const details = [{ label: 'Camera', value: track.label || 'default camera' }];
    if (frames.count < 2) {
      return failed('webcam', 'no-frames', 'The camera is on but no picture arrives.', NO_FRAMES_FIX, details);
    }
    const { width, height } = frames;
    details.push({ label: 'Resolution', value: `${width} × ${height}` });
    const fps = track.getSettings().frameRate;
    if (fps) details.push({ label: 'Frame rate', value: `${Math.round(fps)} fps` });
    const brightness = meanBrightness(video);
    if (brightness !== null) details.push({ label: 'Brightness', value: `${Math.round((brightness / 255) * 100)}%` });
    if (width < minWidth || height < minHeight) {
      return failed(
        'webcam',
        'low-resolution',
        `The camera picture is ${width} × ${height}; at least ${minWidth} × ${minHeight} is needed.`,
        LOW_RESOLUTION_FIX,
        details,
      );
    }
    return { name: 'webcam', status: 'success', message: `Camera works (${width} × ${height}).`, details };
  } finally {
    access.release();
  }
}
