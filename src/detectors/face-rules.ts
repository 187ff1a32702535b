/**
 * The decision rules behind FACE_ABSENCE and MULTIPLE_FACE, as a pure state machine over analysed
 * frames (no timers, no DOM) so they are easy to reason about and test.
 */

export interface FaceRulesConfig {
  faceAbsenceMs: number;
  /** 0 = once per absence episode. */
  faceAbsenceRepeatMs: number;
  multipleFaceFrames: number;
  minFaceConfidence: number;
  /**
   * Score a detection needs to count towards presence (default `minFaceConfidence`); see
   * `presenceConfidence` for the value calibrated on the candidate's own face.
   */
  presenceConfidence?: number;
  /** Presence is judged over the last this many analysed frames (default 5: 1 s at 5 fps). */
  presenceWindowFrames?: number;
  /** ...and holds while at least this many of them show a face (default 3: a majority). */
  presenceMinFrames?: number;
  /**
   * How much time before the first analysed frame it may vouch for (default: unlimited). Absence
   * counts from the origin, but unobserved time is no evidence: when analysis starts late (engine
   * still loading), only this much before the first analysed frame counts as absence.
   */
  maxUnobservedMs?: number;
}

export interface FaceObservation {
  /** ms, monotonic. */
  timestamp: number;
  /** Scores of every candidate face, including those below `minFaceConfidence`. */
  scores: readonly number[];
}

export type FaceDecision =
  | { kind: 'absence'; durationMs: number; confidence: number }
  | { kind: 'multiple'; faceCount: number; confidence: number };

const round2 = (x: number) => Math.round(x * 100) / 100;

export const DEFAULT_PRESENCE_WINDOW_FRAMES = 5;
export const DEFAULT_PRESENCE_MIN_FRAMES = 3;
/** How far below the candidate's calibrated face score a detection may fall and still count. */
export const CALIBRATED_PRESENCE_MARGIN = 0.25;

/**
 * The score a detection needs to count as the candidate being there: `minFaceConfidence`, raised
 * towards the candidate's own face score when a calibration measured it (a real face in good light
 * scores 0.9+, while face-like shapes and posters hover around 0.5-0.6).
 */
export function presenceConfidence(config: { minFaceConfidence: number; calibration?: { faceConfidence: number | null } | null }): number {
  const calibrated = config.calibration?.faceConfidence;
  if (typeof calibrated !== 'number' || !Number.isFinite(calibrated)) return config.minFaceConfidence;
  return round2(Math.max(config.minFaceConfidence, calibrated - CALIBRATED_PRESENCE_MARGIN));
}

/**
 * Presence has hysteresis: a face counts as there only while a majority of the recent frames
 * (`presenceMinFrames` of the last `presenceWindowFrames`) show one at `presenceConfidence`, so a
 * detection that flickers in every other frame does not reset the absence timer. Absence is counted
 * from the last face frame while presence held, or from `origin` (monitoring start / the camera's
 * first frame) when presence never held.
 */
export class FaceRules {
  /** Since when nobody has been judged present (ms); null until the origin or first frame. */
  private absentSince: number | null;
  private absenceReportedAt: number | null = null;
  /** Best candidate score seen during the current absence: how close it came to a face being there. */
  private bestCandidate = 0;
  /** Whether each of the recent frames showed a face at the presence confidence, newest last. */
  private recent: boolean[] = [];
  private present = false;
  /** Newest frame with a face while presence held. */
  private lastSeenAt: number | null = null;
  private multipleRun: { faceCount: number; secondScore: number }[] = [];
  private multipleActive = false;
  private calmFrames = 0;
  private readonly presenceScore: number;
  private readonly windowFrames: number;
  private readonly minFrames: number;

