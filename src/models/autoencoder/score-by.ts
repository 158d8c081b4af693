/**
 * How an autoencoder turns a row into an anomaly score (higher = more anomalous):
 * - `reconstruction`: mean over features of the squared reconstruction error, in scaled units.
 * - `standardized`: mean over features of (error_j / s_j)², s_j the root-mean-square error of feature j on
 *   the training rows, so a feature the model rebuilds well weighs more when it breaks. Training rows
 *   average about 1. With mixed-type columns: each original column's loss divided by
 *   its mean training loss, averaged over the columns (block-scoring.ts).
 * - `standardized-code`: the standardized squared errors plus the squared Mahalanobis distance of the code
 *   from the training codes, summed and divided by d + codeSize (training rows average about 1). The second
 *   part sees rows that lie on the learned manifold but far out along it, which reconstruction error alone
 *   misses.
 * - `mahalanobis`: the squared reconstruction error (off the learned manifold) plus the floored squared
 *   Mahalanobis distance of the reconstruction x̂ (on the manifold) from the training reconstructions, over
 *   the principal axes of the training x̂, each squared projection divided by max(its variance, 1), all
 *   divided by d. The floor is the variance of a standardized column, so directions along which the
 *   training rows barely vary count as plain Euclidean distance instead of amplifying noise. For a linear
 *   autoencoder this is PCA's `mahalanobis` score (all components, weighted by 1 / eigenvalue, floored);
 *   the autoencoder analogue of PyOD PCA's weighting. Training rows average about 1 after standard scaling.
 *   Best mean ROC-AUC on the peer sets, but when the model rebuilds its rows well the manifold part
 *   dwarfs the residual and subtle off-manifold faults are lost (quickstart pump data: 0.60).
 * - `balanced`: the two views of `standardized` and `mahalanobis`: the standardized residual
 *   Σ_j (error_j / s_j)² and the floored Mahalanobis distance of x̂, each divided by its mean over the
 *   training rows, then weighted 2/3 and 1/3 ({@link BALANCED_MANIFOLD_WEIGHT}; training rows average 1).
 *   Off-manifold faults and rows far out along the manifold both stand out, however well the model fits.
 */
export type ScoreBy = 'reconstruction' | 'standardized' | 'standardized-code' | 'mahalanobis' | 'balanced';

/** Accepted values of `scoreBy`. */
export const SCORE_BYS = ['reconstruction', 'standardized', 'standardized-code', 'mahalanobis', 'balanced'] as const satisfies readonly ScoreBy[];

/** Training statistics the scores other than `reconstruction` need; saved with the model. */
export interface ScoringStats {
  /** `standardized`, `standardized-code`: per feature, the RMS reconstruction error on the training rows (floored, > 0). */
  residualScale?: number[];
  /** `standardized-code`: per code unit, the mean training code. */
  codeMean?: number[];
  /**
   * `standardized-code`: row-major codeSize x codeSize lower-triangular W = L⁻¹, L the Cholesky factor of
   * the training code covariance (plus a small ridge), so that ‖W (z - mean)‖² is the squared Mahalanobis
   * distance.
   */
  codeWhitening?: number[];
  /** `mahalanobis`: per feature, the mean training reconstruction. */
  manifoldMean?: number[];
  /**
   * `mahalanobis`: row-major d x d matrix whose column c is principal axis c of the training
   * reconstructions divided by √max(variance_c, 1), so ‖(x̂ - mean) M‖² is the floored Mahalanobis distance.
   */
  manifoldWhitening?: number[];
  /**
   * `standardized` with mixed-type column blocks: per block (in `params.blocks` order) the mean training
   * loss of that column, which the column's loss is divided by (block-scoring.ts).
   */
  columnScale?: number[];
  /** `balanced`: the training rows' mean standardized residual Σ_j (error_j / s_j)² and mean manifold distance. */
  residualNorm?: number;
  manifoldNorm?: number;
  /**
   * `balanced`: the manifold part's share of the score, in (0, 1); the residual gets the rest. Saved so a
   * file scores as it did when written; files without it (written when the weight was 1/2) load as 1/2.
   */
  manifoldWeight?: number;
}
