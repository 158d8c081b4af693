import * as tf from '../../runtime/tf.js';
import { ModelStateError, showValue } from '../../errors.js';
import type { Matrix } from '../matrix.js';
import { permutation, seededRandom } from '../random.js';
import type { NeighborConfig, NeighborStats } from './neighbor-stats.js';

/**
 * Reference rows kept at most: scoring compares each row with every reference code, so this bounds the
 * cost per row (1024 · codeSize multiply-adds, plus a top-k of 1024) and the model file (1024 · codeSize
 * numbers); a seeded sample of a larger training set estimates the same density. On the tune half, samples
 * of 256 / 512 / 1024 / 2048 / all rows gave mean ROC-AUC 0.753 / 0.756 / 0.757 / 0.761 / 0.758, while the
 * distance part scores about 160k / 79k / 44k / 25k / (4096 rows) 12k rows/s on the wasm backend
 * (bench/results/peers-tune-neighbors.md).
 */
export const NEIGHBOR_REFERENCE_ROWS = 1024;

/** Query rows per distance matrix on the device (rows x reference rows floats at a time). */
const QUERY_CHUNK_ROWS = 1024;

/**
 * The neighbour statistics of a fitted model from its training codes and training scores. Needs more
 * training rows than k (the distance of a reference row leaves the row itself out).
 */
export function fitCodeNeighbors(config: NeighborConfig, codes: Matrix, scores: ArrayLike<number>, seed: number): NeighborStats {
  const { k, weight } = config;
  if (codes.rows <= k) {
    throw new ModelStateError(`autoencoder: neighbors.k is ${k} but there are only ${codes.rows} training rows; use a smaller k or more rows, or neighbors: null`);
  }
  const reference = sampleRows(codes, NEIGHBOR_REFERENCE_ROWS, seed);
  let scoreSum = 0;
  for (let i = 0; i < scores.length; i++) scoreSum += scores[i];
  const referenceCodes = Array.from(reference.data);
  const own = new CodeNeighbors({ k: k + 1, weight, codes: referenceCodes, rows: reference.rows, scoreNorm: 1, distanceNorm: 1 });
  let distanceSum = 0;
  try {
    // A reference row is its own nearest code (distance 0): its k-th neighbour other than itself is the (k+1)-th.
    const distances = own.distances(reference);
    for (let i = 0; i < distances.length; i++) distanceSum += distances[i];
  } finally {
    own.dispose();
  }
  return {
    k,
    weight,
    codes: referenceCodes,
    rows: reference.rows,
    // Floors keep a training set of identical rows from dividing by zero.
    scoreNorm: Math.max(scoreSum / scores.length, 1e-12),
    distanceNorm: Math.max(distanceSum / reference.rows, 1e-12),
  };
}

/**
 * The first reason saved neighbour statistics cannot score with a `codeSize`-unit code, as one sentence
 * naming the field under `name` (`model.neighbors.codes[3] is null; ...`), or undefined when they can. One
 * check for both readers: `Autoencoder.load` and the model-directory validator (latentflow.json).
 */
export function neighborStatsProblem(value: unknown, codeSize: number, name: string): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) return `${name} is ${showValue(value)}; expected an object`;
  const s = value as Record<string, unknown>;
  const rows = s.rows;
  if (typeof rows !== 'number' || !Number.isSafeInteger(rows) || rows < 1) return `${name}.rows is ${showValue(rows)}; expected the number of reference codes (>= 1)`;
  if (typeof s.k !== 'number' || !Number.isSafeInteger(s.k) || s.k < 1 || s.k > rows) return `${name}.k is ${showValue(s.k)}; expected an integer from 1 to ${rows}`;
  if (typeof s.weight !== 'number' || !(s.weight > 0 && s.weight < 1)) return `${name}.weight is ${showValue(s.weight)}; expected a share in (0, 1)`;
  for (const key of ['scoreNorm', 'distanceNorm'] as const) {
    const v = s[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) return `${name}.${key} is ${showValue(v)}; expected a number > 0 (scoring divides by it)`;
  }
  const codes = s.codes;
  const length = rows * codeSize;
  if (!Array.isArray(codes)) return `${name}.codes is ${showValue(codes)}; expected ${length} numbers`;
  if (codes.length !== length) return `${name}.codes has ${codes.length} values; expected ${length}`;
  // JSON has no NaN or Infinity: a damaged file holds null or a string there.
  const bad = codes.findIndex((v) => typeof v !== 'number' || !Number.isFinite(v));
  return bad < 0 ? undefined : `${name}.codes[${bad}] is ${showValue(codes[bad])}; expected a finite number`;
}

/** Saved neighbour statistics, checked by {@link neighborStatsProblem}; a damaged file is a `ModelStateError`. */
export function checkNeighborStats(stats: NeighborStats | null | undefined, codeSize: number): NeighborStats | null {
  const problem = neighborStatsProblem(stats, codeSize, 'neighbors');
  if (problem !== undefined) throw new ModelStateError(`autoencoder: the saved code neighbours are damaged (${problem}); fit the model again`);
  return stats ?? null;
}

