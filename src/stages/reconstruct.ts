import { z } from 'zod';
import { defineStage } from '../contract/stage.js';
import { matrixColumns } from '../io/batch.js';
import { modelTransform } from './shared/model-transform.js';
import { modelRefParam, onMissingParam, outputPrefixParam, watchModelParams } from './shared/params.js';

const params = z.strictObject({
  model: modelRefParam,
  ...watchModelParams,
  prefix: z.string().min(1).default('r_').describe('Reconstructed columns are named <prefix><feature>'),
  onMissing: onMissingParam.optional().describe('Override the missing-value policy saved with the model'),
  outputPrefix: outputPrefixParam,
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
    return modelTransform(
      {
        stage: 'reconstruct',
        outputPrefix: p.outputPrefix,
        model: p.model,
        watch: p,
        onMissing: p.onMissing,
        columns: (detector, x) => matrixColumns(detector.reconstruct(x), detector.features.map((name) => `${p.prefix}${name}`)),
      },
      ctx,
    );
  },
});
