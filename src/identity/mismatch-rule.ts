/**
 * The k-of-m rule: a mismatch is reported only when `k` of the last `m` identity checks fell
 * below the threshold, never on one frame (a hand over the face, motion blur, a sneeze). After a
 * report the window starts over, so a sustained impostor is reported again after k more checks.
 */
export class MismatchRule {
  private readonly recent: boolean[] = [];

  constructor(
    readonly k: number,
    readonly m: number,
  ) {
    if (k < 2 || k > m) throw new RangeError(`k-of-m needs 2 <= k <= m (got ${k} of ${m})`);
  }

  /** Records one check; true when it completes a sustained mismatch. */
  record(mismatch: boolean): boolean {
    this.recent.push(mismatch);
    if (this.recent.length > this.m) this.recent.shift();
    if (this.recent.filter(Boolean).length < this.k) return false;
    this.recent.length = 0;
    return true;
  }

  reset(): void {
    this.recent.length = 0;
  }
}
