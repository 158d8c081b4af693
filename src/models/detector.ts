import type { DriftReference } from './drift.js';
import { ModelStateError } from '../errors.js';
import { columnErrors, type FeatureEncoding } from './feature-encoding.js';
import type { Matrix } from './matrix.js';
import type { Scaler } from './scaler.js';
import type { CalibrationState } from './conformal.js';
import type { ThresholdState } from './threshold.js';

/** What the detector needs from a model that compresses rows and rebuilds them (autoencoder, PCA). */
export interface ReconstructionModel {
  /** Latent code, one row per input row. */
  encode(x: Matrix): Matrix;
  reconstruct(x: Matrix): Matrix;
  /** Per-row anomaly score (the model's `scoreBy`, e.g. reconstruction error); higher means more anomalous. */
  score(x: Matrix): Float32Array;
  /** Per-row, per-feature squared reconstruction error (whatever `scoreBy` says). */
  featureErrors(x: Matrix): Matrix;
  dispose?(): void;
}

/** Which model family a detector wraps; also the artifact's `kind`. */
export type DetectorKind = 'autoencoder' | 'pca';

/** How missing values were handled in training, and how scoring handles them by default. */
export interface MissingHandling {
  policy: 'error' | 'drop' | 'impute';
  /**
   * Training means per feature (raw units, over the finite values), used by `impute`. Saved whatever the
   * fit's policy, so scoring may impute on any model; null only in models saved before that.
   */
  imputeValues: number[] | null;
}

import type { StopReason } from './autoencoder/training-history.js';

/** Facts about the fit, saved with the model and shown by `latentflow info`. */
export interface TrainingSummary {
  /** Rows the scaler and model were fitted on (the valid rows minus the calibration rows). */
  rows: number;
  /** Valid rows held out of fitting for calibration scores (`calibrationSplit`); absent means none. */
  calibrationRows?: number;
  /** Rows left out of training (drop) or imputed (impute) because a feature was null/NaN/infinite. */
  invalidRows: number;
  fitMs: number;
  backend: string;
  seed: number;
  createdAt: string;
  /** Per-epoch losses for autoencoders, and how training ended (absent in models saved before these fields). */
  history?: {
    loss: number[];
    valLoss: number[];
    bestEpoch?: number;
    stoppedEarly?: boolean;
    stopReason?: StopReason;
    /** See `TrainingHistory.converged`. */
    converged?: boolean | null;
    steps?: number;
  };
  /** Explained variance ratio per component, for PCA. */
  explainedVariance?: number[];
  /** Distribution of training scores, for the threshold and reports. */
  scoreQuantiles?: Record<string, number>;
}

/**
 * A fitted anomaly detector: the feature columns (by name and order), the scaler fitted on training data,
 * the reconstruction model, an optional threshold and optional calibration scores (for conformal p-values,
 * see models/conformal.ts). Scores are computed in the scaled space, so every
 * feature weighs the same whatever its unit.
 */
export class Detector {
  constructor(
    readonly kind: DetectorKind,
    readonly features: readonly string[],
    readonly scaler: Scaler,
    readonly model: ReconstructionModel,
    readonly missing: MissingHandling,
    readonly training: TrainingSummary,
    public threshold: ThresholdState | null,
    /** Scores of held-out training rows; null for a model fitted without `calibrationSplit` (or saved before it). */
    readonly calibration: CalibrationState | null = null,
    /** The training distribution of features and scores for drift checks; null in models saved before it. */
    readonly drift: DriftReference | null = null,
    /**
     * How mixed-type feature columns became the model's matrix (models/feature-encoding.ts); null when every
     * feature is a numeric column read as is (the matrix holds `features` in order, as models always did).
     * With an encoding, `features` are still the original columns, the scaler covers the leading
     * `numericWidth` slots only, and per-feature errors are per original column.
     */
    readonly encoding: FeatureEncoding | null = null,
  ) {}

  /** Columns of the matrix the model sees: the encoded slots, or one per feature. */
  get inputWidth(): number {
    return this.encoding?.width ?? this.features.length;
  }

  /**
   * The replacement values scoring under `policy` needs: the training means for `impute`, nothing otherwise.
   * A model saved without means (before they were always kept) cannot impute: ModelStateError saying so.
   */
  missingValuesFor(policy: MissingHandling['policy']): number[] | undefined {
    if (policy !== 'impute') return undefined;
    if (this.missing.imputeValues === null || this.missing.imputeValues === undefined) {
      throw new ModelStateError(
        `onMissing impute needs the training means, and this ${this.kind} model (fitted with onMissing ${this.missing.policy}) was saved without them; ` +
          'refit it with this latentflow version (means are now always saved), or score with onMissing error or drop',
      );
    }
    return this.missing.imputeValues;
  }

  /** Raw feature rows (encoded rows with an encoding), scaled as in training. */
  prepare(x: Matrix): Matrix {
    if (this.encoding === null) return this.scaler.transform(x);
    return scaleLeading(this.scaler, x, this.encoding.numericWidth);
  }

  score(x: Matrix): Float32Array {
    return this.model.score(this.prepare(x));
  }

  encode(x: Matrix): Matrix {
    return this.model.encode(this.prepare(x));
  }

  /** Per-row error of each feature column (one column per original feature, whatever its encoded width). */
  featureErrors(x: Matrix): Matrix {
    const errors = this.model.featureErrors(this.prepare(x));
    return this.encoding === null ? errors : columnErrors(errors, this.encoding, this.features);
  }

  /** Reconstructions of raw feature rows, back in raw units (the scaler inverted). */
  reconstruct(x: Matrix): Matrix {
    if (this.encoding !== null) {
      throw new ModelStateError(`${this.kind}: this model encodes non-numeric columns (${this.encoding.blocks.filter((b) => b.loss !== 'numeric').map((b) => b.column).join(', ')}); reconstructions back to column values are not available for it yet; use score`);
    }
    return this.scaler.inverseTransform(this.model.reconstruct(this.prepare(x)));
  }

  dispose(): void {
    this.model.dispose?.();
  }
}

/**
 * `x` with its first `width` columns scaled by `scaler` (fitted on those columns only) and the rest as they
 * are: the 0/1 slots of booleans and categories are targets of a cross-entropy and must stay 0/1.
 */
export function scaleLeading(scaler: Scaler, x: Matrix, width: number): Matrix {
  if (width === x.cols) return scaler.transform(x);
  const lead = leadingColumns(x, width);
  const scaled = scaler.transform(lead);
  const out = new Float32Array(x.data);
  for (let r = 0; r < x.rows; r++) out.set(scaled.data.subarray(r * width, (r + 1) * width), r * x.cols);
  return { data: out, rows: x.rows, cols: x.cols };
}

/** A copy of the first `width` columns of `x`. */
export function leadingColumns(x: Matrix, width: number): Matrix {
  const data = new Float32Array(x.rows * width);
  for (let r = 0; r < x.rows; r++) data.set(x.data.subarray(r * x.cols, r * x.cols + width), r * width);
  return { data, rows: x.rows, cols: width };
}
