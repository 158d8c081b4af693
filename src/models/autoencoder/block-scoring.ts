import * as tf from '../../runtime/tf.js';
import { ModelStateError } from '../../errors.js';
import { columnErrors, slotWeights, type FeatureBlock } from '../feature-encoding.js';
import type { Matrix } from '../matrix.js';

/**
 * The score of a mixed-type model from its per-slot losses (autoencoder-loss.ts `blockElementLoss`): each
 * original column's loss (the weighted sum of its slots, models/feature-encoding.ts `slotWeights`), divided
 * by the column's mean training loss when the model keeps one (`scoreBy: standardized`, the analogue of
 * the numeric default's per-feature standardization), then averaged over the columns. With `scoreBy:
 * reconstruction` (the default) no scale is kept and the score is the training loss itself.
 */

/** Smallest column scale divided by: a column the model rebuilds perfectly must not turn noise into anomalies. */
const COLUMN_SCALE_FLOOR = 1e-6;

/** Per block, in `blocks` order, the mean over the training rows of its column loss (floored). */
export function fitColumnScale(blocks: readonly FeatureBlock[], slotLoss: Matrix): number[] {
  const perColumn = columnErrors(slotLoss, { blocks: [...blocks], width: slotLoss.cols }, blocks.map((b) => b.column));
  return blocks.map((_, c) => {
    let sum = 0;
    for (let r = 0; r < perColumn.rows; r++) sum += perColumn.data[r * perColumn.cols + c];
    return Math.max(sum / perColumn.rows, COLUMN_SCALE_FLOOR);
  });
}

/** A saved column scale, checked against the model's blocks; a damaged file is a `ModelStateError`. */
export function checkColumnScale(scale: unknown, blocks: readonly FeatureBlock[]): number[] {
  const isValid = Array.isArray(scale) && scale.length === blocks.length && scale.every((v) => typeof v === 'number' && Number.isFinite(v) && v > 0);
  if (!isValid) {
    throw new ModelStateError(`autoencoder: scoreBy standardized needs the saved column scales (model.scoring.columnScale, ${blocks.length} numbers > 0); the file is damaged: fit the model again`);
  }
  return scale as number[];
}

/** The row scores of a mixed-type model on the device; dispose with `dispose()`. */
export class BlockScorer {
  /** Per slot: its weight in its column's loss / the column's scale / the number of columns. */
  private readonly weights: tf.Tensor1D;

  constructor(blocks: readonly FeatureBlock[], width: number, columnScale: readonly number[] | null) {
    const w = slotWeights(blocks, width);
    blocks.forEach((b, i) => {
      const divisor = (columnScale?.[i] ?? 1) * blocks.length;
      for (let j = b.start; j < b.start + b.width; j++) w[j] /= divisor;
    });
    this.weights = tf.tensor1d(w, 'float32');
  }

  /** Rows x 1: the score of each row from its per-slot losses (rows x width). */
  score(slotLoss: tf.Tensor2D): tf.Tensor2D {
    return tf.sum(tf.mul(slotLoss, this.weights), 1, true) as tf.Tensor2D;
  }

  dispose(): void {
    this.weights.dispose();
  }
}
