import type { z } from 'zod';
import { derivedOption, option, optionKit } from '../option-schema.js';
import { SCORE_BYS } from './score-by.js';
import { TRAINING_BUDGET } from './training-budget.js';

/**
 * The autoencoder's options, declared once: the constructor validates with this schema, the
 * `autoencoder-fit` stage uses it as its `model:` block, and `latentflow list` and `latentflow fit --help`
 * show its descriptions and defaults. Shape defaults depend on the input width d and are filled in by
 * `resolveAutoencoderConfig`; every other default is below.
 */

/** Accepted values of `activation` and `codeActivation`. */
export const ACTIVATIONS = ['relu', 'tanh', 'sigmoid', 'elu', 'selu', 'linear'] as const;
/** Activation of a hidden layer or of the code layer. */
export type Activation = (typeof ACTIVATIONS)[number];
/** Activation of the reconstruction layer: `sigmoid` for data in [0, 1] (e.g. after min-max scaling). */
export type OutputActivation = 'linear' | 'sigmoid';
/** Reconstruction loss minimised in training: mean squared error, or binary cross-entropy for [0, 1] data. */
export type LossName = 'mse' | 'bce';

/** Defaults inside the variant options. */
export const VARIANT_DEFAULTS = {
  l1Weight: 1e-4,
  klTarget: 0.05,
  klWeight: 0.1,
  gaussianSigma: 0.1,
  maskDropProbability: 0.25,
  contractiveWeight: 1e-3,
  beta: 1,
  scoreBy: 'reconstruction',
  filters: [16, 8],
  kernelSize: 3,
  poolSize: 2,
} as const;

/** Defaults that do not depend on the input width (each chosen in bench/results/peers-defaults.md). */
export const AUTOENCODER_DEFAULTS = {
  activation: 'relu',
  codeActivation: 'linear',
  outputActivation: 'linear',
  loss: 'mse',
  learningRate: 1e-3,
  epochs: null,
  budget: { steps: null, seconds: null },
  trim: 0,
  batchSize: 256,
  validationSplit: 0.1,
  earlyStopping: { patience: 10, minDelta: 0, minRelativeDelta: 0.01 },
  dropout: 0,
  batchNorm: false,
  weightDecay: 0,
  scoreBy: 'balanced',
  neighbors: { k: 5, weight: 0.5 },
  seed: 42,
  sparsity: null,
  denoising: null,
  contractive: null,
  variational: null,
  convolutional: null,
  ensemble: null,
} as const;

/** Accepted values of `ensemble.widths`. */
export const ENSEMBLE_WIDTHS = ['same', 'varied'] as const;

/** With `ensemble.widths: varied`, member i's hidden widths are member 0's times factor i (cycling): narrower and wider nets err differently. */
export const ENSEMBLE_WIDTH_FACTORS = [1, 0.5, 2, 0.75, 1.5] as const;

/** Bounds of `ensemble.size`: two members are the fewest that average anything, 16 keeps a fit at most 16 single fits long. */
export const ENSEMBLE_SIZE = { min: 2, max: 16 } as const;

/**
 * Widest input the default score measures along the learned manifold. `balanced` keeps a d x d whitening
 * matrix of the training reconstructions: for 784 pixels that is 614,656 numbers in the model file (13 MB
 * of JSON), an eigendecomposition that adds about 30 s to every fit and a d x d product per scored row.
 * Wider inputs (images) default to `standardized`, the per-feature half of `balanced`, which costs O(d).
 */
export const MANIFOLD_SCORE_MAX_FEATURES = 256;

const k = optionKit('autoencoder');
const D = VARIANT_DEFAULTS;
const A = AUTOENCODER_DEFAULTS;
const weight = (description: string, dflt: number) => option(k.number({ min: 0 }), dflt, `${description}; >= 0`);
const layerWidths = k.array(k.number({ isInteger: true, min: 1 }, 'a layer width (integer >= 1)'), 'an array of layer widths');
const activation = k.oneOf(ACTIVATIONS);

