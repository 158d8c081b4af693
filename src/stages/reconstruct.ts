import { z } from 'zod';
import { float32Column, takeRows, withColumns, type NamedColumn } from '../io/batch.js';
import { extractFeatures } from '../io/features.js';
import { defineStage } from '../pipeline/stage.js';
import { modelRef } from './model-ref.js';
import { modelRefParam, onMissingParam } from './params.js';

const params = z.strictObject({
  model: modelRefParam,
  prefix: z.string().min(1).default('r_').describe('Reconstructed columns are named <prefix><feature>'),
  onMissing: onMissingParam.optional().describe('Override the missing-value policy saved with the model'),
});

/**
 * Adds the model's reconstruction of every feature, in the feature's own units (the scaler is inverted), as
 * float32 columns `<prefix><feature>`: what the autoencoder (or PCA) rebuilds from the code. Deterministic
 * for every model variant (no noise or sampling at this point).
 */
export const reconstruct = defineStage({
  type: 'reconstruct',
  kind: 'transform',
  description: 'Reconstruction of each feature (in its own units) as columns <prefix><feature>',
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
          const policy = p.onMissing ?? detector.missing.policy;
          const ex = extractFeatures(batch, batchIndex++, detector.features, policy, detector.missing.imputeValues ?? undefined);
          const kept = ex.keptRows ? takeRows(batch, ex.keptRows) : batch;
          if (ex.keptRows) dropped += batch.numRows - ex.keptRows.length;
          const rebuilt = detector.reconstruct(ex.matrix);
          const columns: NamedColumn[] = detector.features.map((name, c) => {
            const col = new Float32Array(rebuilt.rows);
            for (let r = 0; r < rebuilt.rows; r++) col[r] = rebuilt.data[r * rebuilt.cols + c];
            return float32Column(`${p.prefix}${name}`, col);
          });
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
