import { z } from 'zod';
import { AUTOENCODER_SCALER } from '../models/autoencoder/autoencoder-config.js';
import { autoencoderOptions } from '../models/autoencoder/autoencoder-options.js';
import { AutoencoderEnsemble, createAutoencoder } from '../models/autoencoder/autoencoder-ensemble.js';
import { Autoencoder } from '../models/autoencoder/autoencoder.js';
import { ModelConfigError } from '../errors.js';
import type { TrainingPlan } from '../models/autoencoder/training-budget.js';
import type { TrainingHistory } from '../models/autoencoder/training-history.js';
import { deriveSeed } from '../models/random.js';
import { defineStage, type StageContext } from '../contract/stage.js';
import { fitDetectorStage, type ModelTrainer } from './shared/fit-detector.js';
import { excludeParam, fitFeatureParams, maxRowsParam, onMissingParam, scalerMethodParam, fitThresholdParam, calibrationSplitParam } from './shared/params.js';

/** Params of `autoencoder-fit`; also the options of the library's `fitDetector` (same defaults). */
export const autoencoderFitParams = z.strictObject({
  ...fitFeatureParams,
  exclude: excludeParam,
  onMissing: onMissingParam.default('error'),
  scaler: scalerMethodParam
    .default(AUTOENCODER_SCALER)
    .describe(`Feature scaling fitted on training rows and saved with the model (default ${AUTOENCODER_SCALER}: median/IQR, see bench/results/peers-defaults.md)`),
  // The model's own schema: the same rules, defaults and messages as `new Autoencoder(d, model)`.
  model: autoencoderOptions.default({}).describe('Autoencoder network and training options'),
  threshold: fitThresholdParam,
  calibrationSplit: calibrationSplitParam,
  saveTo: z.string().optional().describe('Model directory to write (atomically), relative to the pipeline file'),
  maxRows: maxRowsParam,
});

/** Fits scaler + autoencoder (any variant of the `model` options) + threshold on all rows it receives, then passes the rows on. */
export const autoencoderFit = defineStage({
  type: 'autoencoder-fit',
  kind: 'transform',
  description:
    'Fits an autoencoder (dense/deep, sparse, denoising, contractive, variational or convolutional; with scaler and threshold) on the incoming rows; publishes it under the stage id',
  params: autoencoderFitParams,
  create(p, ctx) {
    return fitDetectorStage('autoencoder', p, ctx, autoencoderTrainer(p, ctx));
  },
});

/** Trains the autoencoder of a fit on scaled rows, with a progress bar and per-epoch debug logs. */
export function autoencoderTrainer(p: z.output<typeof autoencoderFitParams>, ctx: StageContext): ModelTrainer {
  return async (x, blocks) => {
      const options = { ...p.model, seed: deriveSeed(ctx.seed, `${ctx.stageId}:autoencoder`) };
      if (blocks !== null && p.model.ensemble !== undefined && p.model.ensemble !== null) {
        throw new ModelConfigError('ensemble', 'autoencoder: ensembles of mixed-type (non-numeric) feature columns are not available yet; remove model.ensemble or use features: numeric');
      }
      const model = blocks === null ? createAutoencoder(x.cols, options) : new Autoencoder(x.cols, options, blocks);
      const plan = model.trainingPlan(x.rows);
      // An ensemble fits its members one after the other, each under the plan: one bar over all their epochs.
      const members = model instanceof AutoencoderEnsemble ? model.ensemble.size : 1;
      const bar = ctx.progress.start('training', plan.maxEpochs * members, 'epochs');
      try {
        const history = await model.fit(x, {
          signal: ctx.signal,
          onEpoch: (log) => {
            bar.increment(1, { loss: log.loss, ...(log.valLoss !== undefined ? { val: log.valLoss } : {}) });
            ctx.logger.debug({ ...log }, 'epoch');
          },
        });
        const { loss, valLoss, bestEpoch, stoppedEarly, stopReason, converged, steps } = history;
        if (converged === false) ctx.logger.warn({ stopReason, steps, epochs: history.epochs, plan }, notConvergedMessage(history, plan));
        return { model, history: { loss, valLoss, bestEpoch, stoppedEarly, stopReason, converged, steps } };
      } catch (error) {
        model.dispose();
        throw error;
      } finally {
        bar.stop();
      }
  };
}

/** The warning for a fit that ran out of epochs or budget while its loss was still improving. */
export function notConvergedMessage(history: Pick<TrainingHistory, 'stopReason' | 'steps' | 'epochs'>, plan: TrainingPlan): string {
  const limit =
    history.stopReason === 'timeBudget'
      ? `its time budget (${Math.round(plan.maxSeconds)} s; raise budget.seconds or --max-seconds)`
      : history.stopReason === 'stepBudget'
        ? `its step budget (${plan.maxSteps} steps; raise budget.steps or --max-steps)`
        : `the ${history.epochs} epochs asked for (raise epochs, or leave it unset to train until the loss stops improving)`;
  return `autoencoder training stopped at ${limit} after ${history.steps} steps while the loss was still improving: the model has not converged`;
}
