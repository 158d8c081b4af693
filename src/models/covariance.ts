import * as tf from '../runtime/tf.js';
import { DataError } from '../errors.js';
import type { Matrix } from './matrix.js';

/**
 * Rows per cross-product chunk. Bounds the float32 sums inside one matmul (each co-moment entry adds at
 * most this many products before it joins the float64 total) and the chunk's transposed copy (`rows x d`
 * float32 twice).
 */
const CHUNK_ROWS = 1024;

/**
 * Widest input whose cross products are summed on the host in float64; wider inputs go through the
 * active TensorFlow.js backend's matmul in float32. Host float64 costs `rows x d^2 / 2` multiply-adds
 * in plain JS: at d = 64 that is 2 M per 1,000 rows (a few ms), where the tensor round trip costs
 * about as much and buys nothing; at d = 784 it is 300 M per 1,000 rows, about 10x the wasm matmul.
 */
const HOST_KERNEL_MAX_COLS = 64;

/**
 * Column means and the centred co-moment `sum_r (x_r - mean)(x_r - mean)^T` of rows added in batches,
 * so a covariance can be had from data that never sits in memory at once.
 *
 * Each chunk is centred on its own mean before its cross products are formed, and chunks are joined
 * with Chan et al.'s pairwise update (`M = Ma + Mb + delta delta^T na nb / n`) in float64. Large
 * column offsets therefore never enter a sum of squares: the float32 matmul only sees values of the
 * size of the spread, and the offset's contribution is added exactly in float64. The result does not
 * depend on how the rows are split into `add` calls beyond float rounding.
 */
export class CovarianceAccumulator {
  /** Columns of every added row. */
  readonly cols: number;
  /** Who is accumulating, first word of every error message (e.g. `pca`). */
  private readonly owner: string;
  private count = 0;
  private readonly runningMean: Float64Array;
  // Full symmetric d x d, row-major: both triangles are kept so the result needs no mirroring.
  private readonly comoment: Float64Array;

  constructor(cols: number, owner = 'covariance') {
    this.cols = cols;
    this.owner = owner;
    this.runningMean = new Float64Array(cols);
    this.comoment = new Float64Array(cols * cols);
  }

  /** Rows added so far. */
  get rows(): number {
    return this.count;
  }

  /** Adds the rows of `m` (same column count as the accumulator; every value finite). */
  add(m: Matrix): this {
    if (m.cols !== this.cols) {
      throw new DataError(`${this.owner}: expected rows of ${this.cols} columns, received ${m.cols}; pass the same columns in every batch`, {
        expected: `${this.cols} columns`,
        received: `${m.cols} columns`,
      });
    }
    for (let start = 0; start < m.rows; start += CHUNK_ROWS) this.addChunk(m, start, Math.min(m.rows, start + CHUNK_ROWS));
    return this;
  }

  /** Column means of the rows added (a copy). */
  mean(): Float64Array {
    return Float64Array.from(this.runningMean);
  }

  /** Sample covariance (divisor rows - 1), row-major `cols x cols`, exactly symmetric; needs at least 2 rows. */
  covariance(): Float64Array {
    if (this.count < 2) throw new DataError(`${this.owner}: fit needs at least 2 rows, received ${this.count}`);
    const d = this.cols;
    const out = new Float64Array(d * d);
    // A float32 matmul need not round (i, j) and (j, i) alike; the eigensolver assumes symmetry.
    for (let i = 0; i < d; i++) {
      for (let j = i; j < d; j++) {
        const v = (this.comoment[i * d + j] + this.comoment[j * d + i]) / (2 * (this.count - 1));
        out[i * d + j] = v;
        out[j * d + i] = v;
      }
    }
    return out;
  }

  private addChunk(m: Matrix, start: number, end: number): void {
    const d = this.cols;
    const rows = end - start;
    const chunkMean = new Float64Array(d);
    for (let r = start; r < end; r++) {
      const base = r * d;
      for (let j = 0; j < d; j++) {
        const v = m.data[base + j];
        if (!Number.isFinite(v)) {
          throw new DataError(`${this.owner}: cannot fit on a non-finite value in feature column ${j}`, { row: r, expected: 'finite number', received: String(v) });
        }
        chunkMean[j] += v;
      }
    }
    for (let j = 0; j < d; j++) chunkMean[j] /= rows;
    const chunkComoment = d <= HOST_KERNEL_MAX_COLS ? hostComoment(m, start, end, chunkMean) : tensorComoment(m, start, end, chunkMean);
    const before = this.count;
    const total = before + rows;
    const weight = (before * rows) / total;
    const delta = new Float64Array(d);
    for (let j = 0; j < d; j++) delta[j] = chunkMean[j] - this.runningMean[j];
    for (let i = 0; i < d; i++) {
      const row = i * d;
      const di = delta[i] * weight;
      for (let j = 0; j < d; j++) this.comoment[row + j] += chunkComoment[row + j] + di * delta[j];
    }
    for (let j = 0; j < d; j++) this.runningMean[j] += (delta[j] * rows) / total;
    this.count = total;
  }
}

/** Co-moment of rows `[start, end)` about `centre`, summed in float64 (upper triangle, then mirrored). */
function hostComoment(m: Matrix, start: number, end: number, centre: Float64Array): Float64Array {
  const d = centre.length;
  const out = new Float64Array(d * d);
  const c = new Float64Array(d);
  for (let r = start; r < end; r++) {
    const base = r * d;
    for (let j = 0; j < d; j++) c[j] = m.data[base + j] - centre[j];
    for (let i = 0; i < d; i++) {
      const ci = c[i];
      if (ci === 0) continue;
      const row = i * d;
      for (let j = i; j < d; j++) out[row + j] += ci * c[j];
    }
  }
  for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) out[i * d + j] = out[j * d + i];
  return out;
}

/**
 * Co-moment of rows `[start, end)` about `centre` by one float32 matmul `C^T C` on the active backend.
 * The transpose is made on the host: the wasm backend's `transposeA` matmul measured 8x slower than a
 * plain matmul of a pre-transposed copy (8,000 x 784 MNIST, 1,024-row chunks: 6.6 s against 0.78 s).
 */
function tensorComoment(m: Matrix, start: number, end: number, centre: Float64Array): Float32Array {
  const d = centre.length;
  const rows = end - start;
  const centred = new Float32Array(rows * d);
  const transposed = new Float32Array(rows * d);
  for (let r = 0; r < rows; r++) {
    const base = (start + r) * d;
    for (let j = 0; j < d; j++) {
      const v = m.data[base + j] - centre[j];
      centred[r * d + j] = v;
      transposed[j * rows + r] = v;
    }
  }
  const product = tf.tidy(() => tf.matMul(tf.tensor2d(transposed, [d, rows]), tf.tensor2d(centred, [rows, d])));
  try {
    return product.dataSync() as Float32Array;
  } finally {
    product.dispose();
  }
}
