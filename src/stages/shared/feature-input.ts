import type { RecordBatch } from 'apache-arrow';
import { encodeBatch, encodingImputeValues, fitEncoding, resolveColumnKinds, type EncodedFeatures } from '../../io/feature-encoder.js';
import type { EncodingOptions, FitFeatures, KindOverrides } from '../../io/feature-options.js';
import { extractFeatures, finiteColumnMeans, type MissingPolicy } from '../../io/features.js';
import type { FeatureEncoding } from '../../models/feature-encoding.js';
import type { Logger } from '../../runtime/logger.js';

/**
 * The one road from record batches to a model's matrix, for fitting and for every model stage: numeric
 * features read as they always were (no encoding), any other kind through the saved {@link FeatureEncoding}.
 */

/** What a fit chose: the feature columns and, when any is not numeric, their fitted encoding. */
export interface FeatureSelection {
  features: string[];
  encoding: FeatureEncoding | null;
}

/** The feature params of a fit stage (io/feature-options.ts). */
export interface FeatureParams {
  features: FitFeatures;
  kinds: KindOverrides;
  exclude: string[];
  encoding: EncodingOptions;
}

/**
 * Chooses the feature columns of the training batches and fits their encoding. When every chosen column is
 * numeric there is no encoding, so such a model is exactly what `features: numeric` always gave.
 */
export function selectFeatures(batches: readonly RecordBatch[], p: FeatureParams, logger: Logger): FeatureSelection {
  const columns = resolveColumnKinds(batches[0].schema, p.features, p.kinds, p.exclude, batches[0]);
  if (columns.every((c) => c.kind === 'numeric')) return { features: columns.map((c) => c.column), encoding: null };
  const { encoding, skipped } = fitEncoding(batches, columns, p.encoding);
  if (skipped.length > 0) {
    logger.warn({ skipped }, `features: auto left out text columns with more distinct values than half the rows (ids?): ${skipped.join(', ')}; name them in kinds to use them`);
  }
  logger.info(
    { encoding: encoding.columns.map((c) => (c.kind === 'categorical' ? `${c.column}:${c.method}` : `${c.column}:${c.kind}`)), slots: encoding.width },
    `encoded ${encoding.columns.length} feature columns into ${encoding.width} slots`,
  );
  return { features: encoding.columns.map((c) => c.column), encoding };
}

/** Reads the model matrix of one batch: `extractFeatures` without an encoding, `encodeBatch` with one. */
export function readFeatures(
  batch: RecordBatch,
  batchIndex: number,
  selection: { features: readonly string[]; encoding: FeatureEncoding | null },
  policy: MissingPolicy,
  imputeValues?: ArrayLike<number>,
): EncodedFeatures {
  if (selection.encoding === null) return { ...extractFeatures(batch, batchIndex, selection.features, policy, imputeValues), unknownValues: 0 };
  return encodeBatch(batch, batchIndex, selection.encoding, policy, imputeValues);
}

/** The training values `impute` uses, one per feature column (see `encodingImputeValues` for non-numeric ones). */
export function trainingImputeValues(batches: readonly RecordBatch[], selection: FeatureSelection): number[] {
  return selection.encoding === null ? Array.from(finiteColumnMeans(batches, selection.features)) : encodingImputeValues(batches, selection.encoding);
}
