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

export class FaceRules {
  private absentSince: number | null = null;
  private absenceReportedAt: number | null = null;
  /** Best sub-threshold candidate seen during the current absence: how close it came to a face. */
  private bestCandidate = 0;
  private multipleRun: { faceCount: number; secondScore: number }[] = [];
  private multipleActive = false;
  private calmFrames = 0;

  constructor(private readonly config: FaceRulesConfig) {}

  update(frame: FaceObservation): FaceDecision[] {
    const faces = frame.scores.filter((s) => s >= this.config.minFaceConfidence).sort((a, b) => b - a);
    return [...this.absence(frame, faces), ...this.multiple(faces)];
  }

  private absence(frame: FaceObservation, faces: number[]): FaceDecision[] {
    if (faces.length > 0) {
      this.absentSince = null;
      this.absenceReportedAt = null;
      this.bestCandidate = 0;
      return [];
    }
    if (this.absentSince === null) this.absentSince = frame.timestamp;
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
      this.multipleRun.push({ faceCount: faces.length, secondScore: faces[1]! });
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
