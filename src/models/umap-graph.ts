import type { UmapEdges } from './umap-layout.js';

/**
 * The fuzzy union P + Pᵀ - P∘Pᵀ of the directed membership strengths umap-js computes
 * (`computeMembershipStrengths`: row `i`'s `k` neighbours `cols[i*k + t]`, strength `vals[i*k + t]`), pruned
 * and turned into sampling rates exactly as umap-js's `initializeSimplicialSetEmbedding` does (edges below
 * max / nEpochs dropped, epochs per sample = max / weight). umap-js builds the same graph in string-keyed
 * `Map` sparse matrices (`transpose`, `pairwiseMultiply`, `add`, `subtract`): 12 % of a 50,000-row fit,
 * against well under a second here, where each reverse strength is found by scanning the `k` neighbours of
 * the other row.
 *
 * Both directions of every pair are edges, row-major order (each row's own neighbours, then the reverse
 * edges it adds to rows that do not list it).
 */
export function fuzzyUnionEdges(cols: ArrayLike<number>, vals: ArrayLike<number>, rows: number, k: number, nEpochs: number): UmapEdges {
  const head: number[] = [];
  const tail: number[] = [];
  const weight: number[] = [];
  const reverse = (j: number, i: number): number => {
    for (let t = j * k; t < (j + 1) * k; t++) if (cols[t] === i) return vals[t];
    return -1;
  };
  for (let i = 0; i < rows; i++) {
    for (let t = i * k; t < (i + 1) * k; t++) {
      const j = cols[t];
      if (j < 0 || j === i) continue;
      const v = vals[t];
      const found = reverse(j, i);
      const w = found < 0 ? 0 : found;
      const s = v + w - v * w;
      if (s <= 0) continue;
      head.push(i);
      tail.push(j);
      weight.push(s);
      // A pair listed by one side only: row j never emits it, so it is emitted here for both directions.
      if (found < 0) {
        head.push(j);
        tail.push(i);
        weight.push(s);
      }
    }
  }
  let max = 0;
  for (const w of weight) if (w > max) max = w;
  const keep: number[] = [];
  for (let e = 0; e < weight.length; e++) if (weight[e] >= max / nEpochs) keep.push(e);
  return {
    head: Int32Array.from(keep, (e) => head[e]),
    tail: Int32Array.from(keep, (e) => tail[e]),
    epochsPerSample: Float64Array.from(keep, (e) => max / weight[e]),
  };
}
