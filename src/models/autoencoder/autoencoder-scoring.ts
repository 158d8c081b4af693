import * as tf from '../../runtime/tf.js';
import { PCA } from 'ml-pca';
import { ModelStateError } from '../../errors.js';
import type { Matrix } from '../matrix.js';
import type { ScoreBy, ScoringStats } from './score-by.js';


/**
 * `balanced`: the manifold distance's share of the score, 1/3 (the residual's 2/3). Shares 1/5 … 3/4 on
 * the peer sets × 5 seeds: 1/3 gives the best mean ROC-AUC; larger shares lose the small sets (wine, glass,
 * pima, ionosphere) and the quickstart's subtle faults, smaller ones the digit sets (pendigits)
 * (bench/results/peers-defaults.md, "Distance weight").
 */
export const BALANCED_MANIFOLD_WEIGHT = 1 / 3;
/** The weight of files written before {@link ScoringStats.manifoldWeight} was saved. */
const LEGACY_MANIFOLD_WEIGHT = 0.5;

/** Smallest variance `mahalanobis` divides by: the variance of a standardized column. */
export const MANIFOLD_VARIANCE_FLOOR = 1;

/** Relative floor of a feature's residual scale, so a feature rebuilt exactly cannot divide by zero. */
const RESIDUAL_SCALE_FLOOR = 1e-3;
/** Ridge added to the code covariance, relative to its mean variance, so collinear code units stay invertible. */
const CODE_RIDGE = 1e-6;

/**
 * The statistics `scoreBy` needs (see {@link ScoringStats}) from the training rows `x`, their
 * reconstructions and their codes, in float64; null for `reconstruction`.
 */
export function fitScoringStats(scoreBy: ScoreBy, x: Matrix, recon: Matrix, code: Matrix): ScoringStats | null {
  if (scoreBy === 'reconstruction') return null;
  if (scoreBy === 'mahalanobis') return fitManifoldStats(recon);
  if (scoreBy === 'balanced') {
    const stats: ScoringStats = { residualScale: fitStandardizedStats(x, recon, code).residualScale, ...fitManifoldStats(recon) };
    // Each part's mean over the training rows, on the device (the manifold part is d² per row).
    const tensors = new ScoringTensors(stats);
    let residualSum = 0;
    let manifoldSum = 0;
    try {
      for (let start = 0; start < x.rows; start += COVARIANCE_CHUNK_ROWS) {
        const end = Math.min(x.rows, start + COVARIANCE_CHUNK_ROWS);
        const [r, m] = tf.tidy(() => {
          const xt = tf.tensor2d(x.data.subarray(start * x.cols, end * x.cols), [end - start, x.cols], 'float32');
          const rt = tf.tensor2d(recon.data.subarray(start * x.cols, end * x.cols), [end - start, x.cols], 'float32');
          const parts = tensors.parts(xt, rt);
          return [tf.sum(parts.residual), tf.sum(parts.manifold)];
        });
        residualSum += r.dataSync()[0];
        manifoldSum += m.dataSync()[0];
        r.dispose();
        m.dispose();
      }
    } finally {
      tensors.dispose();
    }
    // Floors keep a perfectly rebuilt (or perfectly constant) training set from dividing by zero.
    return {
      ...stats,
      residualNorm: Math.max(residualSum / x.rows, 1e-12),
      manifoldNorm: Math.max(manifoldSum / x.rows, 1e-12),
      manifoldWeight: BALANCED_MANIFOLD_WEIGHT,
    };
  }
  const standardized = fitStandardizedStats(x, recon, code);
  if (scoreBy === 'standardized') return { residualScale: standardized.residualScale };
  return standardized;
}

