import { BehaviorSubject, Observable, Subject, startWith, switchMap } from 'rxjs';
import type { EyeConfig } from '../config.js';
import { Event, type EyeEmission, type FlagDetails } from '../events.js';
import type { DetectorContext } from '../detectors/types.js';
import { captureJpeg, mediaFileName } from '../media/snapshot.js';
import { acquireVideoSource, type VideoSource } from '../media/video-source.js';
import { faceDetectionFor, faceDetectionOptions } from '../vision/face-detection-service.js';
import { CHECK_MAX_YAW, FACE_PROBLEM_MESSAGES, type FaceProblem } from './face-quality.js';
import { captureFace, type FaceCapture } from './face-sampling.js';
import { FrameTap } from './frame-tap.js';
import { IdentityEngine, identityModelBaseUrl } from './identity-engine.js';
import { MismatchRule } from './mismatch-rule.js';
import { embedReference } from './reference-image.js';
import { faceSimilarity } from './similarity.js';
import { enrollFromCamera, type Enrollment } from './enrollment.js';
import { errorMessage } from '../errors.js';
import { abortReason, isAborted } from '../cancel-scope.js';

export type { Enrollment } from './enrollment.js';

export type IdentityState = 'off' | 'loading' | 'enrolling' | 'checking' | 'unavailable';

/** What the candidate (and the host) can see of identity checking. */
export interface IdentityStatus {
  state: IdentityState;
  /** What the candidate should fix, while enrollment waits for a usable face (English; UIs translate `problem`). */
  message: string | null;
  /** The same as a key, for translated UIs. */
  problem?: FaceProblem | null;
  /** Similarity of the latest check, 0..1. */
  lastSimilarity: number | null;
  /** Identity checks done since start (frames without exactly one usable face are not checks). */
  checks: number;
}

/** Per-check cost, for benchmarks. */
export interface IdentityStats {
  checks: number;
  totalEmbedMs: number;
  maxEmbedMs: number;
  modelLoadMs: number | null;
}

/** A frame older than this is not "now": wait for the next detection instead. */
const MAX_FRAME_AGE_MS = 1000;
/** Consecutive embedding failures before identity is declared unavailable. */
const MAX_FAILURES = 3;
/** Re-enroll directives this soon after an enrollment are repeats of the one just obeyed. */
const REENROLL_GRACE_MS = 30_000;

/**
 * Identity for one monitoring session of <eye-proctor>: loads the recognition model lazily,
 * enrolls the candidate from good camera frames (IDENTITY_ENROLLED, compared with the reference
 * image when given), then checks the face every `identityCheckIntervalMs` while exactly one
 * usable face is visible and reports FACE_MISMATCH by the k-of-m rule. `detector` plugs into the
 * widget's detectors; `requestReEnrollment()` (relay directive) enrolls again.
 */
export class IdentitySession {
  readonly status$ = new BehaviorSubject<IdentityStatus>({ state: 'off', message: null, lastSimilarity: null, checks: 0 });
  readonly stats: IdentityStats = { checks: 0, totalEmbedMs: 0, maxEmbedMs: 0, modelLoadMs: null };
  private enrollment: Enrollment | null;
  private reEnrolled = false;
  private enrolledAt = 0;
  private unavailableReported = false;
  private engine: Promise<IdentityEngine> | null = null;
  private readonly reEnroll$ = new Subject<void>();

  constructor(
    private readonly config: EyeConfig,
    private readonly createEngine: () => Promise<IdentityEngine> = () => IdentityEngine.create(identityModelBaseUrl(config.assetsBaseUrl)),
    enrollment: Enrollment | null = null,
  ) {
    this.enrollment = enrollment;
  }

  get enrolled(): Enrollment | null {
    return this.enrollment;
  }

  /**
   * Drops the enrollment and enrolls again now; later FACE_MISMATCH flags carry `reEnrolled: true`.
   * The relay repeats its directive until the new IDENTITY_ENROLLED reaches it, so requests during
   * an enrollment or shortly after one are the same request: ignored (returns false).
   */
  requestReEnrollment(): boolean {
    const { state } = this.status$.value;
    if (state === 'loading' || state === 'enrolling' || state === 'unavailable') return false;
    if (this.enrollment && Date.now() - this.enrolledAt < REENROLL_GRACE_MS) return false;
    this.enrollment = null;
    this.reEnrolled = true;
    this.reEnroll$.next();
    return true;
  }

