import { z } from 'zod';
import { concatRows } from '../models/matrix.js';
import { fitsByCovariance, PcaModel } from '../models/pca.js';
import { pcaOptionShape, refinePcaOptions } from '../models/pca-options.js';
import { defineStage } from '../contract/stage.js';
import { fitDetectorStage, type BatchTrainer } from './shared/fit-detector.js';
import { excludeParam, fitFeatureParams, maxRowsParam, onMissingParam, scalerParam, fitThresholdParam, calibrationSplitParam } from './shared/params.js';

/** Params of `pca-fit`; also the options of the library's `fitDetector` with `type: 'pca'` (same defaults). */
export const pcaFitParams = z
  .strictObject({
    ...fitFeatureParams,
    exclude: excludeParam,
    onMissing: onMissingParam.default('error'),
    scaler: scalerParam,
    // The model's own options: the same ranges, defaults and messages as `new PcaModel(options)`.
    ...pcaOptionShape,
    threshold: fitThresholdParam,
    calibrationSplit: calibrationSplitParam,
    saveTo: z.string().optional().describe('Model directory to write (atomically), relative to the pipeline file'),
    maxRows: maxRowsParam,
  })
  .superRefine(refinePcaOptions);

/** Fits scaler + PCA + threshold: the linear baseline with the same encode/score API as the autoencoder. */
export const pcaFit = defineStage({
  type: 'pca-fit',
  kind: 'transform',
  description: 'Fits PCA (with scaler and threshold) on the incoming rows: the linear baseline; publishes it under the stage id',
  params: pcaFitParams,
  create(p, ctx) {
    return fitDetectorStage('pca', p, ctx, pcaTrainer(p));
  },
});

/**
 * Fits the PCA of a fit on the scaled rows batch by batch (`partialFit`, memory cols x cols), unless
 * the rows are too few for the covariance path to pay: then on all of them at once by SVD.
 */
export function pcaTrainer(p: z.output<typeof pcaFitParams>): BatchTrainer {
  return {
    async fitBatches(scaled, rows, cols) {
      const components = p.k !== undefined ? { k: p.k } : { varianceFraction: p.varianceFraction };
      const model = new PcaModel(p.scoreBy === undefined ? components : { ...components, scoreBy: p.scoreBy });
      if (fitsByCovariance(rows, cols)) {
        for (const part of scaled()) model.partialFit(part);
        model.finish();
      } else {
        model.fit(concatRows([...scaled()], cols));
      }
      return { model, explainedVariance: model.explainedVariance.slice(0, model.k) };
    },
  };
}
