import { abortError } from './types.js';

export interface FrameProbe {
  /** Distinct frames seen before returning. */
  count: number;
  width: number;
  height: number;
}

/** A <video> whose frame callbacks may be missing (lib.dom types them as always there; older Firefox/Safari lack them). */
type FrameCallbackVideo = Omit<HTMLVideoElement, 'requestVideoFrameCallback' | 'cancelVideoFrameCallback'> & {
  requestVideoFrameCallback?(cb: () => void): number;
  cancelVideoFrameCallback?(handle: number): void;
};

/**
 * Plays `stream` in `video` and counts frames that actually arrive: a granted track can still
 * deliver nothing (covered lens, camera held by another app). Uses requestVideoFrameCallback
 * where available and falls back to watching `currentTime` advance.
 */
export async function waitForFrames(
  video: HTMLVideoElement,
  stream: MediaStream,
  timeoutMs: number,
  signal?: AbortSignal,
  wanted = 3,
): Promise<FrameProbe> {
  const v: FrameCallbackVideo = video;
  v.muted = true;
  v.playsInline = true;
  v.autoplay = true;
  if (v.srcObject !== stream) v.srcObject = stream;
  let count = 0;
  let lastTime = -1;
  let handle = 0;
  let poll: ReturnType<typeof setInterval> | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      if (signal?.aborted) { reject(abortError()); return; }
      const seen = () => {
        count++;
        if (count >= wanted && v.videoWidth > 0) resolve();
      };
      if (v.requestVideoFrameCallback) {
        const onFrame = () => {
          seen();
          handle = v.requestVideoFrameCallback?.(onFrame) ?? 0; // present: this callback came from it
        };
        handle = v.requestVideoFrameCallback(onFrame);
      }
      poll = setInterval(() => {
        if (v.readyState >= 2 && v.currentTime !== lastTime) {
          lastTime = v.currentTime;
          seen();
        }
      }, 100);
      timer = setTimeout(resolve, timeoutMs);
      onAbort = () => { reject(abortError()); };
      signal?.addEventListener('abort', onAbort, { once: true });
      v.play().catch(() => {
        // Autoplay refusal is possible outside a user gesture; frame counting still tells the truth.
      });
    });
  } finally {
    clearInterval(poll);
    clearTimeout(timer);
    if (handle && v.cancelVideoFrameCallback) v.cancelVideoFrameCallback(handle);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
  return { count, width: v.videoWidth, height: v.videoHeight };
}

let scratch: HTMLCanvasElement | null = null;

/** Mean luma (0..255) of the current video frame, sampled at 64×48; null before the first frame. */
export function meanBrightness(video: HTMLVideoElement): number | null {
  if (!video.videoWidth || !video.videoHeight) return null;
  scratch ??= document.createElement('canvas');
  scratch.width = 64;
  scratch.height = 48;
  const ctx = scratch.getContext('2d', { willReadFrequently: true });
  if (!ctx) return null;
  ctx.drawImage(video, 0, 0, 64, 48);
  const { data } = ctx.getImageData(0, 0, 64, 48);
  let sum = 0;
  for (let i = 0; i < data.length; i += 4) sum += 0.2126 * (data[i] ?? 0) + 0.7152 * (data[i + 1] ?? 0) + 0.0722 * (data[i + 2] ?? 0);
  return sum / (data.length / 4);
}
