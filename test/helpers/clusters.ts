import { tableFromArrays, type RecordBatch } from 'apache-arrow';
import type { Matrix } from '../../src/models/matrix.js';
import { gaussian, seededRandom } from '../../src/models/random.js';

/**
 * `clusters` well-separated Gaussian blobs in `d` dimensions: centres drawn with sd `spread` per coordinate,
 * points with sd 1 around them; row r belongs to cluster r % clusters. Pure function of its arguments.
 */
export function gaussianClusters(rows: number, d: number, seed: number, clusters = 5, spread = 5): { x: Matrix; labels: Int32Array } {
  const random = seededRandom(seed);
  const centres = Array.from({ length: clusters }, () => Array.from({ length: d }, () => spread * gaussian(random)));
  const data = new Float32Array(rows * d);
  const labels = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    labels[r] = r % clusters;
    for (let j = 0; j < d; j++) data[r * d + j] = centres[labels[r]][j] + gaussian(random);
  }
  return { x: { data, rows, cols: d }, labels };
}

/** The same blobs as record batches: `id` (string), `f0..f{d-1}` (float64), `label` (string), `batchRows` rows per batch. */
export function clusterBatches(rows: number, d: number, seed: number, batchRows = 200): RecordBatch[] {
  const { x, labels } = gaussianClusters(rows, d, seed);
  const batches: RecordBatch[] = [];
  for (let s = 0; s < rows; s += batchRows) {
    const e = Math.min(rows, s + batchRows);
    const columns: Record<string, unknown> = { id: Array.from({ length: e - s }, (_, i) => `row-${s + i}`) };
    for (let j = 0; j < d; j++) columns[`f${j}`] = Float64Array.from({ length: e - s }, (_, i) => x.data[(s + i) * d + j]);
    columns.label = Array.from(labels.subarray(s, e), (l) => `c${l}`);
    batches.push(...(tableFromArrays(columns as never).batches as unknown as RecordBatch[]));
  }
  return batches;
}

/**
 * Mean over `queries` rows of the fraction of their `k` nearest `reference` rows (Euclidean, in the embedding;
 * a row is never its own neighbour) that share their label. 1 = every neighbourhood is pure.
 */
export function knnLabelAgreement(
  embedding: Matrix,
  labels: ArrayLike<number>,
  k = 10,
  queries: ArrayLike<number> = Array.from({ length: embedding.rows }, (_, i) => i),
  reference: ArrayLike<number> = queries,
): number {
  const { data, cols } = embedding;
  let total = 0;
  for (let q = 0; q < queries.length; q++) {
    const i = queries[q];
    const near: { dist: number; label: number }[] = [];
    for (let r = 0; r < reference.length; r++) {
      const j = reference[r];
      if (j === i) continue;
      let dist = 0;
      for (let c = 0; c < cols; c++) dist += (data[i * cols + c] - data[j * cols + c]) ** 2;
      near.push({ dist, label: labels[j] });
    }
    near.sort((a, b) => a.dist - b.dist);
    let same = 0;
    for (let t = 0; t < k; t++) if (near[t].label === labels[i]) same++;
    total += same / k;
  }
  return total / queries.length;
}
