/** Order statistics the threshold and scaler models share: pure functions over plain arrays. */

/**
 * Quantile of ascending `sorted` at `q` in [0, 1], interpolating linearly between the closest ranks
 * (numpy's default `linear` method, used by PyOD for its contamination threshold). NaN when empty.
 */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, n - 1);
  const frac = pos - lo;
  return frac === 0 ? sorted[lo] : sorted[lo] + (sorted[hi] - sorted[lo]) * frac;
}

/** Ascending float64 copy of `values`. */
export function sortedCopy(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values).sort();
}
