/**
 * How well a low-dimensional map keeps the structure of the data: trustworthiness (are the map's neighbours
 * real neighbours?) and the silhouette of known labels (are the classes apart?). Pure functions over
 * `Matrix` rows, Euclidean distances, exact: O(n² · d) time and O(n) memory per row block, meant for up to a
 * few thousand rows (5,000 rows of 784 pixels take seconds to tens of seconds).
 */
import type { Matrix } from '../models/matrix.js';

/** Rows whose distances to every row are computed together: each pass over the data serves this many rows. */
const BLOCK_ROWS = 32;
/** Below this fraction of non-zero values the distance kernel walks only the non-zeros (e.g. MNIST: ~19 %). */
const SPARSE_DENSITY = 0.5;

/**
 * Trustworthiness of the embedding `low` of the rows of `high` (Venna & Kaski 2001; the definition of
 * scikit-learn's `sklearn.manifold.trustworthiness`, Euclidean in both spaces):
 *
 * T(k) = 1 − 2 / (n·k·(2n − 3k − 1)) · Σ_i Σ_{j ∈ N_k^low(i)} max(0, r(i, j) − k)
 *
 * where N_k^low(i) are the k nearest neighbours of row i in `low` (itself excluded) and r(i, j) is the rank
 * of j among all rows by distance to i in `high` (1 = nearest). 1 means every map neighbour is among the k
 * nearest in `high`; a random map scores about 0.5. Ties are broken by row index in both spaces (scikit-learn
 * breaks them arbitrarily, so data with exact ties can differ from it by a little).
 *
 * `k`: neighbours, an integer with 1 <= k < n / 2 (scikit-learn's limit). Default 10. Throws a
 * `RangeError` when the row counts differ, `k` is out of range, or a value is not finite.
 */
export function trustworthiness(high: Matrix, low: Matrix, k = 10): number {
  return trustworthinessEach(high, [low], k)[0];
}

/**
 * `trustworthiness(high, low, k)` for every matrix of `lows`, in order, computing the distances in `high`
 * (the expensive part) once: use it to compare several maps of the same data.
 */
export function trustworthinessEach(high: Matrix, lows: readonly Matrix[], k = 10): number[] {
  const n = high.rows;
  checkFinite(high, 'trustworthiness', 'high');
  for (const [m, low] of lows.entries()) {
    if (low.rows !== n) throw new RangeError(`trustworthiness: high has ${n} rows but lows[${m}] has ${low.rows}; pass one embedded row per row`);
    checkFinite(low, 'trustworthiness', `lows[${m}]`);
  }
  if (!Number.isInteger(k) || k < 1 || k >= n / 2) {
    throw new RangeError(`trustworthiness: k must be an integer with 1 <= k < rows / 2 = ${n / 2}, received ${k}; lower k or add rows`);
  }
  const penalties = new Float64Array(lows.length);
  const lowDist = new Float64Array(n);
  const nearIdx = new Int32Array(k);
  const nearDist = new Float64Array(k);
  forEachDistanceBlock(high, (first, count, dist) => {
    for (let b = 0; b < count; b++) {
      const i = first + b;
      const row = dist.subarray(b * n, (b + 1) * n);
      // The k-th nearest row in `high`, in (distance, index) order: a map neighbour that sorts at or before it
      // has rank <= k and costs nothing, so only the others need their rank counted.
      kNearest(row, i, k, nearIdx, nearDist);
      const kthDist = nearDist[k - 1];
      const kthIdx = nearIdx[k - 1];
      for (let m = 0; m < lows.length; m++) {
        squaredDistancesFrom(lows[m], i, lowDist);
        kNearest(lowDist, i, k, nearIdx, nearDist);
        for (let q = 0; q < k; q++) {
          const j = nearIdx[q];
          const dj = row[j];
          if (dj < kthDist || (dj === kthDist && j <= kthIdx)) continue;
          let rank = 1;
          for (let l = 0; l < n; l++) if (l !== i && (row[l] < dj || (row[l] === dj && l < j))) rank++;
          penalties[m] += rank - k;
        }
      }
    }
  });
  const scale = 2 / (n * k * (2 * n - 3 * k - 1));
  return Array.from(penalties, (p) => 1 - p * scale);
}

