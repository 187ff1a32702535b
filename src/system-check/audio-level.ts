import { Observable } from 'rxjs';

/** Floor for silence: digital zero has no finite dBFS. Matches the config's lowest threshold. */
export const SILENCE_DB = -100;

/** RMS of float samples (-1..1) in dBFS, floored at SILENCE_DB. */
export function rmsDbfs(samples: Float32Array): number {
  let sum = 0;
  for (const s of samples) sum += s * s;
  const rms = Math.sqrt(sum / (samples.length || 1));
  return rms > 0 ? Math.max(SILENCE_DB, 20 * Math.log10(rms)) : SILENCE_DB;
}

export interface AudioLevelOptions {
  /** Sampling period; each value is the RMS of the latest analyser window (~43 ms at 48 kHz). */
  intervalMs?: number;
  /** Reuse a context (e.g. one resumed by a click); otherwise one is created and closed on teardown. */
  audioContext?: AudioContext;
}

/**
 * Sound level of the stream's audio in dBFS, as a cold Observable: subscribing builds the
 * WebAudio graph, unsubscribing tears it down. Errors when the stream has no live audio track.
 */
export function audioLevels(stream: MediaStream, options: AudioLevelOptions = {}): Observable<number> {
  return new Observable<number>((subscriber) => {
    const track = stream.getAudioTracks().find((t) => t.readyState === 'live');
    if (!track) {
      subscriber.error(new DOMException('The stream has no live audio track', 'NotFoundError'));
      return;
    }
    const ctx = options.audioContext ?? new AudioContext();
    const owned = !options.audioContext;
    const source = ctx.createMediaStreamSource(new MediaStream([track]));
    const analyser = ctx.createAnalyser();
    analyser.fftSize = 2048;
    source.connect(analyser);
    if (ctx.state === 'suspended') ctx.resume().catch(() => {});
    const buffer = new Float32Array(analyser.fftSize);
    const timer = setInterval(() => {
      analyser.getFloatTimeDomainData(buffer);
      subscriber.next(rmsDbfs(buffer));
    }, options.intervalMs ?? 50);
    return () => {
      clearInterval(timer);
      source.disconnect();
      analyser.disconnect();
      if (owned) ctx.close().catch(() => {});
    };
  });
}

/** Collects levels for `durationMs`; rejects with AbortError when `signal` aborts. */
export function collectLevels(
  stream: MediaStream,
  durationMs: number,
  options: AudioLevelOptions & { signal?: AbortSignal } = {},
): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const levels: number[] = [];
    const sub = audioLevels(stream, options).subscribe({ next: (db) => levels.push(db), error: reject });
    const finish = () => {
      sub.unsubscribe();
      options.signal?.removeEventListener('abort', onAbort);
    };
    const timer = setTimeout(() => {
      finish();
      resolve(levels);
    }, durationMs);
    const onAbort = () => {
      clearTimeout(timer);
      finish();
      reject(new DOMException('The check was cancelled', 'AbortError'));
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
  });
}
