import { z } from 'zod';
import { float32Column, takeRows, withColumns, type NamedColumn } from '../io/batch.js';
import { extractFeatures } from '../io/features.js';
import { defineStage } from '../pipeline/stage.js';
import { modelRef } from './model-ref.js';
import { checkInputSchema } from './schema-check.js';
import { modelRefParam, onMissingParam } from './params.js';

const params = z.strictObject({
  model: modelRefParam,
  column: z.string().default('score').describe('Name of the per-row reconstruction error column (higher = more anomalous)'),
  featureErrors: z.boolean().default(false).describe('Also write per-feature squared errors, one column per feature'),
  featureErrorPrefix: z.string().default('err_').describe('Prefix of the per-feature error columns'),
  onMissing: onMissingParam.optional().describe('Override the missing-value policy saved with the model'),
});

/** Adds the reconstruction error of every row (and per-feature errors on request). */
export const score = defineStage({
  type: 'score',
  kind: 'transform',
  description: 'Reconstruction-error score per row from an autoencoder or PCA model',
  params,
  create(p, ctx) {
    const ref = modelRef(p.model, ctx);
    let rows = 0;
    let dropped = 0;
    return {
      kind: 'transform',
      async *transform(input) {
        let batchIndex = 0;
        for await (const batch of input) {
          const detector = await ref.get();
          if (batchIndex === 0) checkInputSchema(batch.schema, detector, ctx.logger, [p.column]);
          const policy = p.onMissing ?? detector.missing.policy;
          const ex = extractFeatures(batch, batchIndex++, detector.features, policy, detector.missing.imputeValues ?? undefined);
          const kept = ex.keptRows ? takeRows(batch, ex.keptRows) : batch;
          if (ex.keptRows) dropped += batch.numRows - ex.keptRows.length;
          const columns: NamedColumn[] = [float32Column(p.column, detector.score(ex.matrix))];
          if (p.featureErrors) {
            const errors = detector.featureErrors(ex.matrix);
            detector.features.forEach((name, c) => {
              const col = new Float32Array(errors.rows);
              for (let r = 0; r < errors.rows; r++) col[r] = errors.data[r * errors.cols + c];
              columns.push(float32Column(`${p.featureErrorPrefix}${name}`, col));
            });
          }
          rows += kept.numRows;
          yield withColumns(kept, columns);
        }
        if (dropped > 0) ctx.logger.warn({ dropped }, `${dropped} rows with missing feature values were dropped`);
      },
      async close() {},
      stats: () => ({ rows, dropped }),
    };
  },
});
