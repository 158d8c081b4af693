import type { Detector } from '../models/detector.js';

/** One feature's part in a row's reconstruction error. */
export interface FeatureContribution {
  feature: string;
  /** The row's value, raw units (NaN when missing and imputed for the breakdown). */
  value: number;
  /** The model's reconstruction of it, raw units. */
  reconstruction: number;
  /** Squared error in the scaled space the model scores in. */
  error: number;
  /** `error` over the row's summed squared error, in [0, 1]; 0 for every feature when the sum is 0. */
  share: number;
}

/** The features of one row, largest share first. */
export interface RowContributions {
  /** Null when the row held a missing feature value that could not be imputed (no breakdown then). */
  features: FeatureContribution[] | null;
}

/**
 * For each row of raw feature values (the detector's features, in order), which features carry its
 * reconstruction error: every feature's share of the summed squared error (from `featureErrors`, in the
 * scaled space the score is computed in), with the value and its reconstruction in raw units. Meant for the
 * few top anomalies of a report, so it runs the model once on all of them. Non-finite values are replaced by
 * the training means when the model saved them (impute), else that row gets no breakdown.
 */
export function featureContributions(
  detector: Pick<Detector, 'features' | 'featureErrors' | 'reconstruct' | 'missing'>,
  rows: readonly ArrayLike<number>[],
): RowContributions[] {
  const cols = detector.features.length;
  const impute = detector.missing.imputeValues;
  const usable: number[] = [];
  const data: number[] = [];
  rows.forEach((row, i) => {
    if (row.length !== cols) throw new RangeError(`featureContributions: row ${i} has ${row.length} values, the model has ${cols} features`);
    const values = Array.from(row, (v, c) => (Number.isFinite(v) ? v : (impute?.[c] ?? Number.NaN)));
    if (values.some((v) => !Number.isFinite(v))) return;
    usable.push(i);
    data.push(...values);
  });
  const out: RowContributions[] = rows.map(() => ({ features: null }));
  if (usable.length === 0) return out;
  const x = { data: Float32Array.from(data), rows: usable.length, cols };
  const errors = detector.featureErrors(x);
  const rebuilt = detector.reconstruct(x);
  usable.forEach((rowIndex, k) => {
    let total = 0;
    for (let c = 0; c < cols; c++) total += errors.data[k * cols + c];
    const features = detector.features.map((feature, c) => {
      const error = errors.data[k * cols + c];
      return { feature, value: Number(rows[rowIndex][c]), reconstruction: rebuilt.data[k * cols + c], error, share: total > 0 ? error / total : 0 };
    });
    // Stable sort: equal shares keep the model's feature order.
    features.sort((a, b) => b.share - a.share);
    out[rowIndex] = { features };
  });
  return out;
}
