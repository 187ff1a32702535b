/**
 * Audio clips with pre-roll. A WebM/Opus file from MediaRecorder only decodes from its start
 * (the header), so instead of cutting one long recording we keep a few overlapping recorders,
 * started every `segmentMs`: when a sound is confirmed, the one that started just before the
 * wanted look-back is claimed and kept running until the sound ends, giving one complete,
 * decodable file that begins with the pre-roll. Unclaimed recorders are dropped as they age out.
 */

export interface RollingRecorderOptions {
  /** How far back a claimed clip must reach (pre-roll + detection delay), ms. */
  lookbackMs: number;
  /** Stagger between recorders; the clip starts at most this much earlier than asked. */
  segmentMs?: number;
}

export interface ClaimedClip {
  /** `performance.now()` when the clip's recording started. */
  readonly startedAt: number;
  /** Stops recording and resolves with the whole clip. */
  stop(): Promise<Blob>;
}

interface Recording {
  recorder: MediaRecorder;
  startedAt: number;
  chunks: Blob[];
  claimed: boolean;
}

const PREFERRED_TYPES = ['audio/webm;codecs=opus', 'audio/webm', 'audio/ogg;codecs=opus', 'audio/mp4'];

export function clipMimeType(): string {
  return PREFERRED_TYPES.find((t) => MediaRecorder.isTypeSupported(t)) ?? '';
}

/** File extension for a recorded MIME type. */
export function clipExtension(mimeType: string): string {
  if (mimeType.includes('ogg')) return 'ogg';
  if (mimeType.includes('mp4')) return 'm4a';
  return 'webm';
}

export class RollingAudioRecorder {
  private readonly recordings: Recording[] = [];
  private readonly audio: MediaStream;
  private readonly segmentMs: number;
  private readonly mimeType = clipMimeType();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    stream: MediaStream,
    private readonly options: RollingRecorderOptions,
  ) {
    this.audio = new MediaStream(stream.getAudioTracks());
    this.segmentMs = options.segmentMs ?? Math.max(250, Math.min(1000, options.lookbackMs / 2));
  }

  start(): void {
    this.startOne();
    this.timer = setInterval(() => {
      this.startOne();
      this.dropAged();
    }, this.segmentMs);
  }

  /** Claims the recording that reaches back at least `lookbackMs` (or the oldest one there is). */
  claim(lookbackMs = this.options.lookbackMs): ClaimedClip {
    const now = performance.now();
    const free = this.recordings.filter((r) => !r.claimed && r.recorder.state === 'recording');
    const oldEnough = free.filter((r) => now - r.startedAt >= lookbackMs);
    // Youngest of those old enough (shortest clip with the full pre-roll), else the oldest.
    const pick = oldEnough.at(-1) ?? free[0] ?? this.startOne();
    pick.claimed = true;
    return {
      startedAt: pick.startedAt,
      stop: () => this.finish(pick),
    };
  }

  dispose(): void {
    clearInterval(this.timer);
    for (const r of this.recordings.splice(0)) if (r.recorder.state !== 'inactive') r.recorder.stop();
  }

  private startOne(): Recording {
    const recorder = new MediaRecorder(this.audio, this.mimeType ? { mimeType: this.mimeType, audioBitsPerSecond: 32000 } : undefined);
    const recording: Recording = { recorder, startedAt: performance.now(), chunks: [], claimed: false };
    recorder.addEventListener('dataavailable', (e) => e.data.size && recording.chunks.push(e.data));
    recorder.start();
    this.recordings.push(recording);
    return recording;
  }

  private dropAged(): void {
    const now = performance.now();
    const maxAge = this.options.lookbackMs + this.segmentMs;
    for (const r of [...this.recordings]) {
      if (!r.claimed && now - r.startedAt > maxAge) {
        r.recorder.stop();
        this.recordings.splice(this.recordings.indexOf(r), 1);
      }
    }
  }

  private finish(recording: Recording): Promise<Blob> {
    const index = this.recordings.indexOf(recording);
    if (index >= 0) this.recordings.splice(index, 1);
    const { recorder } = recording;
    return new Promise((resolve, reject) => {
      if (recorder.state === 'inactive') { resolve(new Blob(recording.chunks, { type: recorder.mimeType })); return; }
      recorder.addEventListener('stop', () => { resolve(new Blob(recording.chunks, { type: recorder.mimeType || this.mimeType })); }, { once: true });
      recorder.addEventListener('error', (e) => {
        const error: unknown = e.error;
        reject(error instanceof Error ? error : new Error('recording failed'));
      }, { once: true });
      recorder.stop();
    });
  }
}
