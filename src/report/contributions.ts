import type { Detector } from '../models/detector.js';

/** One feature's part in a row's reconstruction error. */
export interface FeatureContribution {
  feature: string;
  /** The row's value, raw units (NaN when missing and imputed for the breakdown); text for a model with non-numeric features. */
  value: number | string;
  /** The model's reconstruction of it, raw units; null for a model with non-numeric features (not rebuilt back to values yet). */
  reconstruction: number | null;
  /** The column's error in the space the model scores in: squared error, or cross-entropy for a non-numeric column. */
  error: number;
  /** `error` over the row's summed squared error, in [0, 1]; 0 for every feature when the sum is 0. */
  share: number;
}

/**
 * {@link featureContributions} of a model with non-numeric features: each original column's error (squared
 * error, or cross-entropy for booleans and categories; never per one-hot slot) and its share, from the
 * encoded rows the report kept; the values as text.
 */
export function encodedContributions(detector: Pick<Detector, 'features' | 'featureErrors' | 'inputWidth'>, rows: readonly { encoded?: Float32Array | null; featureText?: string[] }[]): RowContributions[] {
  const width = detector.inputWidth;
  const usable = rows.flatMap((row, i) => (row.encoded ? [i] : []));
  const out: RowContributions[] = rows.map(() => ({ features: null }));
  if (usable.length === 0) return out;
  const data = new Float32Array(usable.length * width);
  usable.forEach((i, k) => data.set(rows[i].encoded!, k * width));
  const errors = detector.featureErrors({ data, rows: usable.length, cols: width });
  const cols = detector.features.length;
  usable.forEach((rowIndex, k) => out[rowIndex] = { features: shares(detector.features, errors.data.subarray(k * cols, (k + 1) * cols), (c) => rows[rowIndex].featureText?.[c] ?? '', () => null) });
  return out;
}

/** Each feature's share of the row's summed error, largest first (a stable sort keeps the model's order on ties). */
function shares(features: readonly string[], errors: ArrayLike<number>, value: (c: number) => number | string, reconstruction: (c: number) => number | null): FeatureContribution[] {
  let total = 0;
  for (let c = 0; c < features.length; c++) total += errors[c];
  return features
    .map((feature, c) => ({ feature, value: value(c), reconstruction: reconstruction(c), error: errors[c], share: total > 0 ? errors[c] / total : 0 }))
    .sort((a, b) => b.share - a.share);
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
    out[rowIndex] = { features: shares(detector.features, errors.data.subarray(k * cols, (k + 1) * cols), (c) => Number(rows[rowIndex][c]), (c) => rebuilt.data[k * cols + c]) };
  });
  return out;
}
