import { z } from 'zod';
import { float32Column, matrixColumns, type NamedColumn } from '../io/batch.js';
import { defineStage } from '../contract/stage.js';
import { modelTransform } from './shared/model-transform.js';
import { modelRefParam, onMissingParam, outputPrefixParam, watchModelParams } from './shared/params.js';
import { checkInputSchema } from './shared/schema-check.js';

const params = z.strictObject({
  model: modelRefParam,
  ...watchModelParams,
  column: z.string().default('score').describe('Name of the per-row reconstruction error column (higher = more anomalous)'),
  featureErrors: z.boolean().default(false).describe('Also write per-feature squared errors, one column per feature'),
  featureErrorPrefix: z.string().default('err_').describe('Prefix of the per-feature error columns'),
  onMissing: onMissingParam.optional().describe('Override the missing-value policy saved with the model'),
  outputPrefix: outputPrefixParam,
});

/** Adds the reconstruction error of every row (and per-feature errors on request). */
export const score = defineStage({
  type: 'score',
  kind: 'transform',
  description: "Anomaly score per row from an autoencoder or PCA model, by the model's scoring rule (scoreBy, and the autoencoder's code neighbours)",
  params,
  create(p, ctx) {
    return modelTransform(
      {
        stage: 'score',
        outputPrefix: p.outputPrefix,
        model: p.model,
        watch: p,
        onMissing: p.onMissing,
        onFirstBatch: (detector, schema) => checkInputSchema(schema, detector, ctx.logger, [`${p.outputPrefix}${p.column}`]),
        columns(detector, x) {
          const columns: NamedColumn[] = [float32Column(p.column, detector.score(x))];
          // Per-feature errors cost a second pass through the model, so only when asked.
          if (p.featureErrors) columns.push(...matrixColumns(detector.featureErrors(x), detector.features.map((name) => `${p.featureErrorPrefix}${name}`)));
          return columns;
        },
      },
      ctx,
    );
  },
});