/**
 * Mean silhouette of the clusters given by `labels` (one per row of `points`; numbers or strings, equal
 * values form a cluster), with Euclidean distances, as scikit-learn's `silhouette_score`: for each row,
 * a = mean distance to the other rows of its cluster, b = the smallest mean distance to the rows of another
 * cluster, s = (b − a) / max(a, b), and s = 0 for a row alone in its cluster. In [-1, 1]: near 1 when the
 * clusters are compact and far apart, near 0 when they overlap (e.g. random labels).
 *
 * Throws a `RangeError` when the lengths differ, when there are fewer than 2 or more than rows − 1 distinct
 * labels (scikit-learn's limits), or when a value is not finite.
 */
export function silhouette(points: Matrix, labels: ArrayLike<number | string>): number {
  const n = points.rows;
  if (labels.length !== n) throw new RangeError(`silhouette: ${n} rows but ${labels.length} labels; pass one label per row`);
  checkFinite(points, 'silhouette', 'points');
  const codes = new Int32Array(n);
  const ids = new Map<number | string, number>();
  for (let i = 0; i < n; i++) {
    let code = ids.get(labels[i]);
    if (code === undefined) ids.set(labels[i], (code = ids.size));
    codes[i] = code;
  }
  const clusters = ids.size;
  if (clusters < 2 || clusters > n - 1) {
    throw new RangeError(`silhouette: needs 2 to rows - 1 = ${n - 1} distinct labels, received ${clusters}`);
  }
  const sizes = new Float64Array(clusters);
  for (let i = 0; i < n; i++) sizes[codes[i]]++;
  const sums = new Float64Array(clusters);
  let total = 0;
  forEachDistanceBlock(points, (first, count, dist) => {
    for (let b = 0; b < count; b++) {
      const i = first + b;
      const own = codes[i];
      if (sizes[own] === 1) continue;
      sums.fill(0);
      const offset = b * n;
      for (let j = 0; j < n; j++) sums[codes[j]] += Math.sqrt(dist[offset + j]);
      const a = sums[own] / (sizes[own] - 1);
      let nearest = Infinity;
      for (let c = 0; c < clusters; c++) if (c !== own) nearest = Math.min(nearest, sums[c] / sizes[c]);
      const spread = Math.max(a, nearest);
      // a = b = 0 (duplicates everywhere) gives 0/0; scikit-learn maps that NaN to 0.
      if (spread > 0) total += (nearest - a) / spread;
    }
  });
  return total / n;
}

/**
 * Calls `visit(first, count, dist)` for consecutive blocks of rows of `m`, in order; `dist[b * rows + j]` is
 * the squared Euclidean distance from row `first + b` to row `j` (0 on the diagonal, never negative). The
 * buffer is reused between calls.
 */
function forEachDistanceBlock(m: Matrix, visit: (first: number, count: number, dist: Float64Array) => void): void {
  const { rows: n, cols: d, data: x } = m;
  const norms = new Float64Array(n);
  let nonZeros = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let t = i * d; t < (i + 1) * d; t++) {
      s += x[t] * x[t];
      if (x[t] !== 0) nonZeros++;
    }
    norms[i] = s;
  }
  const sparse = nonZeros <= SPARSE_DENSITY * n * d ? toSparseRows(m, nonZeros) : undefined;
  const dots = new Float64Array(BLOCK_ROWS * n);
  for (let first = 0; first < n; first += BLOCK_ROWS) {
    const count = Math.min(BLOCK_ROWS, n - first);
    if (sparse) sparseDots(m, sparse, first, count, dots);
    else denseDots(m, first, count, dots);
    // ‖x − y‖² = ‖x‖² + ‖y‖² − 2 x·y in float64: exact enough for ranks and means, and it lets the kernel
    // reuse each loaded value of row j for four rows i.
    for (let b = 0; b < count; b++) {
      const i = first + b;
      const offset = b * n;
      for (let j = 0; j < n; j++) dots[offset + j] = Math.max(0, norms[i] + norms[j] - 2 * dots[offset + j]);
      dots[offset + i] = 0;
    }
    visit(first, count, dots);
  }
}

/** Non-zero values of every row (compressed sparse rows). */
interface SparseRows {
  start: Int32Array;
  index: Int32Array;
  value: Float64Array;
}

function toSparseRows(m: Matrix, nonZeros: number): SparseRows {
  const { rows: n, cols: d, data: x } = m;
  const start = new Int32Array(n + 1);
  const index = new Int32Array(nonZeros);
  const value = new Float64Array(nonZeros);
  let p = 0;
  for (let i = 0; i < n; i++) {
    start[i] = p;
    for (let t = 0; t < d; t++) {
      const v = x[i * d + t];
      if (v !== 0) {
        index[p] = t;
        value[p++] = v;
      }
    }
  }
  start[n] = p;
  return { start, index, value };
}