const l1Sparsity = k.object(
  {
    type: k.oneOf(['l1']).describe('L1 activity penalty weight·Σ|code| per row, averaged over the batch (as tf.keras activity_regularizer=l1(weight))'),
    weight: weight('Penalty weight λ', D.l1Weight),
  },
  '{ type: l1, weight }',
);
const klSparsity = k.object(
  {
    type: k.oneOf(['kl']).describe("KL penalty weight·Σ_j KL(target‖ρ̂_j), ρ̂_j code unit j's mean activation over the batch; needs codeActivation: sigmoid"),
    target: option(k.number({ gt: 0, lt: 1 }, 'a mean activation in (0, 1), e.g. 0.05'), D.klTarget, 'Target mean activation ρ of every code unit, in (0, 1)'),
    weight: weight('Penalty weight β', D.klWeight),
  },
  '{ type: kl, target, weight }',
);
/** Sparse code: a penalty on the code layer. */
export const sparsityOptions = k.variants('type', [l1Sparsity, klSparsity], ['l1', 'kl'], '{ type: l1, weight } or { type: kl, target, weight }');

const clip = k
  .tuple([k.number({}), k.number({})], '[min, max] with min < max')
  .nullable()
  .superRefine((range, ctx) => {
    if (range !== null && range[0] >= range[1]) ctx.addIssue({ code: 'custom', message: k.message(`expected [min, max] with min < max, received ${JSON.stringify(range)}`) });
  });
const gaussianNoise = k.object(
  {
    type: k.oneOf(['gaussian']).describe('Additive Gaussian noise'),
    sigma: option(k.number({ gt: 0 }), D.gaussianSigma, 'Noise standard deviation, in scaled feature units; > 0'),
    clip: option(clip, null, 'Clip the corrupted input to [min, max], e.g. [0, 1] for pixels; null = no clipping'),
  },
  '{ type: gaussian, sigma, clip }',
);
const maskNoise = k.object(
  {
    type: k.oneOf(['mask']).describe('Masking noise: each input value is set to 0 with probability dropProbability (no rescaling)'),
    dropProbability: option(k.number({ gt: 0, lt: 1 }, 'a probability in (0, 1)'), D.maskDropProbability, 'Probability a value is zeroed, in (0, 1)'),
  },
  '{ type: mask, dropProbability }',
);
/** Denoising: in training only, the network sees a corrupted copy of each batch (fresh seeded noise per step). */
export const denoisingOptions = k.variants('type', [gaussianNoise, maskNoise], ['gaussian', 'mask'], '{ type: gaussian, sigma } or { type: mask, dropProbability }');

/** Contractive: adds weight·‖∂code/∂x‖²_F per row, exact in closed form for the dense encoder. */
export const contractiveOptions = k.object({ weight: weight('Weight λ of ‖∂code/∂x‖²_F (closed form, dense encoders)', D.contractiveWeight) }, '{ weight }');

/** Variational: decodes z = μ + σ·ε in training and adds beta·KL(N(μ, σ²) ‖ N(0, I)) per row / d; scores use μ. */
export const variationalOptions = k.object(
  {
    beta: weight('Weight β of KL(q(z|x)‖N(0,I)); 1 = VAE, > 1 = β-VAE', D.beta),
    scoreBy: option(
      k.oneOf(['reconstruction', 'elbo']),
      D.scoreBy,
      'What score returns: the reconstruction error from μ, or the negative ELBO per feature at z = μ ((Σ loss + beta·KL) / d)',
    ),
  },
  '{ beta, scoreBy }',
);

