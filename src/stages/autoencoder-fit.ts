import { z } from 'zod';
import { ModelConfigError } from '../errors.js';
import { AUTOENCODER_DEFAULTS, AUTOENCODER_SCALER, checkVariantOptions, VARIANT_DEFAULTS } from '../models/autoencoder/autoencoder-config.js';
import { SCORE_BYS, type ScoreBy } from '../models/autoencoder/score-by.js';
import { Autoencoder } from '../models/autoencoder/autoencoder.js';
import { TRAINING_BUDGET, type TrainingPlan } from '../models/autoencoder/training-budget.js';
import type { TrainingHistory } from '../models/autoencoder/training-history.js';
import { deriveSeed } from '../models/random.js';
import { defineStage, type StageContext } from '../contract/stage.js';
import { fitDetectorStage, type ModelTrainer } from './shared/fit-detector.js';
import { excludeParam, featuresParam, maxRowsParam, onMissingParam, scalerMethodParam, fitThresholdParam } from './shared/params.js';

const activation = z.enum(['relu', 'tanh', 'sigmoid', 'elu', 'selu', 'linear']);
const D = VARIANT_DEFAULTS;
const weight = (name: string, dflt: number) => z.number().min(0).optional().describe(`${name}; >= 0 (default ${dflt})`);

const sparsity = z
  .discriminatedUnion('type', [
    z.strictObject({
      type: z.literal('l1').describe('L1 activity penalty weight·Σ|code| per row (as tf.keras activity_regularizer=l1(weight))'),
      weight: weight('Penalty weight λ', D.l1Weight),
    }),
    z.strictObject({
      type: z.literal('kl').describe('KL penalty weight·Σ_j KL(target‖mean activation of code unit j over the batch); needs codeActivation: sigmoid'),
      target: z.number().gt(0).lt(1).optional().describe(`Target mean activation ρ per code unit, in (0, 1) (default ${D.klTarget})`),
      weight: weight('Penalty weight β', D.klWeight),
    }),
  ])
  .optional()
  .describe('Sparse code: {type: l1, weight} or {type: kl, target, weight} (default none)');

const denoising = z
  .discriminatedUnion('type', [
    z.strictObject({
      type: z.literal('gaussian').describe('Additive Gaussian noise'),
      sigma: z.number().positive().optional().describe(`Noise standard deviation in scaled units, > 0 (default ${D.gaussianSigma})`),
      clip: z.tuple([z.number(), z.number()]).optional().describe('Clip corrupted inputs to [min, max], e.g. [0, 1] for pixels (default none)'),
    }),
    z.strictObject({
      type: z.literal('mask').describe('Masking noise: zero each input value with probability dropProbability'),
      dropProbability: z.number().gt(0).lt(1).optional().describe(`Probability a value is zeroed, in (0, 1) (default ${D.maskDropProbability})`),
    }),
  ])
  .optional()
  .describe('Denoising: train on corrupted inputs to rebuild the clean rows, noise only in training (default none)');

const contractive = z
  .strictObject({ weight: weight('Weight λ of ‖∂code/∂x‖²_F (closed form, dense encoders)', D.contractiveWeight) })
  .optional()
  .describe('Contractive penalty on the encoder Jacobian (default none)');

const variational = z
  .strictObject({
    beta: weight('Weight β of KL(q(z|x)‖N(0,I)); 1 = VAE, > 1 = β-VAE', D.beta),
    scoreBy: z.enum(['reconstruction', 'elbo']).optional().describe('score: reconstruction error from μ, or the negative ELBO per feature at z = μ (default reconstruction)'),
  })
  .optional()
  .describe('Variational autoencoder: encode returns μ, scores are deterministic (default none)');

const positiveInt = z.number().int().positive();
const convolutional = z
  .strictObject({
    shape: z.tuple([positiveInt, positiveInt, positiveInt]).describe('Image [height, width, channels]; the product must equal the feature count (e.g. [28, 28, 1])'),
    filters: z.array(positiveInt).min(1).optional().describe(`Filters per conv + max-pool level, outermost first (default ${JSON.stringify(D.filters)})`),
    kernelSize: positiveInt.optional().describe(`Odd kernel side (default ${D.kernelSize})`),
    poolSize: positiveInt.optional().describe(`Pooling/upsampling factor per level (default ${D.poolSize})`),
  })
  .optional()
  .describe('Convolutional encoder/decoder for image rows, dense code of codeSize (default none: dense)');