/** `out[b * rows + j] = row(first + b) · row(j)` for b < count, over the non-zeros of row j. */
function sparseDots(m: Matrix, s: SparseRows, first: number, count: number, out: Float64Array): void {
  const { rows: n, cols: d, data: x } = m;
  const { start, index, value } = s;
  for (let j = 0; j < n; j++) {
    const p0 = start[j];
    const p1 = start[j + 1];
    let b = 0;
    for (; b + 3 < count; b += 4) {
      const r0 = (first + b) * d;
      const r1 = r0 + d;
      const r2 = r1 + d;
      const r3 = r2 + d;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let p = p0; p < p1; p++) {
        const t = index[p];
        const v = value[p];
        s0 += x[r0 + t] * v;
        s1 += x[r1 + t] * v;
        s2 += x[r2 + t] * v;
        s3 += x[r3 + t] * v;
      }
      out[b * n + j] = s0;
      out[(b + 1) * n + j] = s1;
      out[(b + 2) * n + j] = s2;
      out[(b + 3) * n + j] = s3;
    }
    for (; b < count; b++) {
      const r = (first + b) * d;
      let sum = 0;
      for (let p = p0; p < p1; p++) sum += x[r + index[p]] * value[p];
      out[b * n + j] = sum;
    }
  }
}

/** `out[b * rows + j] = row(first + b) · row(j)` for b < count. */
function denseDots(m: Matrix, first: number, count: number, out: Float64Array): void {
  const { rows: n, cols: d, data: x } = m;
  for (let j = 0; j < n; j++) {
    const rj = j * d;
    let b = 0;
    for (; b + 3 < count; b += 4) {
      const r0 = (first + b) * d;
      const r1 = r0 + d;
      const r2 = r1 + d;
      const r3 = r2 + d;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let t = 0; t < d; t++) {
        const v = x[rj + t];
        s0 += x[r0 + t] * v;
        s1 += x[r1 + t] * v;
        s2 += x[r2 + t] * v;
        s3 += x[r3 + t] * v;
      }
      out[b * n + j] = s0;
      out[(b + 1) * n + j] = s1;
      out[(b + 2) * n + j] = s2;
      out[(b + 3) * n + j] = s3;
    }
    for (; b < count; b++) {
      const r = (first + b) * d;
      let sum = 0;
      for (let t = 0; t < d; t++) sum += x[r + t] * x[rj + t];
      out[b * n + j] = sum;
    }
  }
}

/** Squared Euclidean distances from row `i` of `m` to every row, computed directly (exact for small `cols`). */
function squaredDistancesFrom(m: Matrix, i: number, out: Float64Array): void {
  const { rows: n, cols: d, data: x } = m;
  const ri = i * d;
  for (let j = 0; j < n; j++) {
    const rj = j * d;
    let sum = 0;
    for (let t = 0; t < d; t++) {
      const diff = x[ri + t] - x[rj + t];
      sum += diff * diff;
    }
    out[j] = sum;
  }
}

/**
 * The `k` smallest entries of `dist` other than `self`, ascending by (distance, index), into `idx` and
 * `best` (insertion into a sorted list: O(rows) for small k).
 */
function kNearest(dist: Float64Array, self: number, k: number, idx: Int32Array, best: Float64Array): void {
  let filled = 0;
  for (let j = 0; j < dist.length; j++) {
    if (j === self) continue;
    const v = dist[j];
    // Scanning j upwards, an equal distance is never an improvement, so ties keep index order.
    if (filled === k && v >= best[k - 1]) continue;
    let at = filled < k ? filled++ : k - 1;
    while (at > 0 && best[at - 1] > v) {
      best[at] = best[at - 1];
      idx[at] = idx[at - 1];
      at--;
    }
    best[at] = v;
    idx[at] = j;
  }
}

function checkFinite(m: Matrix, fn: string, name: string): void {
  if (m.data.length !== m.rows * m.cols) {
    throw new RangeError(`${fn}: ${name} has ${m.data.length} values for ${m.rows} x ${m.cols}; pass a full row-major matrix`);
  }
  for (let i = 0; i < m.data.length; i++) {
    if (!Number.isFinite(m.data[i])) {
      throw new RangeError(`${fn}: ${name} row ${Math.floor(i / m.cols)} column ${i % m.cols} is ${m.data[i]}; expected a finite number`);
    }
  }
}