/** The reference codes on the device, for scoring; dispose with `dispose()`. */
export class CodeNeighbors {
  readonly stats: NeighborStats;
  /**
   * The reference codes as columns (c × rows): `q · referenceT` is a plain product, which wasm runs on
   * XNNPACK; `matMul(q, reference, false, true)` took its scalar path (bench/neighbor-speed.ts).
   */
  private readonly referenceT: tf.Tensor2D;
  /** Per reference row, ‖r‖², on the host: the selection of the nearest codes runs there. */
  private readonly referenceNorms: Float32Array;
  /** The k smallest values of the current row, unsorted (scratch). */
  private readonly nearest: Float64Array;

  constructor(stats: NeighborStats) {
    this.stats = stats;
    const c = stats.codes.length / stats.rows;
    const reference = tf.tensor2d(stats.codes, [stats.rows, c], 'float32');
    this.referenceT = tf.tidy(() => tf.transpose(reference));
    reference.dispose();
    this.referenceNorms = new Float32Array(stats.rows);
    for (let r = 0; r < stats.rows; r++) {
      let sum = 0;
      for (let j = 0; j < c; j++) sum += stats.codes[r * c + j] ** 2;
      this.referenceNorms[r] = sum;
    }
    this.nearest = new Float64Array(stats.k);
  }

  /**
   * Per code row (as a column), the distance to its k-th nearest reference code. The products q·r run on
   * the backend (a plain matMul); the rest (‖q‖² − 2 q·r + ‖r‖² and the k-th smallest) runs in one pass on
   * the host: as tensor ops (sub, mul, add, relu, neg, topk over rows x reference values) it cost about three
   * times the product (bench/neighbor-speed.ts).
   */
  distance(code: tf.Tensor2D): tf.Tensor2D {
    const [n, c] = code.shape;
    const R = this.stats.rows;
    const k = this.stats.k;
    const codes = code.dataSync();
    const norms = this.referenceNorms;
    const nearest = this.nearest;
    const out = new Float32Array(n);
    for (let start = 0; start < n; start += QUERY_CHUNK_ROWS) {
      const size = Math.min(QUERY_CHUNK_ROWS, n - start);
      const products = tf.tidy(() => tf.matMul(size === n ? code : tf.slice(code, [start, 0], [size, -1]), this.referenceT));
      const p = products.dataSync();
      products.dispose();
      for (let i = 0; i < size; i++) {
        // The k smallest ‖r‖² − 2 q·r (‖q‖² is the same for every r), kept unsorted with their largest known.
        nearest.fill(Infinity);
        let worst = Infinity;
        let worstAt = 0;
        const row = i * R;
        for (let r = 0; r < R; r++) {
          const v = norms[r] - 2 * p[row + r];
          if (v >= worst) continue;
          nearest[worstAt] = v;
          worst = nearest[0];
          worstAt = 0;
          for (let h = 1; h < k; h++) {
            if (nearest[h] > worst) {
              worst = nearest[h];
              worstAt = h;
            }
          }
        }
        let q2 = 0;
        for (let j = 0, o = (start + i) * c; j < c; j++) q2 += codes[o + j] * codes[o + j];
        // Clamped at 0 against rounding: a code equal to a reference one is at distance 0.
        out[start + i] = Math.sqrt(Math.max(0, q2 + worst));
      }
    }
    return tf.tensor2d(out, [n, 1]);
  }

  /** The blended score of rows whose own score (`scoreBy`) is `score` and whose codes are `code` (columns). */
  blend(score: tf.Tensor2D, code: tf.Tensor2D): tf.Tensor2D {
    const { weight, scoreNorm, distanceNorm } = this.stats;
    return tf.add(tf.mul(score, (1 - weight) / scoreNorm), tf.mul(this.distance(code), weight / distanceNorm));
  }

  /** {@link distance} for a matrix of codes, on the host. */
  distances(codes: Matrix): Float32Array {
    const out = tf.tidy(() => this.distance(tf.tensor2d(codes.data, [codes.rows, codes.cols], 'float32')));
    try {
      return out.dataSync() as Float32Array;
    } finally {
      out.dispose();
    }
  }

  dispose(): void {
    this.referenceT.dispose();
  }
}

/** At most `max` rows of `m`: all of them, or a seeded sample in their original order. */
function sampleRows(m: Matrix, max: number, seed: number): Matrix {
  if (m.rows <= max) return m;
  const picked = permutation(m.rows, seededRandom(seed)).subarray(0, max).sort();
  const data = new Float32Array(max * m.cols);
  picked.forEach((r, i) => data.set(m.data.subarray(r * m.cols, (r + 1) * m.cols), i * m.cols));
  return { data, rows: max, cols: m.cols };
}