/** The network and training options; every one is optional and defaults from the input width. */
export const autoencoderModelParams = z
  .strictObject({
    hiddenUnits: z.array(z.number().int().positive()).optional().describe('Encoder hidden layer widths, outermost first; several = deep/stacked (default [clamp(4*codeSize, 8, 128)])'),
    codeSize: z.number().int().positive().optional().describe('Code (bottleneck) width, below the input width (default min(d-1, clamp(ceil(d/3), 1, 32)))'),
    decoderUnits: z.array(z.number().int().positive()).optional().describe('Decoder hidden layer widths, innermost first (default: mirror of hiddenUnits)'),
    activation: activation.optional().describe('Hidden layer activation (default relu)'),
    codeActivation: activation.optional().describe('Code layer activation (default linear)'),
    outputActivation: z.enum(['linear', 'sigmoid']).optional().describe('Output activation; sigmoid for data in [0,1] (default linear)'),
    loss: z.enum(['mse', 'bce']).optional().describe('Training loss; bce needs sigmoid output and [0,1] inputs (default mse)'),
    learningRate: z.number().positive().optional().describe(`Adam learning rate (default ${AUTOENCODER_DEFAULTS.learningRate})`),
    epochs: z.number().int().positive().nullable().optional().describe('Passes over the training rows (default: until earlyStopping ends training, inside budget)'),
    budget: z
      .strictObject({
        steps: z.number().int().positive().nullable().optional().describe(`Most gradient steps (default ${TRAINING_BUDGET.epochs} epochs' worth, clamped to [${TRAINING_BUDGET.minSteps}, ${TRAINING_BUDGET.maxSteps}])`),
        seconds: z.number().positive().nullable().optional().describe(`Most seconds of training (default ${TRAINING_BUDGET.baseSeconds} + rows·columns/${TRAINING_BUDGET.valuesPerSecond}, at most ${TRAINING_BUDGET.maxSeconds})`),
      })
      .optional()
      .describe('Limits of a fit whose stopping rule has not fired; with epochs set, no limit unless given'),
    trim: z.number().min(0).lt(0.5).optional().describe(`Robust training: leave this fraction of each batch's worst-rebuilt rows out of the loss, in [0, 0.5) (default ${AUTOENCODER_DEFAULTS.trim})`),
    batchSize: z.number().int().positive().optional().describe(`Rows per gradient step (default ${AUTOENCODER_DEFAULTS.batchSize})`),
    validationSplit: z.number().min(0).lt(1).optional().describe(`Fraction of rows held out to monitor loss, seeded (default ${AUTOENCODER_DEFAULTS.validationSplit})`),
    earlyStopping: z
      .union([
        z.boolean(),
        z.strictObject({
          patience: z.number().int().min(0).optional(),
          minDelta: z.number().min(0).optional(),
          minRelativeDelta: z.number().min(0).lt(1).optional(),
        }),
      ])
      .optional()
      .describe(`Stop when the monitored loss stops improving by max(minDelta, minRelativeDelta·best) and restore the best weights (default ${JSON.stringify(AUTOENCODER_DEFAULTS.earlyStopping)}); false = off`),
    dropout: z.number().min(0).lt(1).optional().describe('Dropout rate after hidden layers, training only (default 0)'),
    batchNorm: z.boolean().optional().describe('Batch norm between each hidden/code Dense and its activation, as PyOD; dense networks only (default false)'),
    weightDecay: z.number().min(0).optional().describe('Coupled L2 weight decay added to every gradient (PyTorch Adam weight_decay) (default 0)'),
    neighbors: z
      .strictObject({
        k: z.number().int().positive().optional().describe(`Which neighbour: the k-th nearest training code (default ${AUTOENCODER_DEFAULTS.neighbors.k})`),
        weight: z.number().gt(0).lt(1).optional().describe(`The distance's share of the score, in (0, 1) (default ${AUTOENCODER_DEFAULTS.neighbors.weight})`),
      })
      .nullable()
      .optional()
      .describe(`Latent density: blend the score with the distance from the row's code to its k-th nearest training code (default ${JSON.stringify(AUTOENCODER_DEFAULTS.neighbors)} with the default score, none when scoreBy is given); null = scoreBy alone`),
    scoreBy: z
      .enum(SCORE_BYS as [ScoreBy, ...ScoreBy[]])
      .optional()
      .describe(`Score: reconstruction (MSE), standardized (errors / training RMS error per feature), standardized-code (+ code Mahalanobis), mahalanobis (MSE + floored Mahalanobis of the reconstruction) or balanced (standardized errors 2/3 and that distance 1/3) (default ${AUTOENCODER_DEFAULTS.scoreBy})`),
    sparsity,
    denoising,
    contractive,
    variational,
    convolutional,
  })
  // Combinations (kl sparsity without a sigmoid code, variational with contractive, ...) fail at validation
  // time with the option's position; only the conv shape versus the feature count waits for the data.
  .superRefine((model, ctx) => {
    try {
      checkVariantOptions(model);
    } catch (error) {
      if (!(error instanceof ModelConfigError)) throw error;
      ctx.addIssue({ code: 'custom', message: error.message.slice(error.option.length + 2), path: error.option.split(/[.[\]]/).filter(Boolean) });
    }
  })
  .default({});

/** Params of `autoencoder-fit`; also the options of the library's `fitDetector` (same defaults). */
export const autoencoderFitParams = z.strictObject({
  features: featuresParam,
  exclude: excludeParam,
  onMissing: onMissingParam.default('error'),
  scaler: scalerMethodParam
    .default(AUTOENCODER_SCALER)
    .describe(`Feature scaling fitted on training rows and saved with the model (default ${AUTOENCODER_SCALER}: median/IQR, see bench/results/peers-defaults.md)`),
  model: autoencoderModelParams.describe('Autoencoder network and training options'),
  threshold: fitThresholdParam,
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
  return async (x) => {
      const model = new Autoencoder(x.cols, { ...p.model, seed: deriveSeed(ctx.seed, `${ctx.stageId}:autoencoder`) });
      const plan = model.trainingPlan(x.rows);
      const bar = ctx.progress.start('training', plan.maxEpochs, 'epochs');
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
