import { collectLevels, SILENCE_DB } from './audio-level.js';
import { AUDIO_SUSPENDED_FIX, SILENT_MICROPHONE_FIX } from './fixes.js';
import { accessDevice, type DeviceAccessOptions } from './device-access.js';
import { round } from './stats.js';
import { delay, failed, type CheckOutcome } from './types.js';

export interface MicrophoneCheckOptions extends DeviceAccessOptions {
  /** How long to listen for a signal. */
  listenMs?: number;
  /**
   * Peak level (dBFS) that counts as "signal present". A working microphone always picks up some
   * noise (typically -70..-40 dBFS); a muted one delivers digital zero.
   */
  minPeakDb?: number;
  audioContext?: AudioContext;
  signal?: AbortSignal;
}

/** Microphone check: permission, a live audio track, and a signal that is not pure silence. */
export async function checkMicrophone(options: MicrophoneCheckOptions = {}): Promise<CheckOutcome> {
  const access = await accessDevice('microphone', options, {
    audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false },
    video: false,
  });
  if (!access.ok) return access.outcome;
  const { track } = access;
  try {
    // Browsers keep audio suspended until the page has had a click: then every level reads as
    // silence, which must not be blamed on the microphone.
    const ctx = options.audioContext ?? new AudioContext();
    let levels: number[];
    try {
      if (ctx.state !== 'running') await Promise.race([ctx.resume().catch(() => {}), delay(500, options.signal)]);
      if (ctx.state !== 'running') {
        return failed('microphone', 'audio-suspended', 'The browser has not yet allowed this page to measure sound.', AUDIO_SUSPENDED_FIX);
      }
      levels = await collectLevels(new MediaStream([track]), options.listenMs ?? 1500, { audioContext: ctx, signal: options.signal });
    } finally {
      if (!options.audioContext) ctx.close().catch(() => {});
    }
    const peak = levels.length ? Math.max(...levels) : SILENCE_DB;
    const details = [
      { label: 'Microphone', value: track.label || 'default microphone' },
      { label: 'Peak level', value: peak <= SILENCE_DB ? 'silence' : `${round(peak)} dBFS` },
    ];
    if (track.muted || peak < (options.minPeakDb ?? -90)) {
      return failed('microphone', 'silent', 'The microphone is on but sends no sound.', SILENT_MICROPHONE_FIX, details);
    }
    return { name: 'microphone', status: 'success', message: 'Microphone works.', details };
  } finally {
    access.release();
  }
}
