import { errorMessage, errorName } from '../errors.js';
import { userMediaDevices } from '../platform.js';

/**
 * Camera and microphone acquisition. <eye-proctor> acquires once and shares the stream with its
 * children and detectors; a host (or a test) may inject its own MediaStream instead, in which case
 * the widget never stops those tracks: the owner does.
 */
export interface MediaRequest {
  camera: boolean;
  microphone: boolean;
}

export interface AcquiredMedia {
  stream: MediaStream;
  /** True when the widget opened the devices itself and must stop the tracks on release. */
  owned: boolean;
}

export class MediaAcquisitionError extends Error {
  constructor(
    readonly device: 'camera' | 'microphone' | 'media',
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`Could not access the ${device}: ${reason}`, options);
    this.name = 'MediaAcquisitionError';
  }
}

export async function acquireMedia(request: MediaRequest, injected?: MediaStream | null): Promise<AcquiredMedia> {
  if (injected) return { stream: injected, owned: false };
  const mediaDevices = userMediaDevices();
  if (!mediaDevices) {
    throw new MediaAcquisitionError('media', 'this browser does not support getUserMedia (is the page served over https?)');
  }
  try {
    const stream = await mediaDevices.getUserMedia({
      video: request.camera ? { width: { ideal: 640 }, height: { ideal: 480 }, facingMode: 'user' } : false,
      audio: request.microphone ? { echoCancellation: false, noiseSuppression: false, autoGainControl: false } : false,
    });
    return { stream, owned: true };
  } catch (err) {
    const name = errorName(err);
    const device = request.camera ? 'camera' : 'microphone';
    const reason =
      name === 'NotAllowedError'
        ? 'permission was denied'
        : name === 'NotFoundError'
          ? 'no such device was found'
          : name === 'NotReadableError'
            ? 'the device is in use by another application'
            : errorMessage(err);
    throw new MediaAcquisitionError(device, reason, { cause: err });
  }
}

/** Stops the tracks the widget owns; leaves injected streams alone. */
export function releaseMedia(media: AcquiredMedia | null): void {
  if (media?.owned) for (const track of media.stream.getTracks()) track.stop();
}
