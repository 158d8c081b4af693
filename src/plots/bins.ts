/**
 * Equal-width binning for the histogram charts, done in JS so a chart spec carries one row per bin rather
 * than one per value.
 */

/** Per-series bin counts over shared edges. */
export interface BinnedSeries {
  label: string;
  /** `bins + 1` edges, ascending. */
  edges: number[];
  /** Values per bin; bin i spans `[edges[i], edges[i+1])`, the last bin also holds `edges[bins]`. */
  counts: number[];
}

/**
 * Bins every series over shared equal-width edges (from `range`, else the overall finite min and max).
 * Non-finite values are skipped; values outside `range` are counted in the edge bins. With no finite value
 * the edges span [0, 1]; with a single distinct value they span [v, v + 1].
 */
export function binSeries(series: { label: string; values: ArrayLike<number> }[], bins: number, range?: [number, number]): BinnedSeries[] {
  let lo = range?.[0] ?? Infinity;
  let hi = range?.[1] ?? -Infinity;
  if (range === undefined) {
    for (const s of series) {
      for (let i = 0; i < s.values.length; i++) {
        const v = s.values[i];
        if (Number.isFinite(v)) {
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
      }
    }
  }
  if (!Number.isFinite(lo)) [lo, hi] = [0, 1];
  if (hi <= lo) hi = lo + 1;
  const width = (hi - lo) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => lo + i * width);
  return series.map((s) => {
    const counts = new Array<number>(bins).fill(0);
    for (let i = 0; i < s.values.length; i++) {
      const v = s.values[i];
      if (!Number.isFinite(v)) continue;
      counts[Math.min(bins - 1, Math.max(0, Math.floor((v - lo) / width)))]++;
    }
    return { label: s.label, edges, counts };
  });
}