const positiveInt = (what: string) => k.number({ isInteger: true, min: 1 }, what);
const imageShape = '[height, width, channels] of positive integers (e.g. [28, 28, 1])';
/** Convolutional: rows of h·w·c values (row-major, channels last) are images; conv + max-pool levels, dense code. */
export const convolutionalOptions = k
  .object(
    {
      shape: k
        .tuple([positiveInt('a positive integer'), positiveInt('a positive integer'), positiveInt('a positive integer')], imageShape)
        .describe('Image [height, width, channels]; the product must equal the feature count (e.g. [28, 28, 1])'),
      filters: option(
        layerWidths.min(1, { error: () => k.message('expected at least one convolution, received []') }),
        [...D.filters],
        'Filters of each conv + max-pool level, outermost first; positive integers, at least one',
      ),
      kernelSize: option(positiveInt('an integer >= 1'), D.kernelSize, "Side of the square convolution kernels; odd ('same' padding is symmetric)"),
      poolSize: option(positiveInt('an integer >= 1'), D.poolSize, 'Max-pooling (and upsampling) factor per level; height and width must divide by poolSize^levels'),
    },
    '{ shape: [height, width, channels], filters, kernelSize, poolSize }',
  )
  .superRefine((c, ctx) => {
    const kernelSize = c.kernelSize ?? D.kernelSize;
    if (kernelSize % 2 === 0) {
      ctx.addIssue({ code: 'custom', path: ['kernelSize'], message: k.message(`expected an odd kernel side ('same' padding is symmetric), received ${kernelSize}`) });
      return;
    }
    const filters = c.filters ?? D.filters;
    const poolSize = c.poolSize ?? D.poolSize;
    const factor = poolSize ** filters.length;
    if (c.shape[0] % factor !== 0 || c.shape[1] % factor !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['filters'],
        message: k.message(
          `${filters.length} pooling levels of ${poolSize} need height and width divisible by ${factor}, received ${c.shape[0]}x${c.shape[1]}; use fewer filters entries or a smaller poolSize`,
        ),
      });
    }
  });

/** Limits of a fit whose stopping rule has not fired; null derives the limit from the data (training-budget.ts). */
export const budgetOptions = k.object(
  {
    steps: option(
      k.number({ isInteger: true, min: 1 }).nullable(),
      null,
      `Most gradient steps; integer >= 1; null = ${TRAINING_BUDGET.epochs} epochs' worth, clamped to [${TRAINING_BUDGET.minSteps}, ${TRAINING_BUDGET.maxSteps}]`,
    ),
    seconds: option(
      k.number({ gt: 0 }).nullable(),
      null,
      `Most seconds of training; > 0; null = ${TRAINING_BUDGET.baseSeconds} + rows·columns / ${TRAINING_BUDGET.valuesPerSecond}, at most ${TRAINING_BUDGET.maxSeconds}`,
    ),
  },
  '{ steps, seconds }',
);

/** Early stopping: an epoch improves when the monitored loss drops below best − max(minDelta, minRelativeDelta·best). */
export const earlyStoppingOptions = k.object(
  {
    patience: option(k.number({ isInteger: true, min: 0 }), A.earlyStopping.patience, 'Epochs without improvement before training stops; integer >= 0'),
    minDelta: option(k.number({ min: 0 }), A.earlyStopping.minDelta, 'Smallest absolute decrease of the monitored loss that counts as an improvement; >= 0'),
    minRelativeDelta: option(k.number({ min: 0, lt: 1 }), A.earlyStopping.minRelativeDelta, 'Smallest decrease, as a fraction of the best loss so far, that counts as an improvement; in [0, 1)'),
  },
  'false or { patience, minDelta, minRelativeDelta }',
);

/** Latent density: blend the score with the distance from the row's code to its k-th nearest training code. */
export const neighborOptions = k.object(
  {
    k: option(k.number({ isInteger: true, min: 1 }), A.neighbors.k, 'Which neighbour: the k-th nearest training code; integer >= 1'),
    weight: option(k.number({ gt: 0, lt: 1 }, "the distance's share of the score in (0, 1)"), A.neighbors.weight, "The distance's share of the score, in (0, 1)"),
  },
  '{ k, weight } or null',
);

/** Ensemble: several networks fitted on the same rows, their normalized scores averaged (autoencoder-ensemble.ts). */
export const ensembleOptions = k.object(
  {
    size: k
      .number({ isInteger: true, min: ENSEMBLE_SIZE.min, max: ENSEMBLE_SIZE.max })
      .describe(`Members, each a network of these options with its own seed derived from seed; integer in [${ENSEMBLE_SIZE.min}, ${ENSEMBLE_SIZE.max}]`),
    widths: option(
      k.oneOf(ENSEMBLE_WIDTHS),
      'same',
      `Members' dense hidden widths: same, or varied (member i's hidden and decoder layers times ${ENSEMBLE_WIDTH_FACTORS.join(', ')}, cycling, at least 1 unit; the code width is the same for all)`,
    ),
  },
  '{ size, widths }',
);

