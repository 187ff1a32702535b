/** Small robust statistics for level and brightness samples. */

/** Linear-interpolated percentile (p in 0..100) of `values`; NaN for an empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (Math.min(100, Math.max(0, p)) / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  const at = (i: number) => sorted[i] ?? Number.NaN; // lo and hi are in range: values is not empty
  return at(lo) + (at(hi) - at(lo)) * (rank - lo);
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

export function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/** Rounds to `digits` decimals, for numbers shown to people and sent to the relay. */
export function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