function fitManifoldStats(recon: Matrix): ScoringStats {
  const { rows: n, cols: d } = recon;
  const mean = new Array<number>(d).fill(0);
  for (let r = 0; r < n; r++) for (let j = 0; j < d; j++) mean[j] += recon.data[r * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  const whitening = new Array<number>(d * d).fill(0);
  if (n < 2) return { manifoldMean: mean, manifoldWhitening: whitening };
  // The d x d covariance on the device (wide inputs such as 784 pixels would take seconds in JS), then its
  // eigendecomposition on the CPU in float64.
  const covariance = tf.tidy(() => {
    const meanT = tf.tensor1d(mean, 'float32');
    let sum = tf.zeros([d, d]) as tf.Tensor2D;
    for (let start = 0; start < n; start += COVARIANCE_CHUNK_ROWS) {
      const end = Math.min(n, start + COVARIANCE_CHUNK_ROWS);
      const centred = tf.sub(tf.tensor2d(recon.data.subarray(start * d, end * d), [end - start, d], 'float32'), meanT);
      sum = tf.add(sum, tf.matMul(centred, centred, true, false));
    }
    return tf.div(sum, n - 1) as tf.Tensor2D;
  });
  const values = covariance.dataSync();
  covariance.dispose();
  const matrix: number[][] = Array.from({ length: d }, (_, i) => Array.from(values.subarray(i * d, (i + 1) * d), (v, j) => (i <= j ? v : values[j * d + i])));
  const pca = new PCA(matrix, { isCovarianceMatrix: true, center: false, scale: false });
  const vectors = pca.getEigenvectors();
  const sds = pca.getStandardDeviations();
  const axes = Math.min(vectors.columns, sds.length, d);
  for (let c = 0; c < axes; c++) {
    const variance = Number.isFinite(sds[c]) ? sds[c] * sds[c] : 0;
    const inverseSd = 1 / Math.sqrt(Math.max(variance, MANIFOLD_VARIANCE_FLOOR));
    for (let j = 0; j < d; j++) whitening[j * d + c] = vectors.get(j, c) * inverseSd;
  }
  return { manifoldMean: mean, manifoldWhitening: whitening };
}

/** Rows per covariance chunk on the device. */
const COVARIANCE_CHUNK_ROWS = 4096;

function fitStandardizedStats(x: Matrix, recon: Matrix, code: Matrix): Required<Pick<ScoringStats, 'residualScale' | 'codeMean' | 'codeWhitening'>> {
  const { rows: n, cols: d } = x;
  const k = code.cols;
  const ss = new Float64Array(d);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < d; j++) {
      const e = x.data[r * d + j] - recon.data[r * d + j];
      ss[j] += e * e;
    }
  }
  const scale = Array.from(ss, (v) => Math.sqrt(v / n));
  const meanScale = scale.reduce((a, b) => a + b, 0) / d;
  const residualScale = scale.map((s) => Math.max(s, RESIDUAL_SCALE_FLOOR * meanScale, 1e-12));

  const mean = new Float64Array(k);
  for (let r = 0; r < n; r++) for (let c = 0; c < k; c++) mean[c] += code.data[r * k + c];
  for (let c = 0; c < k; c++) mean[c] /= n;
  const cov = new Float64Array(k * k);
  for (let r = 0; r < n; r++) {
    for (let a = 0; a < k; a++) {
      const da = code.data[r * k + a] - mean[a];
      for (let b = 0; b <= a; b++) cov[a * k + b] += da * (code.data[r * k + b] - mean[b]);
    }
  }
  let trace = 0;
  for (let a = 0; a < k; a++) trace += cov[a * k + a] / n;
  // A dead code unit (e.g. a ReLU code that never fires) has zero variance: the ridge keeps it invertible.
  const ridge = CODE_RIDGE * (trace / k) + 1e-12;
  for (let a = 0; a < k; a++) for (let b = 0; b <= a; b++) cov[a * k + b] = cov[a * k + b] / n + (a === b ? ridge : 0);
  const chol = new Float64Array(k * k);
  for (let a = 0; a < k; a++) {
    for (let b = 0; b <= a; b++) {
      let s = cov[a * k + b];
      for (let c = 0; c < b; c++) s -= chol[a * k + c] * chol[b * k + c];
      chol[a * k + b] = a === b ? Math.sqrt(Math.max(s, ridge)) : s / chol[b * k + b];
    }
  }
  // W = L⁻¹ by forward substitution, column by column.
  const whitening = new Float64Array(k * k);
  for (let col = 0; col < k; col++) {
    for (let a = col; a < k; a++) {
      let s = a === col ? 1 : 0;
      for (let c = col; c < a; c++) s -= chol[a * k + c] * whitening[c * k + col];
      whitening[a * k + col] = s / chol[a * k + a];
    }
  }
  return { residualScale, codeMean: Array.from(mean), codeWhitening: Array.from(whitening) };
}

/** Checks saved statistics against `scoreBy` and the model's widths; a damaged file is a `ModelStateError`. */
export function checkScoringStats(scoreBy: ScoreBy, stats: ScoringStats | null | undefined, inputDim: number, codeSize: number): ScoringStats | null {
  if (scoreBy === 'reconstruction') return null;
  const s = stats ?? {};
  const hasManifold = s.manifoldMean?.length === inputDim && s.manifoldWhitening?.length === inputDim * inputDim;
  const hasResidual = s.residualScale?.length === inputDim;
  const isComplete =
    scoreBy === 'mahalanobis'
      ? hasManifold
      : scoreBy === 'balanced'
        ? hasManifold &&
          hasResidual &&
          typeof s.residualNorm === 'number' &&
          typeof s.manifoldNorm === 'number' &&
          (s.manifoldWeight === undefined || (s.manifoldWeight > 0 && s.manifoldWeight < 1))
        : hasResidual && (scoreBy === 'standardized' || (s.codeMean?.length === codeSize && s.codeWhitening?.length === codeSize * codeSize));
  if (!isComplete) {
    throw new ModelStateError(
      `autoencoder: scoreBy ${scoreBy} needs saved scoring statistics for ${inputDim} features and ${codeSize} code units; the file is damaged or was written without them`,
    );
  }
  return s;
}