const autoencoderShape = {
  hiddenUnits: derivedOption(layerWidths, 'Encoder hidden layer widths, outermost first; several = deep (stacked), [] none (default [clamp(4*codeSize, 8, 128)], [] with convolutional)'),
  codeSize: derivedOption(k.number({ isInteger: true, min: 1 }), 'Code (bottleneck) width, below the input width d (default min(d-1, clamp(ceil(d/3), 1, 32)))'),
  decoderUnits: derivedOption(layerWidths, 'Decoder hidden layer widths, innermost first (default: hiddenUnits reversed, a mirror)'),
  activation: option(activation, A.activation, 'Activation of every hidden layer'),
  codeActivation: option(activation, A.codeActivation, 'Activation of the code layer'),
  outputActivation: option(k.oneOf(['linear', 'sigmoid']), A.outputActivation, 'Output activation; sigmoid for data in [0, 1], required by loss: bce'),
  loss: option(k.oneOf(['mse', 'bce']), A.loss, 'Training loss; bce needs outputActivation: sigmoid and inputs in [0, 1]'),
  learningRate: option(k.number({ gt: 0 }), A.learningRate, 'Adam step size; > 0'),
  epochs: option(
    k.number({ isInteger: true, min: 1 }).nullable(),
    A.epochs,
    'Passes over the training rows; integer >= 1; null = until earlyStopping ends the fit, inside budget',
  ),
  budget: option(budgetOptions.nullable(), A.budget, 'Step and time limits of a fit ({ steps, seconds }); with epochs set, no limit unless given'),
  trim: option(
    k.number({ min: 0, lt: 0.5 }),
    A.trim,
    "Robust training: leave this fraction of each batch's worst-rebuilt rows out of the loss (a trimmed mean), in [0, 0.5)",
  ),
  batchSize: option(k.number({ isInteger: true, min: 1 }), A.batchSize, 'Rows per gradient step; integer >= 1'),
  validationSplit: option(k.number({ min: 0, lt: 1 }), A.validationSplit, 'Fraction of rows held out (chosen by the seed) to monitor the loss, in [0, 1)'),
  earlyStopping: option(
    k.boolean().or(earlyStoppingOptions),
    A.earlyStopping,
    'Stop when the monitored loss stops improving and restore the best weights; true = the default, false = train all epochs',
  ),
  dropout: option(k.number({ min: 0, lt: 1 }), A.dropout, 'Dropout rate after each hidden layer, training only (seeded masks), in [0, 1)'),
  batchNorm: option(k.boolean(), A.batchNorm, 'Batch norm between each hidden/code Dense and its activation, as PyOD; dense networks only'),
  weightDecay: option(k.number({ min: 0 }), A.weightDecay, 'Coupled L2 weight decay added to every gradient (PyTorch Adam weight_decay); >= 0'),
  scoreBy: derivedOption(
    k.oneOf(SCORE_BYS),
    `Score: reconstruction (MSE), standardized (errors / training RMS error per feature), standardized-code (+ code Mahalanobis), mahalanobis (MSE + floored Mahalanobis of the reconstruction) or balanced (standardized errors 2/3 and that distance 1/3) (default ${A.scoreBy}, standardized above ${MANIFOLD_SCORE_MAX_FEATURES} features, reconstruction with non-numeric columns, where only reconstruction and standardized apply; files saved without it load as reconstruction)`,
  ),
  neighbors: derivedOption(
    neighborOptions.nullable(),
    `Latent density ({ k, weight }); null = scoreBy alone (default ${JSON.stringify(A.neighbors)} with the default score, null when scoreBy or variational.scoreBy: elbo is given)`,
  ),
  seed: option(k.number({ isInteger: true, min: 0, max: 0xffffffff }), A.seed, 'Seeds weights, shuffling, the validation split, dropout, denoising noise and VAE samples'),
  sparsity: option(sparsityOptions.nullable(), A.sparsity, 'Sparse code: { type: l1, weight } or { type: kl, target, weight }; null = none'),
  denoising: option(denoisingOptions.nullable(), A.denoising, 'Denoising: train on corrupted inputs to rebuild the clean rows, noise only in training; null = none'),
  contractive: option(contractiveOptions.nullable(), A.contractive, 'Contractive penalty on the encoder Jacobian ({ weight }); null = none'),
  variational: option(variationalOptions.nullable(), A.variational, 'Variational autoencoder ({ beta, scoreBy }): encode returns μ, scores are deterministic; null = none'),
  convolutional: option(convolutionalOptions.nullable(), A.convolutional, 'Convolutional encoder/decoder for image rows, dense code of codeSize; null = dense'),
  ensemble: option(
    ensembleOptions.nullable(),
    A.ensemble,
    'Ensemble ({ size, widths }): size networks, each seeded from seed, scores divided by their training median and averaged; fits take size times longer; null = one network',
  ),
};