  /** The Detector: enrollment (when needed), then periodic checks. Restarts on re-enrollment. */
  readonly detector = (ctx: DetectorContext): Observable<EyeEmission> =>
    this.reEnroll$.pipe(
      startWith(undefined),
      switchMap(() => new Observable<EyeEmission>((subscriber) => {
        const abort = new AbortController();
        this.run(ctx, abort.signal, (e) => { subscriber.next(e); }).then(
          () => { subscriber.complete(); },
          (err: unknown) => {
            if (abort.signal.aborted) subscriber.complete();
            else subscriber.error(err);
          },
        );
        return () => { abort.abort(new Error('identity stopped')); };
      })),
    );

  close(): void {
    void this.engine?.then((e) => { e.close(); }, () => {});
    this.engine = null;
    this.reEnroll$.complete();
  }

  private setStatus(patch: Partial<IdentityStatus>): void {
    this.status$.next({ ...this.status$.value, ...patch });
  }

  private async run(ctx: DetectorContext, signal: AbortSignal, emit: (e: EyeEmission) => void): Promise<void> {
    const stream = ctx.media;
    if (!stream || !stream.getVideoTracks().length) return;
    this.setStatus({ state: this.enrollment ? 'checking' : 'loading', message: null, problem: null });
    let engine: IdentityEngine;
    try {
      engine = await (this.engine ??= this.loadEngine());
    } catch (err) {
      this.reportUnavailable(ctx, emit, err);
      return;
    }
    if (signal.aborted) return;
    const source = acquireVideoSource(stream);
    const tap = new FrameTap(faceDetectionFor(stream, faceDetectionOptions(this.config)).frames$);
    try {
      if (!this.enrollment) {
        this.setStatus({ state: 'enrolling', message: null, problem: null });
        const { enrollment, still } = await this.enroll(engine, source, tap, signal);
        try {
          if (this.config.identity && this.config.identity.referenceImage !== undefined) {
            enrollment.referenceSimilarity = await this.compareWithReference(engine, enrollment, ctx);
          }
          this.enrollment = enrollment;
          this.enrolledAt = Date.now();
          emit(await this.enrolledFlag(ctx, enrollment, still));
          if (enrollment.referenceSimilarity !== null && enrollment.referenceSimilarity < this.config.identityMatchThreshold) {
            emit(await this.mismatchFlag(ctx, still, enrollment.referenceSimilarity, 'Enrolled face does not match the reference image'));
          }
        } finally {
          still.close();
        }
      }
      this.setStatus({ state: 'checking', message: null, problem: null });
      await this.checkLoop(ctx, engine, source, tap, signal, emit);
    } catch (err) {
      if (isAborted(signal)) return;
      this.reportUnavailable(ctx, emit, err);
    } finally {
      tap.close();
      source.release();
    }
  }

  private async loadEngine(): Promise<IdentityEngine> {
    const engine = await this.createEngine();
    this.stats.modelLoadMs = engine.loadMs;
    return engine;
  }

  private enroll(engine: IdentityEngine, source: VideoSource, tap: FrameTap, signal: AbortSignal): Promise<{ enrollment: Enrollment; still: ImageBitmap }> {
    return enrollFromCamera(engine, source.video, tap, {
      minFaceConfidence: this.config.minFaceConfidence,
      samples: this.config.identityEnrollmentSamples,
      onProblem: (problem) => { this.setStatus({ message: problem ? FACE_PROBLEM_MESSAGES[problem] : null, problem: problem ?? null }); },
      onSample: (ms) => { this.record(ms); },
    }, signal);
  }

  private async compareWithReference(engine: IdentityEngine, enrollment: Enrollment, ctx: DetectorContext): Promise<number | null> {
    const reference = this.config.identity ? this.config.identity.referenceImage : undefined;
    if (reference === undefined) return null;
    try {
      const embedding = await embedReference(engine, reference, new URL(faceDetectionOptions(this.config).assetsBaseUrl, location.href).href);
      return faceSimilarity(embedding, enrollment.template);
    } catch (err) {
      // The candidate cannot fix the host's reference: say so to the host, keep checking against the enrollment.
      console.error('[eye-proctor] identity reference image:', err);
      ctx.window.dispatchEvent(new ErrorEvent('error', { error: err, message: (err as Error).message }));
      return null;
    }
  }