  /** `origin`: when absence starts counting if no face is ever seen (default: the first frame). */
  constructor(
    private readonly config: FaceRulesConfig,
    origin: number | null = null,
  ) {
    this.absentSince = origin;
    this.presenceScore = config.presenceConfidence ?? config.minFaceConfidence;
    this.windowFrames = Math.max(1, config.presenceWindowFrames ?? DEFAULT_PRESENCE_WINDOW_FRAMES);
    this.minFrames = Math.min(this.windowFrames, Math.max(1, config.presenceMinFrames ?? DEFAULT_PRESENCE_MIN_FRAMES));
  }

  /** Sets the origin later (e.g. once the camera delivers its first frame), unless a frame came first. */
  begin(origin: number): void {
    if (this.absentSince === null && !this.present && this.recent.length === 0) this.absentSince = origin;
  }

  update(frame: FaceObservation): FaceDecision[] {
    const faces = frame.scores.filter((s) => s >= this.config.minFaceConfidence).sort((a, b) => b - a);
    return [...this.absence(frame), ...this.multiple(faces)];
  }

  private absence(frame: FaceObservation): FaceDecision[] {
    const faceSeen = frame.scores.some((s) => s >= this.presenceScore);
    this.recent.push(faceSeen);
    if (this.recent.length > this.windowFrames) this.recent.shift();
    const wasPresent = this.present;
    // Until the window has minFrames frames (monitoring just started), every frame so far must show
    // a face: a real face already in view counts at once, and absence still counts from the origin.
    this.present = this.recent.filter(Boolean).length >= Math.min(this.minFrames, this.recent.length);
    if (this.present) {
      if (faceSeen) this.lastSeenAt = frame.timestamp;
      this.absentSince = null;
      this.absenceReportedAt = null;
      this.bestCandidate = 0;
      return [];
    }
    // Presence just ended: the candidate was last seen on the newest face frame while it held.
    if (wasPresent) this.absentSince = this.lastSeenAt ?? frame.timestamp;
    if (this.absentSince === null) this.absentSince = frame.timestamp;
    if (this.recent.length === 1) {
      // First analysed frame: it stands for the time since the origin, within maxUnobservedMs.
      this.absentSince = Math.max(this.absentSince, frame.timestamp - (this.config.maxUnobservedMs ?? Infinity));
    }
    this.bestCandidate = Math.max(this.bestCandidate, ...frame.scores, 0);
    const durationMs = frame.timestamp - this.absentSince;
    if (durationMs < this.config.faceAbsenceMs) return [];
    const due =
      this.absenceReportedAt === null ||
      (this.config.faceAbsenceRepeatMs > 0 && frame.timestamp - this.absenceReportedAt >= this.config.faceAbsenceRepeatMs);
    if (!due) return [];
    this.absenceReportedAt = frame.timestamp;
    // Confidence that nobody is there: 1 minus how face-like the best rejected candidate was.
    return [{ kind: 'absence', durationMs: Math.round(durationMs), confidence: round2(1 - this.bestCandidate) }];
  }

  private multiple(faces: number[]): FaceDecision[] {
    const n = this.config.multipleFaceFrames;
    if (faces.length >= 2) {
      this.calmFrames = 0;
      this.multipleRun.push({ faceCount: faces.length, secondScore: faces[1] ?? 0 }); // faces.length >= 2
      if (this.multipleRun.length > n) this.multipleRun.shift();
      if (this.multipleActive || this.multipleRun.length < n) return [];
      this.multipleActive = true;
      // The episode is as certain as its weakest extra face over the stable frames.
      return [
        {
          kind: 'multiple',
          faceCount: Math.max(...this.multipleRun.map((f) => f.faceCount)),
          confidence: round2(Math.min(...this.multipleRun.map((f) => f.secondScore))),
        },
      ];
    }
    this.multipleRun = [];
    // A face flickering out for a frame doesn't end the episode; n calm frames do.
    if (this.multipleActive && ++this.calmFrames >= n) {
      this.multipleActive = false;
      this.calmFrames = 0;
    }
    return [];
  }
}
