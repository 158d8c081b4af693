import type { RecordBatch } from 'apache-arrow';
import { z } from 'zod';
import { matrixColumns, replaceColumns, takeRows } from '../io/batch.js';
import { extractFeatures, finiteColumnMeans, resolveFeatures } from '../io/features.js';
import { concatRows } from '../models/matrix.js';
import { Scaler } from '../models/scaler.js';
import { defineStage } from '../contract/stage.js';
import { excludeParam, featuresParam, maxRowsParam, onMissingParam, scalerParam, tooManyRows } from './shared/params.js';

const params = z.strictObject({
  features: featuresParam,
  exclude: excludeParam,
  method: scalerParam,
  onMissing: onMissingParam.default('error'),
  maxRows: maxRowsParam,
});

/**
 * Fits a scaler on all incoming rows and replaces each feature column by its scaled Float32 values. Fit
 * stages scale internally (and save the scaler with the model); use this stage to export scaled data.
 */
export const scale = defineStage({
  type: 'scale',
  kind: 'transform',
  description: 'Standard / min-max / robust scaling of feature columns, fitted on all incoming rows',
  params,
  create(p, ctx) {
    let rows = 0;
    return {
      kind: 'transform',
      async *transform(input) {
        const batches: RecordBatch[] = [];
        for await (const batch of input) {
          batches.push(batch);
          rows += batch.numRows;
          if (rows > p.maxRows) throw tooManyRows('scale: the rows to scale', p.maxRows, rows);
        }
        if (batches.length === 0) return;
        const features = resolveFeatures(batches[0].schema, p.features, p.exclude);
        const impute = p.onMissing === 'impute' ? finiteColumnMeans(batches, features) : undefined;
        const extracted = batches.map((b, i) => extractFeatures(b, i, features, p.onMissing, impute));
        const scaler = new Scaler(p.method);
        scaler.fit(concatRows(extracted.map((e) => e.matrix), features.length));
        ctx.logger.info({ features, method: p.method }, 'scaler fitted');
        for (let i = 0; i < batches.length; i++) {
          const { matrix, keptRows } = extracted[i];
          const scaled = scaler.transform(matrix);
          yield replaceColumns(keptRows ? takeRows(batches[i], keptRows) : batches[i], matrixColumns(scaled, features));
        }
      },
      async close() {},
      stats: () => ({ rows }),
    };
  },
});