  private async checkLoop(ctx: DetectorContext, engine: IdentityEngine, source: VideoSource, tap: FrameTap, signal: AbortSignal, emit: (e: EyeEmission) => void): Promise<void> {
    const rule = new MismatchRule(this.config.identityMismatchChecks, this.config.identityMismatchWindow);
    let failures = 0;
    for (;;) {
      await sleep(this.config.identityCheckIntervalMs, signal);
      const frame = await tap.fresh(MAX_FRAME_AGE_MS, signal);
      let result: FaceCapture | { problem: FaceProblem };
      try {
        result = await captureFace(engine, source.video, frame, this.config.minFaceConfidence, CHECK_MAX_YAW);
        failures = 0;
      } catch (err) {
        if (++failures >= MAX_FAILURES) throw err;
        continue;
      }
      // No face, several faces, a turned head or darkness are other detectors' business (or no evidence): no check.
      if ('problem' in result) continue;
      try {
        if (signal.aborted || !this.enrollment) return;
        this.record(result.sample.embedMs);
        const similarity = faceSimilarity(result.sample.embedding, this.enrollment.template);
        this.setStatus({ lastSimilarity: similarity, checks: this.status$.value.checks + 1 });
        if (rule.record(similarity < this.config.identityMatchThreshold)) emit(await this.mismatchFlag(ctx, result.still, similarity));
      } finally {
        result.still.close();
      }
    }
  }

  private record(embedMs: number): void {
    this.stats.checks++;
    this.stats.totalEmbedMs += embedMs;
    this.stats.maxEmbedMs = Math.max(this.stats.maxEmbedMs, embedMs);
  }

  private async enrolledFlag(ctx: DetectorContext, enrollment: Enrollment, still: ImageBitmap): Promise<EyeEmission> {
    const details: FlagDetails = { samples: enrollment.samples };
    let description: string | undefined;
    if (enrollment.referenceSimilarity !== null) {
      details.confidence = round(enrollment.referenceSimilarity);
      details.referenceMatch = enrollment.referenceSimilarity >= this.config.identityMatchThreshold;
      description = details.referenceMatch ? 'Candidate face enrolled; matches the reference image' : 'Candidate face enrolled; does NOT match the reference image';
    }
    return this.withJpeg(ctx, Event.IDENTITY_ENROLLED, still, details, description);
  }

  private mismatchFlag(ctx: DetectorContext, still: ImageBitmap, similarity: number, description?: string): Promise<EyeEmission> {
    return this.withJpeg(ctx, Event.FACE_MISMATCH, still, { confidence: round(similarity), reEnrolled: this.reEnrolled }, description);
  }

  private async withJpeg(ctx: DetectorContext, type: Event.FACE_MISMATCH | Event.IDENTITY_ENROLLED, still: ImageBitmap, details: FlagDetails, description?: string): Promise<EyeEmission> {
    const flag = ctx.flag(type, description, details);
    const mediaFile = await captureJpeg(still, { maxWidth: this.config.snapshotMaxWidth, quality: this.config.jpegQuality, name: mediaFileName(type, flag.id, 'jpg') });
    return { type, payload: { ...flag, mediaFile } };
  }

  private reportUnavailable(ctx: DetectorContext, emit: (e: EyeEmission) => void, err: unknown): void {
    const reason = errorMessage(err).slice(0, 300);
    console.error('[eye-proctor] identity checking unavailable:', err);
    this.setStatus({ state: 'unavailable', message: null, problem: null });
    if (this.unavailableReported) return;
    this.unavailableReported = true;
    emit({ type: Event.IDENTITY_UNAVAILABLE, payload: ctx.flag(Event.IDENTITY_UNAVAILABLE, undefined, { reason }) });
  }
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) { reject(abortReason(signal)); return; }
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(abortReason(signal));
    }, { once: true });
  });
}
