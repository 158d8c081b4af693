import type { Schema } from 'apache-arrow';
import { takeRows, withColumns, type NamedColumn } from '../../io/batch.js';
import { readFeatures } from './feature-input.js';
import type { Detector, MissingHandling } from '../../models/detector.js';
import type { Matrix } from '../../models/matrix.js';
import type { StageContext, Transform } from '../../contract/stage.js';
import { modelRef } from './model-ref.js';

/** What a model-applying stage adds to each batch. */
export interface ModelTransformSpec {
  /** The stage's `model` param: a fit stage id or a model directory. */
  model: string;
  /** The stage's watch-mode params (`watchModelParams`). */
  watch: { watchModel: boolean; reloadCheckMs: number };
  /** The stage's type, named when an added column would replace an input column. */
  stage: string;
  /** The stage's `outputPrefix`: put before the name of every column `columns` returns. */
  outputPrefix: string;
  /** The stage's `onMissing` override; the policy saved with the model otherwise. */
  onMissing?: MissingHandling['policy'];
  /** Called with the first batch's detector, before any row is read (schema checks). */
  onFirstBatch?(detector: Detector, schema: Schema): void;
  /** The new columns for the rows of `x` (raw feature values of the kept rows, in model feature order). */
  columns(detector: Detector, x: Matrix): NamedColumn[];
  /** Stage-specific counters for the run summary, next to `rows` and `dropped`. */
  stats?(): Record<string, unknown>;
}

/**
 * The loop shared by `score`, `encode` and `reconstruct`: resolve the model, read its features from each
 * batch under the missing-value policy, append the columns the stage computes (named with `outputPrefix`; never replacing an input column). Rows dropped by
 * `onMissing: drop` are counted and logged once at the end, so every output row still joins its input row.
 */
export function modelTransform(spec: ModelTransformSpec, ctx: StageContext): Transform {
  const ref = modelRef(spec.model, ctx, spec.watch);
  let rows = 0;
  let dropped = 0;
  // Categorical values never seen at fit, put in their column's unknown slot (encoding.onUnknown: slot).
  let unknownValues = 0;
  // The model version in use (0 before the first batch; a watched directory counts its reloads).
  let modelVersion = 0;
  return {
    kind: 'transform',
    async *transform(input) {
      let batchIndex = 0;
      for await (const given of input) {
        const { detector, version, batch } = await ref.forBatch(given);
        // A reloaded model is checked against the stream as the first one was.
        if (version !== modelVersion) spec.onFirstBatch?.(detector, batch.schema);
        modelVersion = version;
        const policy = spec.onMissing ?? detector.missing.policy;
        const ex = readFeatures(batch, batchIndex++, detector, policy, detector.missingValuesFor(policy));
        unknownValues += ex.unknownValues;
        const kept = ex.keptRows ? takeRows(batch, ex.keptRows) : batch;
        if (ex.keptRows) dropped += batch.numRows - ex.keptRows.length;
        const columns = spec.columns(detector, ex.matrix).map((c) => ({ ...c, name: `${spec.outputPrefix}${c.name}` }));
        rows += kept.numRows;
        yield withColumns(kept, columns, { stage: spec.stage, option: 'outputPrefix' });
      }
      if (dropped > 0) ctx.logger.warn({ dropped }, `${dropped} rows with missing feature values were dropped`);
      if (unknownValues > 0) ctx.logger.warn({ unknownValues }, `${unknownValues} categorical values were not seen at fit (scored in their unknown slot)`);
    },
    async close() {},
    stats: () => ({ rows, dropped, ...(unknownValues > 0 ? { unknownValues } : {}), modelVersion, ...spec.stats?.() }),
  };
}