/**
 * Every autoencoder option, and the rules between them that need no data (kl sparsity needs a sigmoid code,
 * variational excludes sparsity, ...). Only `codeSize` against the input width and the convolutional shape
 * against the feature count wait for the data (`resolveAutoencoderConfig`).
 */
export const autoencoderOptions = k.object(autoencoderShape, 'an options object').superRefine((c, ctx) => {
  const problem = combinationProblem(c);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', path: [problem.option], message: k.message(problem.message) });
});

/** Options of the autoencoder; everything is optional. */
export type AutoencoderConfig = z.input<typeof autoencoderOptions>;
/** A sparsity penalty on the code layer. */
export type SparsityConfig = z.input<typeof sparsityOptions>;
/** Denoising by additive Gaussian noise or by masking noise. */
export type DenoisingConfig = z.input<typeof denoisingOptions>;
/** Contractive penalty weight. */
export type ContractiveConfig = z.input<typeof contractiveOptions>;
/** Variational autoencoder options. */
export type VariationalConfig = z.input<typeof variationalOptions>;
/** Convolutional encoder/decoder options. */
export type ConvolutionalConfig = z.input<typeof convolutionalOptions>;
/** Ensemble options. */
export type EnsembleConfig = z.input<typeof ensembleOptions>;
/** Early-stopping options. */
export type EarlyStoppingConfig = z.input<typeof earlyStoppingOptions>;

/** The first rule between options that `c` breaks, if any, and the option to change. */
function combinationProblem(c: z.output<typeof autoencoderOptions>): { option: keyof AutoencoderConfig; message: string } | undefined {
  const codeActivation = c.codeActivation ?? A.codeActivation;
  const outputActivation = c.outputActivation ?? A.outputActivation;
  const has = (name: 'sparsity' | 'contractive' | 'variational' | 'convolutional') => c[name] !== undefined && c[name] !== null;
  if (c.loss === 'bce' && outputActivation !== 'sigmoid') {
    return {
      option: 'loss',
      message: `loss=bce needs outputActivation=sigmoid (outputs must be probabilities), received outputActivation=${outputActivation}; set outputActivation: sigmoid or use loss: mse`,
    };
  }
  if (c.sparsity?.type === 'kl' && codeActivation !== 'sigmoid') {
    return {
      option: 'sparsity',
      message: `kl sparsity compares mean code activations with the target ${c.sparsity.target ?? D.klTarget} and needs code values in (0, 1), received codeActivation=${codeActivation}; set codeActivation: sigmoid or use sparsity type l1`,
    };
  }
  if (has('variational')) {
    if (codeActivation !== 'linear') {
      return {
        option: 'codeActivation',
        message: `a variational code is a Gaussian sample (μ + σ·ε, unbounded), received codeActivation=${codeActivation}; remove codeActivation or set it to linear`,
      };
    }
    if (has('sparsity')) return { option: 'sparsity', message: 'sparsity cannot be combined with variational (the KL term to N(0, I) already regularises the code); remove one of them' };
    if (has('contractive')) return { option: 'contractive', message: 'contractive cannot be combined with variational; remove one of them' };
    if (has('convolutional')) return { option: 'variational', message: 'a convolutional variational autoencoder is not available; remove variational or convolutional' };
  }
  if (has('contractive') && has('convolutional')) {
    return {
      option: 'contractive',
      message: 'the contractive penalty is computed in closed form for dense encoders only, and convolutional is set; remove contractive or convolutional',
    };
  }
  const dense = (['convolutional', 'variational', 'contractive'] as const).find(has);
  if (c.batchNorm === true && dense !== undefined) {
    return { option: 'batchNorm', message: `batchNorm is available for dense networks only, and ${dense} is set; remove batchNorm or ${dense}` };
  }
  return undefined;
}
