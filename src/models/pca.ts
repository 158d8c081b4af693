import { DataError, ModelConfigError, ModelStateError } from '../errors.js';
import { CovarianceAccumulator } from './covariance.js';
import type { Matrix } from './matrix.js';
import { covarianceDecomposition, svdDecomposition, type Decomposition, type EigenGoal } from './pca-decomposition.js';
import { parseOptions } from './option-schema.js';
import { DEFAULT_PCA_SCORE_BY, DEFAULT_VARIANCE_FRACTION, type PcaConfig, pcaOptions } from './pca-options.js';

export type { PcaConfig, PcaScoreBy } from './pca-options.js';

/** Saved form of a fitted `PcaModel`: enough to encode and score without ml-pca. */
export interface PcaState {
  type: 'pca';
  version: 1;
  params: PcaConfig;
  inputDim: number;
  /** Components kept. */
  k: number;
  /** Column means of the training data, length `inputDim`. */
  mean: number[];
  /** Kept principal axes, row-major `k x inputDim`, each a unit vector. */
  components: number[];
  /**
   * Explained-variance ratio of every component the fit found (not only the kept ones), descending: all
   * of them after a full solve, the leading ones the options need after a partial one (wide data).
   */
  varianceRatios: number[];
  /**
   * `scoreBy: mahalanobis` only: the training variance along every principal axis (floored, > 0) and the
   * axes themselves (row-major, `inputDim` values each). When there is one variance per input column
   * (a complete basis), the axes may stop before the floored tail, whose variances are all equal, since
   * scoring needs no dot product there (see `savedAxesCover`). Absent in files written before scoreBy
   * existed, which load as `reconstruction`.
   */
  allAxes?: number[];
  axisVariances?: number[];
}

/**
 * `fit` decomposes the data matrix by SVD up to this many rows per column, above it the covariance
 * (accumulated in chunks, then one cols x cols eigendecomposition). The SVD costs about rows^2 x cols,
 * the eigendecomposition cols^3 whatever the rows, so they cross near rows = cols. Measured (wasm
 * backend, Gaussian data, machine under load), SVD against covariance: d = 784: n = 400 3.8 s / 6.5 s,
 * n = 784 16 s / 13 s, n = 1,200 27 s / 8.6 s; d = 50: n = 25 1.3 / 2.1 ms, n = 50 3.6 / 2.4 ms.
 */
const SVD_MAX_ROWS_PER_COL = 1;

/** Whether `PcaModel.fit` on `rows x cols` takes the covariance path, the one `partialFit` always takes. */
export function fitsByCovariance(rows: number, cols: number): boolean {
  return rows > cols * SVD_MAX_ROWS_PER_COL;
}

/** Smallest axis variance `mahalanobis` divides by, relative to the mean variance per column (see `scoreBy`). */
const MAHALANOBIS_VARIANCE_FLOOR = 1;

/**
 * Principal component analysis as a linear autoencoder baseline: `encode` projects onto the top-k axes,
 * `reconstruct` maps back, and `score` is the per-row mean squared reconstruction error in the units the
 * model was fit in. Call order: `fit(m)`, or any number of `partialFit(batch)` then `finish()` (rows
 * streamed into a running covariance, never held), then `encode`/`score`. The axes come from ml-pca: an
 * SVD of the data when rows <= columns, else an eigendecomposition of the covariance; encoding and
 * scoring use the stored axes directly in float64. Component signs are fixed (largest-magnitude loading
 * positive, as scikit-learn's) so codes are reproducible.
 */
export class PcaModel {
  readonly config: Readonly<PcaConfig>;
  private state: PcaState | undefined;
  // Rows given to partialFit since the last fit: their running mean and co-moment, never the rows.
  private pending: CovarianceAccumulator | undefined;

  constructor(config: PcaConfig = {}) {
    this.config = validatePcaConfig(config);
  }

  /** True after `fit` or `fromJSON`. */
  get isFitted(): boolean {
    return this.state !== undefined;
  }

  /** Components kept after fit. */
  get k(): number {
    return this.require('k').k;
  }

  /** Columns the model was fit on. */
  get inputDim(): number {
    return this.require('inputDim').inputDim;
  }

  /** Explained-variance ratio of each kept component, descending. */
  get explainedVariance(): number[] {
    const s = this.require('explainedVariance');
    return s.varianceRatios.slice(0, s.k);
  }

