import type { Observable, Subscription } from 'rxjs';
import type { FaceFrame } from '../vision/face-detection-service.js';
import { abortReason } from '../cancel-scope.js';

/**
 * Holds one subscription to a stream's face detection frames for as long as identity needs
 * them (subscribing per check would stop and restart a loop nobody else listens to), and
 * hands out the latest frame or waits for the next one.
 */
export class FrameTap {
  private latest: FaceFrame | null = null;
  private failure: Error | null = null;
  private waiters: { resolve: (f: FaceFrame) => void; reject: (e: Error) => void }[] = [];
  private readonly subscription: Subscription;

  constructor(frames$: Observable<FaceFrame>) {
    this.subscription = frames$.subscribe({
      next: (frame) => {
        this.latest = frame;
        for (const w of this.waiters.splice(0)) w.resolve(frame);
      },
      error: (err: unknown) => {
        this.failure = err instanceof Error ? err : new Error(String(err));
        for (const w of this.waiters.splice(0)) w.reject(this.failure);
      },
    });
  }

  /** The latest frame if it is at most `maxAgeMs` old, else the next one. */
  async fresh(maxAgeMs: number, signal: AbortSignal): Promise<FaceFrame> {
    if (this.latest && performance.now() - this.latest.timestamp <= maxAgeMs) return this.latest;
    return this.next(signal);
  }

  next(signal: AbortSignal): Promise<FaceFrame> {
    if (this.failure) return Promise.reject(this.failure);
    if (signal.aborted) return Promise.reject(abortReason(signal));
    return new Promise((resolve, reject) => {
      const waiter = { resolve, reject };
      this.waiters.push(waiter);
      signal.addEventListener('abort', () => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(abortReason(signal));
      }, { once: true });
    });
  }

  close(): void {
    this.subscription.unsubscribe();
    for (const w of this.waiters.splice(0)) w.reject(new Error('frame tap closed'));
  }
}
