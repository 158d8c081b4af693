import { z } from 'zod';
import { defineStage } from '../contract/stage.js';
import { matrixColumns } from '../io/batch.js';
import { modelTransform } from './shared/model-transform.js';
import { modelRefParam, onMissingParam, outputPrefixParam, watchModelParams } from './shared/params.js';

const params = z.strictObject({
  model: modelRefParam,
  ...watchModelParams,
  prefix: z.string().default('z').describe('Code columns are named <prefix>0 .. <prefix>{k-1}'),
  onMissing: onMissingParam.optional().describe('Override the missing-value policy saved with the model'),
  outputPrefix: outputPrefixParam,
});

/** Adds the latent code of every row as columns z0..z{k-1} (the compressed representation). */
export const encode = defineStage({
  type: 'encode',
  kind: 'transform',
  description: 'Latent code of each row as columns z0..z{k-1}',
  params,
  create(p, ctx) {
    let codeSize = 0;
    return modelTransform(
      {
        stage: 'encode',
        outputPrefix: p.outputPrefix,
        model: p.model,
        watch: p,
        onMissing: p.onMissing,
        columns(detector, x) {
          const code = detector.encode(x);
          codeSize = code.cols;
          return matrixColumns(code, Array.from({ length: code.cols }, (_, c) => `${p.prefix}${c}`));
        },
        stats: () => ({ codeSize }),
      },
      ctx,
    );
  },
});