  /** Sum of the kept components' explained-variance ratios, in [0, 1]. */
  get explainedVarianceTotal(): number {
    return this.explainedVariance.reduce((a, b) => a + b, 0);
  }

  /**
   * Fits the axes on the rows of `m` (at least 2 rows). Refitting replaces the previous fit and forgets
   * rows given to `partialFit`.
   */
  fit(m: Matrix): this {
    const { rows, cols } = m;
    this.checkK(cols);
    if (rows < 2) {
      throw new DataError(`pca: fit needs at least 2 rows, received ${rows}`);
    }
    this.pending = undefined;
    if (fitsByCovariance(rows, cols)) {
      this.partialFit(m).finish();
      // Rows of a fit are not pending: a later partialFit starts from none, as after the SVD path.
      this.pending = undefined;
      return this;
    }
    const dataset: number[][] = new Array(rows);
    for (let r = 0; r < rows; r++) {
      const row = Array.from(m.data.subarray(r * cols, (r + 1) * cols));
      for (let j = 0; j < cols; j++) {
        if (!Number.isFinite(row[j])) {
          throw new DataError(`pca: cannot fit on a non-finite value in feature column ${j}`, {
            row: r,
            expected: 'finite number',
            received: String(row[j]),
          });
        }
      }
      dataset[r] = row;
    }
    const mean = new Array<number>(cols).fill(0);
    for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) mean[j] += dataset[r][j];
    for (let j = 0; j < cols; j++) mean[j] /= rows;
    this.adopt(svdDecomposition(dataset), mean, rows, cols);
    return this;
  }

  /**
   * Adds the rows of `m` to the running covariance without fitting: call `finish()` to (re)fit on every
   * row added since the last `fit`. Memory stays `cols x cols` float64 whatever the number of rows, so
   * data larger than memory or a stream can be fitted batch by batch; the result equals `fit` on all
   * rows at once up to float rounding. The current fit, if any, stays in use until `finish`.
   */
  partialFit(m: Matrix): this {
    if (this.pending === undefined) {
      this.checkK(m.cols);
      this.pending = new CovarianceAccumulator(m.cols, 'pca');
    } else if (m.cols !== this.pending.cols) {
      throw new DataError(`pca: partialFit received ${m.cols} columns after batches of ${this.pending.cols}; pass the same columns in every batch`, {
        expected: `${this.pending.cols} columns`,
        received: `${m.cols} columns`,
      });
    }
    this.pending.add(m);
    return this;
  }

  /**
   * Fits the axes on every row given to `partialFit` since the last `fit` (at least 2), by an
   * eigendecomposition of their covariance. More `partialFit` calls may follow; `finish` again refits.
   */
  finish(): this {
    const acc = this.pending;
    if (acc === undefined) throw new ModelStateError('pca: finish called before partialFit; add rows with partialFit(m) first');
    const { rows, cols } = acc;
    if (rows < 2) throw new DataError(`pca: fit needs at least 2 rows, received ${rows}`);
    this.adopt(covarianceDecomposition(acc.covariance(), cols, this.axesGoal(cols)), Array.from(acc.mean()), rows, cols);
    return this;
  }

  /** Projects each row onto the kept axes: a `rows x k` matrix of codes. */
  encode(m: Matrix): Matrix {
    const s = this.checkInput(m, 'encode');
    const out = new Float32Array(m.rows * s.k);
    const centred = new Float64Array(s.inputDim);
    for (let r = 0; r < m.rows; r++) {
      this.centre(m, r, centred);
      for (let c = 0; c < s.k; c++) out[r * s.k + c] = dot(s.components, c * s.inputDim, centred);
    }
    return { data: out, rows: m.rows, cols: s.k };
  }

  /** Maps each row to its projection on the kept axes, in input units. */
  reconstruct(m: Matrix): Matrix {
    const s = this.checkInput(m, 'reconstruct');
    const out = new Float32Array(m.data.length);
    const recon = new Float64Array(s.inputDim);
    this.forEachReconstruction(m, (r) => {
      for (let j = 0; j < s.inputDim; j++) out[r * s.inputDim + j] = recon[j];
    }, recon);
    return { data: out, rows: m.rows, cols: s.inputDim };
  }

  /**
   * Per-row anomaly score, higher means more anomalous: the mean squared reconstruction error, or with
   * `scoreBy: mahalanobis` the squared Mahalanobis distance over all components divided by d.
   */
  score(m: Matrix): Float32Array {
    const s = this.checkInput(m, 'score');
    if (this.config.scoreBy === 'mahalanobis') return this.mahalanobis(m, s);
    const out = new Float32Array(m.rows);
    const recon = new Float64Array(s.inputDim);
    this.forEachReconstruction(m, (r) => {
      let sum = 0;
      for (let j = 0; j < s.inputDim; j++) {
        const e = m.data[r * s.inputDim + j] - recon[j];
        sum += e * e;
      }
      out[r] = sum / s.inputDim;
    }, recon);
    return out;
  }

  /** Per-feature squared reconstruction errors, same shape as `m`; row means equal `score`. */
  featureErrors(m: Matrix): Matrix {
    const s = this.checkInput(m, 'featureErrors');
    const out = new Float32Array(m.data.length);
    const recon = new Float64Array(s.inputDim);
    this.forEachReconstruction(m, (r) => {
      for (let j = 0; j < s.inputDim; j++) {
        const e = m.data[r * s.inputDim + j] - recon[j];
        out[r * s.inputDim + j] = e * e;
      }
    }, recon);
    return { data: out, rows: m.rows, cols: s.inputDim };
  }

  /** The fitted state as plain JSON (a copy). */
  toJSON(): PcaState {
    const s = this.require('toJSON');
    return {
      ...s,
      params: { ...s.params },
      mean: [...s.mean],
      components: [...s.components],
      varianceRatios: [...s.varianceRatios],
      ...(s.allAxes ? { allAxes: [...s.allAxes], axisVariances: [...(s.axisVariances as number[])] } : {}),
    };
  }

  /** Restores a model from `toJSON` output; scores equal the original's bit for bit. */
  static fromJSON(state: PcaState): PcaModel {
    if (state?.type !== 'pca' || state.version !== 1) {
      throw new ModelStateError(
        `pca: expected a saved state with type "pca" and version 1, received type "${String(state?.type)}" version ${String(state?.version)}`,
      );
    }
    const { inputDim, k } = state;
    if (state.mean?.length !== inputDim || state.components?.length !== k * inputDim) {
      throw new ModelStateError(`pca: saved state needs ${inputDim} means and ${k} x ${inputDim} components; the file is damaged`);
    }
    // States saved before scoreBy existed scored by reconstruction error; they keep doing so.
    const model = new PcaModel({ scoreBy: 'reconstruction', ...state.params });
    if (model.config.scoreBy === 'mahalanobis') {
      if (!savedAxesCover(state.allAxes, state.axisVariances, inputDim)) {
        throw new ModelStateError(`pca: scoreBy mahalanobis needs the saved axes and their variances (${inputDim} values per axis); the file is damaged`);
      }
    }
    model.state = {
      ...state,
      mean: [...state.mean],
      components: [...state.components],
      varianceRatios: [...state.varianceRatios],
      ...(state.allAxes ? { allAxes: [...state.allAxes], axisVariances: [...(state.axisVariances as number[])] } : {}),
    };
    return model;
  }

  private checkK(cols: number): void {
    if (this.config.k !== undefined && this.config.k > cols) {
      throw new ModelConfigError('k', `pca: k=${this.config.k} exceeds ${cols} numeric columns; lower k`);
    }
  }

  /**
   * Takes the axes of a decomposition of `rows x cols` data with column means `mean` as the fit. At most
   * `min(rows, cols)` axes count, whichever way they were found, so both paths keep the same number.
   */
  private adopt(decomposition: Decomposition, mean: number[], rows: number, cols: number): void {
    const { variances: eigenvalues, total: sum, loading } = decomposition;
    // At most min(rows, cols) axes count, whichever way they were found, so both paths keep the same number.
    const available = Math.min(eigenvalues.length, rows, cols);
    const ratios = eigenvalues.slice(0, available).map((v) => (Number.isFinite(v / sum) ? Math.max(0, v / sum) : 0));
    const k = this.config.k ?? componentsFor(ratios, this.config.varianceFraction ?? DEFAULT_VARIANCE_FRACTION);
    if (k > available) {
      throw new ModelConfigError('k', `pca: k=${k} exceeds the ${available} components ${rows} rows x ${cols} columns give; lower k or add rows`);
    }
    const components = new Array<number>(k * cols);
    for (let c = 0; c < k; c++) {
      let sign = 1;
      let largest = -1;
      for (let j = 0; j < cols; j++) {
        const v = loading(j, c);
        if (Math.abs(v) > largest) {
          largest = Math.abs(v);
          sign = v < 0 ? -1 : 1;
        }
      }
      for (let j = 0; j < cols; j++) components[c * cols + j] = sign * loading(j, c);
    }
    const state: PcaState = { type: 'pca', version: 1, params: { ...this.config }, inputDim: cols, k, mean, components, varianceRatios: ratios };
    if (this.config.scoreBy === 'mahalanobis') {
      const floor = mahalanobisFloor(sum, cols);
      const found = eigenvalues.slice(0, available).map((v) => (Number.isFinite(v) ? Math.max(0, v) : 0));
      // A partial solve (covariance path, so a basis of `cols` axes) found the axes above the floor and one
      // below (see axesGoal); every axis it left out has no more variance than that one, so it is floored
      // too, and only the axes above the floor are kept (savedAxesCover).
      const head = decomposition.complete ? available : found.filter((v) => v > floor).length;
      if (!decomposition.complete && head >= available) {
        throw new ModelStateError(`pca: a partial decomposition found ${available} axes, all above the Mahalanobis variance floor; it should have found one below`);
      }
      const count = decomposition.complete ? available : cols;
      state.axisVariances = Array.from({ length: count }, (_, c) => Math.max(found[c] ?? 0, floor, 1e-12));
      state.allAxes = new Array<number>(head * cols);
      for (let c = 0; c < head; c++) for (let j = 0; j < cols; j++) state.allAxes[c * cols + j] = loading(j, c);
    }
    this.state = state;
  }

  /**
   * How many leading axes a fit with these options needs, from estimates of the leading variances and
   * their total: `k`, or enough to reach `varianceFraction`, and with Mahalanobis scoring every axis
   * above the variance floor plus the first one below it (which bounds all that are not found).
   */
  private axesGoal(cols: number): EigenGoal {
    const { k, varianceFraction, scoreBy } = this.config;
    return (values, total) => {
      let need = k ?? Math.min(componentsFor(values.map((v) => v / total), varianceFraction ?? DEFAULT_VARIANCE_FRACTION, values.length + 1), cols);
      if (scoreBy === 'mahalanobis') {
        const floor = mahalanobisFloor(total, cols);
        need = Math.max(need, Math.min(values.filter((v) => v > floor).length + 1, cols));
      }
      return need;
    };
  }

  private mahalanobis(m: Matrix, s: PcaState): Float32Array {
    const axes = s.allAxes as number[];
    const variances = s.axisVariances as number[];
    const d = s.inputDim;
    // The floored axes form a tail of equal variances. When the axes are a complete orthonormal basis
    // (d of them), their squared projections sum to |x|^2 minus those of the axes before the tail, so only
    // those need a dot product: on standardised MNIST 157 of 784 axes (8,000 rows: 3.3 s CPU, 5x fewer flops).
    let head = axes.length / d;
    if (variances.length === d) while (head > 0 && variances[head - 1] === variances[d - 1]) head--;
    const tailVariance = variances[variances.length - 1];
    const out = new Float32Array(m.rows);
    // Four rows at a time against each axis: every axis value loaded once serves four dot products, which
    // more than halves the time of this loop on wide inputs; each dot product still sums j = 0, 1, ... in
    // order, so the scores are the same to the last bit as one row at a time.
    // Rows past the last one (the final block's spare slots) keep stale values, and their sums are unused.
    const block = new Float64Array(BLOCK_ROWS * d);
    const sum = new Float64Array(BLOCK_ROWS);
    const headSquares = new Float64Array(BLOCK_ROWS);
    for (let r0 = 0; r0 < m.rows; r0 += BLOCK_ROWS) {
      const n = Math.min(BLOCK_ROWS, m.rows - r0);
      for (let i = 0; i < n; i++) this.centre(m, r0 + i, block.subarray(i * d, (i + 1) * d));
      sum.fill(0);
      headSquares.fill(0);
      for (let c = 0; c < head; c++) {
        const base = c * d;
        let p0 = 0;
        let p1 = 0;
        let p2 = 0;
        let p3 = 0;
        for (let j = 0; j < d; j++) {
          const a = axes[base + j];
          p0 += a * block[j];
          p1 += a * block[d + j];
          p2 += a * block[2 * d + j];
          p3 += a * block[3 * d + j];
        }
        const v = variances[c];
        sum[0] += (p0 * p0) / v;
        sum[1] += (p1 * p1) / v;
        sum[2] += (p2 * p2) / v;
        sum[3] += (p3 * p3) / v;
        headSquares[0] += p0 * p0;
        headSquares[1] += p1 * p1;
        headSquares[2] += p2 * p2;
        headSquares[3] += p3 * p3;
      }
      for (let i = 0; i < n; i++) {
        let total = sum[i];
        if (head < variances.length) {
          let norm = 0;
          for (let j = 0; j < d; j++) norm += block[i * d + j] * block[i * d + j];
          // Rounding can leave a tiny negative remainder for a row inside the head's span.
          total += Math.max(0, norm - headSquares[i]) / tailVariance;
        }
        out[r0 + i] = total / d;
      }
    }
    return out;
  }

  /** Calls `visit(r)` after writing row r's reconstruction into `recon`. */
  private forEachReconstruction(m: Matrix, visit: (r: number) => void, recon: Float64Array): void {
    const s = this.state as PcaState;
    const d = s.inputDim;
    const centred = new Float64Array(d);
    const code = new Float64Array(s.k);
    for (let r = 0; r < m.rows; r++) {
      this.centre(m, r, centred);
      for (let c = 0; c < s.k; c++) code[c] = dot(s.components, c * d, centred);
      for (let j = 0; j < d; j++) {
        let v = s.mean[j];
        for (let c = 0; c < s.k; c++) v += code[c] * s.components[c * d + j];
        recon[j] = v;
      }
      visit(r);
    }
  }

  private centre(m: Matrix, r: number, out: Float64Array): void {
    const s = this.state as PcaState;
    const base = r * s.inputDim;
    for (let j = 0; j < s.inputDim; j++) out[j] = m.data[base + j] - s.mean[j];
  }

  private checkInput(m: Matrix, op: string): PcaState {
    const s = this.require(op);
    if (m.cols !== s.inputDim) {
      throw new ModelStateError(`pca: fitted on ${s.inputDim} columns, ${op} received ${m.cols}; pass the same columns`);
    }
    return s;
  }

  private require(op: string): PcaState {
    if (this.state === undefined) throw new ModelStateError(`pca: ${op} called before fit; call fit(m) first`);
    return this.state;
  }
}

