import { ModelStateError } from '../errors.js';
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
  ) {}

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

  /** Raw feature rows, scaled as in training. */
  prepare(x: Matrix): Matrix {
    return this.scaler.transform(x);
  }

  score(x: Matrix): Float32Array {
    return this.model.score(this.prepare(x));
  }

  encode(x: Matrix): Matrix {
    return this.model.encode(this.prepare(x));
  }

  featureErrors(x: Matrix): Matrix {
    return this.model.featureErrors(this.prepare(x));
  }

  /** Reconstructions of raw feature rows, back in raw units (the scaler inverted). */
  reconstruct(x: Matrix): Matrix {
    return this.scaler.inverseTransform(this.model.reconstruct(this.prepare(x)));
  }

  dispose(): void {
    this.model.dispose?.();
  }
}
