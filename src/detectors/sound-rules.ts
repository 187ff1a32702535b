/** The decision rules behind SOUND_DETECTED, as a pure state machine over (level, time) samples. */

export interface SoundRulesConfig {
  thresholdDb: number;
  /** Time above threshold before the sound counts. */
  soundMinMs: number;
  /** Pre-roll included in the clip (counts toward soundClipMaxMs). */
  soundPreRollMs: number;
  soundClipMaxMs: number;
  /** Dips below the threshold shorter than this don't break a sound (speech has gaps). */
  hangoverMs?: number;
}

export type SoundDecision =
  /** The sound has lasted soundMinMs; it began at `onsetAt`. Start keeping the clip. */
  | { kind: 'start'; onsetAt: number }
  /** The sound ended (or the clip is full): flag it. */
  | { kind: 'end'; peakDb: number; durationMs: number };

export const DEFAULT_HANGOVER_MS = 300;

export class SoundRules {
  private onsetAt: number | null = null;
  private lastAboveAt = 0;
  private peakDb = -Infinity;
  private active = false;

  constructor(private readonly config: SoundRulesConfig) {}

  update(db: number, now: number): SoundDecision[] {
    const hangover = this.config.hangoverMs ?? DEFAULT_HANGOVER_MS;
    const above = db >= this.config.thresholdDb;
    if (above) {
      if (this.onsetAt === null) {
        this.onsetAt = now;
        this.peakDb = db;
      }
      this.lastAboveAt = now;
      this.peakDb = Math.max(this.peakDb, db);
    }
    if (this.onsetAt === null) return [];
    const onsetAt = this.onsetAt;
    const quietFor = now - this.lastAboveAt;
    if (!this.active) {
      if (quietFor > hangover) return this.reset([]);
      if (this.lastAboveAt - onsetAt >= this.config.soundMinMs) {
        this.active = true;
        return [{ kind: 'start', onsetAt }];
      }
      return [];
    }
    const clipFull = now - onsetAt + this.config.soundPreRollMs >= this.config.soundClipMaxMs;
    if (quietFor > hangover || clipFull) {
      const end = { kind: 'end' as const, peakDb: Math.round(this.peakDb * 10) / 10, durationMs: Math.round(this.lastAboveAt - onsetAt) };
      return this.reset([end]);
    }
    return [];
  }

  private reset(out: SoundDecision[]): SoundDecision[] {
    this.onsetAt = null;
    this.active = false;
    this.peakDb = -Infinity;
    return out;
  }
}