/** `config` validated by the schema, with `scoreBy` filled in (what a saved state records). */
function validatePcaConfig(config: PcaConfig): PcaConfig {
  const c = parseOptions(pcaOptions, config);
  return { ...c, scoreBy: c.scoreBy ?? DEFAULT_PCA_SCORE_BY };
}

/**
 * Fewest leading components whose ratios reach `fraction` (a 1e-9 slack absorbs rounding at exactly 1);
 * `short` when they never do (all of them, at least 1, by default).
 */
function componentsFor(ratios: number[], fraction: number, short = Math.max(1, ratios.length)): number {
  let cumulative = 0;
  for (let c = 0; c < ratios.length; c++) {
    cumulative += ratios[c];
    if (cumulative >= fraction - 1e-9) return c + 1;
  }
  return short;
}

/** Axis variance below which `mahalanobis` divides by the floor instead: the mean variance per column. */
function mahalanobisFloor(total: number, cols: number): number {
  return MAHALANOBIS_VARIANCE_FLOOR * (total / cols);
}

/**
 * Whether saved Mahalanobis axes match their variances: one axis per variance, or, for a complete basis
 * (one variance per input column), the axes before a tail of equal (floored) variances. Shared by
 * `fromJSON` and the model-directory validator so both accept exactly the same files.
 */
export function savedAxesCover(axes: readonly number[] | undefined, variances: readonly number[] | undefined, inputDim: number): boolean {
  const n = variances?.length ?? 0;
  if (axes === undefined || variances === undefined || n === 0 || axes.length % inputDim !== 0) return false;
  const count = axes.length / inputDim;
  if (count === n) return true;
  if (n !== inputDim || count > n) return false;
  for (let c = count; c < n; c++) if (variances[c] !== variances[n - 1]) return false;
  return true;
}

/** Rows scored together by `mahalanobis` (it unrolls exactly this many). */
const BLOCK_ROWS = 4;

function dot(components: number[], offset: number, v: Float64Array): number {
  let sum = 0;
  for (let j = 0; j < v.length; j++) sum += components[offset + j] * v[j];
  return sum;
}
