import { z } from 'zod';
import { float32Column, takeRows, withColumns } from '../io/batch.js';
import { extractFeatures } from '../io/features.js';
import { defineStage } from '../pipeline/stage.js';
import { modelRef } from './model-ref.js';
import { modelRefParam, onMissingParam } from './params.js';

const params = z.strictObject({
  model: modelRefParam,
  prefix: z.string().default('z').describe('Code columns are named <prefix>0 .. <prefix>{k-1}'),
  onMissing: onMissingParam.optional().describe('Override the missing-value policy saved with the model'),
});

/** Adds the latent code of every row as columns z0..z{k-1} (the compressed representation). */
export const encode = defineStage({
  type: 'encode',
  kind: 'transform',
  description: 'Latent code of each row as columns z0..z{k-1}',
  params,
  create(p, ctx) {
    const ref = modelRef(p.model, ctx);
    let rows = 0;
    let codeSize = 0;
    return {
      kind: 'transform',
      async *transform(input) {
        let batchIndex = 0;
        for await (const batch of input) {
          const detector = await ref.get();
          const policy = p.onMissing ?? detector.missing.policy;
          const ex = extractFeatures(batch, batchIndex++, detector.features, policy, detector.missing.imputeValues ?? undefined);
          const kept = ex.keptRows ? takeRows(batch, ex.keptRows) : batch;
          const code = detector.encode(ex.matrix);
          codeSize = code.cols;
          const columns = [];
          for (let c = 0; c < code.cols; c++) {
            const col = new Float32Array(code.rows);
            for (let r = 0; r < code.rows; r++) col[r] = code.data[r * code.cols + c];
            columns.push(float32Column(`${p.prefix}${c}`, col));
          }
          rows += kept.numRows;
          yield withColumns(kept, columns);
        }
      },
      async close() {},
      stats: () => ({ rows, codeSize }),
    };
  },
});