/** The statistics as tensors, for scoring on the device; dispose with `dispose()`. */
export class ScoringTensors {
  private readonly tensors: tf.Tensor[] = [];
  private readonly inverseScale: tf.Tensor1D | undefined;
  private readonly codeMean: tf.Tensor1D | undefined;
  /** Wᵀ, so that (z - mean) Wᵀ whitens a batch of code rows. */
  private readonly whiteningT: tf.Tensor2D | undefined;
  private readonly manifoldMean: tf.Tensor1D | undefined;
  private readonly manifoldWhitening: tf.Tensor2D | undefined;
  private readonly residualNorm: number;
  private readonly manifoldNorm: number;
  private readonly manifoldWeight: number;

  constructor(stats: ScoringStats) {
    this.residualNorm = stats.residualNorm ?? 1;
    this.manifoldNorm = stats.manifoldNorm ?? 1;
    this.manifoldWeight = stats.manifoldWeight ?? LEGACY_MANIFOLD_WEIGHT;
    const keep = <T extends tf.Tensor>(t: T): T => (this.tensors.push(t), t);
    if (stats.residualScale) this.inverseScale = keep(tf.tensor1d(stats.residualScale.map((v) => 1 / v), 'float32'));
    if (stats.codeMean && stats.codeWhitening) {
      const k = stats.codeMean.length;
      this.codeMean = keep(tf.tensor1d(stats.codeMean, 'float32'));
      this.whiteningT = keep(tf.tidy(() => tf.transpose(tf.tensor2d(stats.codeWhitening as number[], [k, k], 'float32')) as tf.Tensor2D));
    }
    if (stats.manifoldMean && stats.manifoldWhitening) {
      const d = stats.manifoldMean.length;
      this.manifoldMean = keep(tf.tensor1d(stats.manifoldMean, 'float32'));
      this.manifoldWhitening = keep(tf.tensor2d(stats.manifoldWhitening, [d, d], 'float32'));
    }
  }

  /** Per row (as columns): the standardized residual Σ_j (error_j / s_j)² and the floored manifold distance of x̂. */
  parts(x: tf.Tensor2D, recon: tf.Tensor2D): { residual: tf.Tensor2D; manifold: tf.Tensor2D } {
    return {
      residual: tf.sum(tf.square(tf.mul(tf.sub(x, recon), this.require(this.inverseScale))), 1, true),
      manifold: tf.sum(tf.square(tf.matMul(tf.sub(recon, this.require(this.manifoldMean)), this.require(this.manifoldWhitening))), 1, true),
    };
  }

  /** Per row (as a column), the score `scoreBy` asks for, from the input, its code and its reconstruction. */
  score(scoreBy: Exclude<ScoreBy, 'reconstruction'>, x: tf.Tensor2D, code: tf.Tensor2D, recon: tf.Tensor2D): tf.Tensor2D {
    const d = x.shape[1];
    if (scoreBy === 'balanced') {
      const { residual, manifold } = this.parts(x, recon);
      return tf.add(tf.mul(residual, (1 - this.manifoldWeight) / this.residualNorm), tf.mul(manifold, this.manifoldWeight / this.manifoldNorm));
    }
    if (scoreBy === 'mahalanobis') {
      const residual = tf.sum(tf.squaredDifference(x, recon), 1, true);
      const along = tf.sum(tf.square(tf.matMul(tf.sub(recon, this.require(this.manifoldMean)), this.require(this.manifoldWhitening))), 1, true);
      return tf.div(tf.add(residual, along), d);
    }
    const residual = tf.sum(tf.square(tf.mul(tf.sub(x, recon), this.require(this.inverseScale))), 1, true);
    if (scoreBy === 'standardized') return tf.div(residual, d);
    const k = code.shape[1];
    const mahalanobis = tf.sum(tf.square(tf.matMul(tf.sub(code, this.require(this.codeMean)), this.require(this.whiteningT))), 1, true);
    return tf.div(tf.add(residual, mahalanobis), d + k);
  }

  dispose(): void {
    this.tensors.forEach((t) => t.dispose());
    this.tensors.length = 0;
  }

  private require<T extends tf.Tensor>(t: T | undefined): T {
    if (t === undefined) throw new ModelStateError('autoencoder: the scoring statistics do not match scoreBy; refit the model');
    return t;
  }
}
