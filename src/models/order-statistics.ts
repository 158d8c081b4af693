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

/** Number of values in ascending `sorted` at or below `v` (binary search). */
export function countAtMost(sorted: ArrayLike<number>, v: number): number {
  return partitionPoint(sorted, (x) => x <= v);
}

/** Number of values in ascending `sorted` strictly below `v` (binary search). */
export function countBelow(sorted: ArrayLike<number>, v: number): number {
  return partitionPoint(sorted, (x) => x < v);
}

/** First index of ascending `sorted` where `isBefore` turns false. */
function partitionPoint(sorted: ArrayLike<number>, isBefore: (x: number) => boolean): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (isBefore(sorted[mid])) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
