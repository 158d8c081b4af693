import { z } from 'zod';
import { Autoencoder } from '../models/autoencoder.js';
import { deriveSeed } from '../models/random.js';
import { defineStage } from '../pipeline/stage.js';
import { fitDetectorStage } from './fit-detector.js';
import { excludeParam, featuresParam, maxRowsParam, onMissingParam, scalerParam, thresholdRuleParam } from './params.js';

const activation = z.enum(['relu', 'tanh', 'sigmoid', 'elu', 'selu', 'linear']);

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
    learningRate: z.number().positive().optional().describe('Adam learning rate (default 1e-3)'),
    epochs: z.number().int().positive().optional().describe('Maximum epochs (default 50)'),
    batchSize: z.number().int().positive().optional().describe('Rows per gradient step (default 256)'),
    validationSplit: z.number().min(0).lt(1).optional().describe('Fraction of rows held out to monitor loss, seeded (default 0.1)'),
    earlyStopping: z
      .union([z.boolean(), z.strictObject({ patience: z.number().int().min(0).optional(), minDelta: z.number().min(0).optional() })])
      .optional()
      .describe('Stop when the monitored loss stalls and restore the best weights (default {patience: 5, minDelta: 0}); false = off'),
    dropout: z.number().min(0).lt(1).optional().describe('Dropout rate after hidden layers, training only (default 0)'),
  })
  .default({});

const params = z.strictObject({
  features: featuresParam,
  exclude: excludeParam,
  onMissing: onMissingParam.default('error'),
  scaler: scalerParam,
  model: autoencoderModelParams.describe('Autoencoder network and training options'),
  threshold: thresholdRuleParam.optional(),
  saveTo: z.string().optional().describe('Model directory to write (atomically), relative to the pipeline file'),
  maxRows: maxRowsParam,
});

/** Fits scaler + dense autoencoder + threshold on all rows it receives, then passes the rows on. */
export const autoencoderFit = defineStage({
  type: 'autoencoder-fit',
  kind: 'transform',
  description: 'Fits a dense autoencoder (with scaler and threshold) on the incoming rows; publishes it under the stage id',
  params,
  create(p, ctx) {
    return fitDetectorStage('autoencoder', p, ctx, async (x) => {
      const model = new Autoencoder(x.cols, { ...p.model, seed: deriveSeed(ctx.seed, `${ctx.stageId}:autoencoder`) });
      const bar = ctx.progress.start('training', model.config.epochs, 'epochs');
      try {
        const history = await model.fit(x, {
          signal: ctx.signal,
          onEpoch: (log) => {
            bar.increment(1, { loss: log.loss, ...(log.valLoss !== undefined ? { val: log.valLoss } : {}) });
            ctx.logger.debug({ ...log }, 'epoch');
          },
        });
        return {
          model,
          history: { loss: history.loss, valLoss: history.valLoss, bestEpoch: history.bestEpoch, stoppedEarly: history.stoppedEarly },
        };
      } catch (error) {
        model.dispose();
        throw error;
      } finally {
        bar.stop();
      }
    });
  },
});
