import { ModelConfigError } from '../../errors.js';
import { SCORE_BYS, type ScoreBy } from './score-by.js';
import type { NeighborConfig } from './neighbor-stats.js';
import type { TrainingBudgetConfig } from './training-budget.js';

/** Activation of a hidden layer or of the code layer. */
export type Activation = 'relu' | 'tanh' | 'sigmoid' | 'elu' | 'selu' | 'linear';
/** Activation of the reconstruction layer: `sigmoid` for data in [0, 1] (e.g. after min-max scaling). */
export type OutputActivation = 'linear' | 'sigmoid';
/** Reconstruction loss minimised in training: mean squared error, or binary cross-entropy for [0, 1] data. */
export type LossName = 'mse' | 'bce';

/** Accepted values of `activation` and `codeActivation`. */
export const ACTIVATIONS: readonly Activation[] = ['relu', 'tanh', 'sigmoid', 'elu', 'selu', 'linear'];
/** Accepted values of `outputActivation`. */
export const OUTPUT_ACTIVATIONS: readonly OutputActivation[] = ['linear', 'sigmoid'];
/** Accepted values of `loss`. */
export const LOSSES: readonly LossName[] = ['mse', 'bce'];

/**
 * Sparse code by an L1 activity penalty: `weight · Σ_j |code_j|` per row, averaged over the batch, added to
 * the per-element mean reconstruction loss. The same scale as tf.keras `activity_regularizer=l1(weight)` on
 * the code layer (Keras' tutorial values are 1e-5 to 1e-4).
 */
export interface L1SparsityConfig {
  type: 'l1';
  /** Penalty weight λ; >= 0. Default 1e-4. */
  weight?: number;
}

/**
 * Sparse code by a KL penalty on each code unit's mean activation over the batch, ρ̂_j:
 * `weight · Σ_j KL(ρ ‖ ρ̂_j)` with KL(ρ‖q) = ρ log(ρ/q) + (1−ρ) log((1−ρ)/(1−q)). Needs code values in (0, 1),
 * so `codeActivation: sigmoid`.
 */
export interface KlSparsityConfig {
  type: 'kl';
  /** Target mean activation ρ of every code unit; in (0, 1). Default 0.05. */
  target?: number;
  /** Penalty weight β; >= 0. Default 0.1. */
  weight?: number;
}

/** A sparsity penalty on the code layer. */
export type SparsityConfig = L1SparsityConfig | KlSparsityConfig;

/** Denoising by additive Gaussian noise: the network sees `x + sigma · N(0, 1)` and rebuilds `x`. */
export interface GaussianNoiseConfig {
  type: 'gaussian';
  /** Noise standard deviation, in scaled feature units; > 0. Default 0.1. */
  sigma?: number;
  /** Clip the corrupted input to `[min, max]` (e.g. `[0, 1]` for pixels); min < max. Default: no clipping. */
  clip?: [number, number] | null;
}

/** Denoising by masking noise: each input value is set to 0 with probability `dropProbability` (no rescaling). */
export interface MaskNoiseConfig {
  type: 'mask';
  /** Probability that a value is zeroed; in (0, 1). Default 0.25. */
  dropProbability?: number;
}

/**
 * Denoising autoencoder: in training only, the network sees a corrupted copy of each batch (fresh noise per
 * step, drawn from the model seed) and the loss compares its output with the clean rows. Scoring, encoding
 * and reconstructing never add noise.
 */
export type DenoisingConfig = GaussianNoiseConfig | MaskNoiseConfig;

/**
 * Contractive autoencoder: adds `weight · ‖∂code/∂x‖²_F` per row (squared Frobenius norm of the encoder's
 * Jacobian), averaged over the batch. Computed exactly in closed form for the dense encoder, whatever its
 * depth and activations. Not available with `convolutional` or `variational`.
 */
export interface ContractiveConfig {
  /** Penalty weight λ; >= 0. Default 1e-3. */
  weight?: number;
}

/**
 * Variational autoencoder: the encoder gives a mean μ and a log-variance log σ² per code unit, training
 * decodes a reparameterised sample z = μ + σ·ε (ε ~ N(0, I), seeded per step) and adds
 * `beta · KL(N(μ, σ²) ‖ N(0, I))` per row divided by the input width (the reconstruction loss is a mean over
 * features, so the objective is the negative ELBO per feature). `encode` returns μ and scoring decodes μ, so
 * scores are deterministic. Needs `codeActivation: linear`.
 */
export interface VariationalConfig {
  /** Weight β of the KL term; >= 0 (1 is the plain VAE, > 1 a β-VAE). Default 1. */
  beta?: number;
  /**
   * What `score` returns: `reconstruction` (the mean squared error of the reconstruction from μ, like every
   * other model) or `elbo` (the per-row training objective at z = μ: (Σ_features loss + beta · KL) / d, which
   * is the negative ELBO per feature for loss bce and beta 1). Default `reconstruction`.
   */
  scoreBy?: 'reconstruction' | 'elbo';
}

/**
 * Convolutional autoencoder for image rows: each row of d = h·w·c values (row-major, channels last, as
 * 28×28×1 MNIST pixels are stored) is reshaped to an image. Encoder: per entry of `filters` a 'same'
 * Conv2D (`activation`) then max pooling by `poolSize`; flatten, optional dense `hiddenUnits`, dense code.
 * Decoder: dense back to the pooled feature map, then per level nearest-neighbour upsampling and a Conv2D
 * (filters in reverse), and a final Conv2D to c channels with `outputActivation`.
 */
export interface ConvolutionalConfig {
  /** Image shape `[height, width, channels]`; positive integers whose product is the input width. Required. */
  shape: [number, number, number];
  /** Filters of each encoder convolution, outermost first; positive integers, at least one. Default `[16, 8]`. */
  filters?: number[];
  /** Side of the square convolution kernels; odd integer >= 1. Default 3. */
  kernelSize?: number;
  /** Max-pooling (and upsampling) factor per level; integer >= 1; height and width must divide by poolSize^levels. Default 2. */
  poolSize?: number;
}

/**
 * Early stopping on the validation loss (the training loss when `validationSplit` is 0): an epoch improves
 * when the loss drops below best − max(minDelta, minRelativeDelta · best).
 */
export interface EarlyStoppingConfig {
  /** Epochs without improvement before training stops; integer >= 0. */
  patience?: number;
  /** Smallest absolute decrease of the monitored loss that counts as an improvement; >= 0. */
  minDelta?: number;
  /** Smallest decrease, as a fraction of the best loss so far, that counts as an improvement; in [0, 1). */
  minRelativeDelta?: number;
}

/**
 * Options of the dense autoencoder; everything is optional. Network shape:
 * input -> hiddenUnits... -> codeSize -> decoderUnits... -> input.
 * Shape defaults depend on the input width d and are always undercomplete (code narrower than the input).
 */
export interface AutoencoderConfig {
  /**
   * Widths of the encoder's hidden layers, outermost first; several make a deep (stacked) encoder, `[]` none.
   * Positive integers. Default `[clamp(4 * codeSize, 8, 128)]`.
   */
  hiddenUnits?: number[];
  /** Width of the code (bottleneck); integer from 1 to d - 1. Default `min(d - 1, clamp(ceil(d / 3), 1, 32))`. */
  codeSize?: number;
  /** Widths of the decoder's hidden layers, innermost first. Default: `hiddenUnits` reversed (a mirror). */
  decoderUnits?: number[];
  /** Activation of every hidden layer. Default `relu`. */
  activation?: Activation;
  /** Activation of the code layer. Default `linear`. */
  codeActivation?: Activation;
  /** Activation of the output layer. Default `linear`; `sigmoid` is required by `loss: bce`. */
  outputActivation?: OutputActivation;
  /** Training loss. Default `mse`; `bce` needs `outputActivation: sigmoid` and inputs in [0, 1]. */
  loss?: LossName;
  /** Adam step size; > 0. Default 1e-3. */
  learningRate?: number;
  /**
   * Passes over the training rows; integer >= 1. Default null: train until the stopping rule ends the fit,
   * inside `budget` (see training-budget.ts).
   */
  epochs?: number | null;
  /** Step and time limits of a fit (`{ steps, seconds }`); each null derives from the data. */
  budget?: TrainingBudgetConfig | null;
  /**
   * Robust training: the fraction of each batch's rows with the highest reconstruction loss that is left out
   * of the loss (a trimmed mean), so anomalies in the training data are not learned; in [0, 0.5). Default 0.
   */
  trim?: number;
  /** Rows per gradient step; integer >= 1. Default 256. */
  batchSize?: number;
  /** Fraction of rows held out (chosen by the seed) to monitor the loss; in [0, 1). Default 0.1. */
  validationSplit?: number;
  /**
   * Stop when the monitored loss stops improving, then restore the best epoch's weights. Default
   * `{ patience: 5, minDelta: 0 }`; `true` means the default, `false` trains all `epochs`.
   */
  earlyStopping?: EarlyStoppingConfig | boolean;
  /** Dropout rate after each hidden layer in training (seeded masks); in [0, 1). Default 0. */
  dropout?: number;
  /**
   * Batch normalisation between each hidden (and the code) layer's Dense and its activation, as PyOD's
   * AutoEncoder does: batch statistics in training, moving averages (momentum 0.9, epsilon 1e-5, PyTorch's
   * values) when scoring, encoding and validating. Dense networks only (not with `convolutional`,
   * `variational` or `contractive`). Default false.
   */
  batchNorm?: boolean;
  /**
   * L2 weight decay on every trainable weight: each gradient gains `weightDecay · w` before the Adam step
   * (PyTorch Adam's coupled `weight_decay`, not decoupled AdamW), as if `weightDecay / 2 · Σ w²` were added
   * to the training loss (it is not added to the reported or validation loss). >= 0. Default 0.
   */
  weightDecay?: number;
  /**
   * What `score` returns (see `ScoreBy`): `reconstruction` (mean squared reconstruction error), `standardized` (each
   * feature's error divided by its training RMS error) or `standardized-code` (that plus the code's
   * Mahalanobis distance from the training codes); see `ScoreBy`. A variational model with
   * `variational.scoreBy: elbo` scores by the ELBO whatever this says. Or `mahalanobis` (the squared
   * reconstruction error plus the floored Mahalanobis distance of the reconstruction along the learned
   * manifold) or `balanced` (standardized residual and that distance, weighted 2/3 and 1/3). Default
   * `balanced` (bench/results/peers-defaults.md); files saved without `scoreBy` load as `reconstruction`.
   */
  scoreBy?: ScoreBy;
  /**
   * Latent density (see code-neighbors.ts): blend the score with the distance from the row's code to its
   * k-th nearest training code (`{ k, weight }`, weight = the distance's share in (0, 1)). Default
   * `{ k: 5, weight: 0.5 }` with the default score; null (`scoreBy` alone) when `scoreBy` or
   * `variational.scoreBy: elbo` is given. Files saved without it load as null.
   */
  neighbors?: Partial<NeighborConfig> | null;
  /** Seeds weights, shuffling, the validation split, dropout, denoising noise and VAE samples; integer in [0, 2^32). Default 42. */
  seed?: number;
  /** Sparse code penalty (`{ type: l1, weight }` or `{ type: kl, target, weight }`). Default none. */
  sparsity?: SparsityConfig | null;
  /** Train on corrupted inputs (`{ type: gaussian, sigma }` or `{ type: mask, dropProbability }`). Default none. */
  denoising?: DenoisingConfig | null;
  /** Contractive penalty on the encoder's Jacobian (`{ weight }`). Default none. */
  contractive?: ContractiveConfig | null;
  /** Variational autoencoder (`{ beta, scoreBy }`). Default none (a deterministic code). */
  variational?: VariationalConfig | null;
  /** Convolutional encoder/decoder for image rows (`{ shape, filters, kernelSize, poolSize }`). Default none (dense). */
  convolutional?: ConvolutionalConfig | null;
}

/** `sparsity` with every field filled in. */
export type ResolvedSparsity = Required<L1SparsityConfig> | Required<KlSparsityConfig>;
/** `denoising` with every field filled in (`clip` null when off). */
export type ResolvedDenoising =
  | { type: 'gaussian'; sigma: number; clip: [number, number] | null }
  | Required<MaskNoiseConfig>;

/** Every option filled in for a given input width; saved with the model as `params`. */
export interface ResolvedAutoencoderConfig {
  hiddenUnits: number[];
  codeSize: number;
  decoderUnits: number[];
  activation: Activation;
  codeActivation: Activation;
  outputActivation: OutputActivation;
  loss: LossName;
  learningRate: number;
  epochs: number | null;
  budget: { steps: number | null; seconds: number | null };
  trim: number;
  batchSize: number;
  validationSplit: number;
  earlyStopping: Required<EarlyStoppingConfig> | false;
  dropout: number;
  batchNorm: boolean;
  weightDecay: number;
  scoreBy: ScoreBy;
  neighbors: NeighborConfig | null;
  seed: number;
  sparsity: ResolvedSparsity | null;
  denoising: ResolvedDenoising | null;
  contractive: Required<ContractiveConfig> | null;
  variational: Required<VariationalConfig> | null;
  convolutional: Required<ConvolutionalConfig> | null;
}

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

/**
 * Scaling the detector puts in front of an autoencoder when none is asked for: median / IQR per column,
 * which keeps the training anomalies from setting the scale (bench/results/peers-defaults.md).
 */
export const AUTOENCODER_SCALER = 'robust' as const;

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
} as const satisfies Omit<ResolvedAutoencoderConfig, 'hiddenUnits' | 'codeSize' | 'decoderUnits'>;

const OPTION_NAMES: readonly (keyof AutoencoderConfig)[] = [
  'hiddenUnits',
  'codeSize',
  'decoderUnits',
  'activation',
  'codeActivation',
  'outputActivation',
  'loss',
  'learningRate',
  'epochs',
  'budget',
  'trim',
  'batchSize',
  'validationSplit',
  'earlyStopping',
  'dropout',
  'batchNorm',
  'weightDecay',
  'scoreBy',
  'neighbors',
  'seed',
  'sparsity',
  'denoising',
  'contractive',
  'variational',
  'convolutional',
];

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

/**
 * Widest input the default score measures along the learned manifold. `balanced` keeps a d x d whitening
 * matrix of the training reconstructions: for 784 pixels that is 614,656 numbers in the model file (13 MB
 * of JSON), an eigendecomposition that adds about 30 s to every fit and a d x d product per scored row.
 * Wider inputs (images) default to `standardized`, the per-feature half of `balanced`, which costs O(d).
 */
export const MANIFOLD_SCORE_MAX_FEATURES = 256;

/** `scoreBy` when none is given: `balanced`, or `standardized` above {@link MANIFOLD_SCORE_MAX_FEATURES} columns. */
export function defaultScoreBy(inputDim: number): ScoreBy {
  return inputDim > MANIFOLD_SCORE_MAX_FEATURES ? 'standardized' : AUTOENCODER_DEFAULTS.scoreBy;
}

/** Default code width for `inputDim` columns: about a third of the input, at most 32, always below the input. */
export function defaultCodeSize(inputDim: number): number {
  return Math.min(inputDim - 1, clamp(Math.ceil(inputDim / 3), 1, 32));
}

/** Default encoder: one hidden layer four times the code width, between 8 and 128 units. */
export function defaultHiddenUnits(codeSize: number): number[] {
  return [clamp(4 * codeSize, 8, 128)];
}

/**
 * Validates `config` for an input of `inputDim` columns and fills in the defaults.
 * Throws `ModelConfigError` naming the first bad option, with the received value and the accepted range.
 */
export function resolveAutoencoderConfig(inputDim: number, config: AutoencoderConfig = {}): ResolvedAutoencoderConfig {
  if (!Number.isInteger(inputDim) || inputDim < 2) {
    throw new ModelConfigError(
      'inputDim',
      `autoencoder: needs at least 2 numeric input columns, received ${String(inputDim)}; select more features`,
    );
  }
  if (config === null || typeof config !== 'object') {
    throw new ModelConfigError('config', `autoencoder: expected an options object, received ${String(config)}`);
  }
  for (const key of Object.keys(config)) {
    if (!OPTION_NAMES.includes(key as keyof AutoencoderConfig)) {
      throw new ModelConfigError(key, `autoencoder: unknown option; expected one of ${OPTION_NAMES.join(', ')}`);
    }
  }

  const codeSize = config.codeSize ?? defaultCodeSize(inputDim);
  requireInteger('codeSize', codeSize, 1);
  if (codeSize >= inputDim) {
    throw new ModelConfigError(
      'codeSize',
      `autoencoder: codeSize=${codeSize} must be below the ${inputDim} input columns (an overcomplete code can learn the identity and flags nothing); use at most ${inputDim - 1}`,
    );
  }
  // A convolutional encoder's conv layers are its hidden layers; dense ones between them and the code are opt-in.
  const isConvolutional = config.convolutional !== undefined && config.convolutional !== null;
  const hiddenUnits = config.hiddenUnits ?? (isConvolutional ? [] : defaultHiddenUnits(codeSize));
  requireUnits('hiddenUnits', hiddenUnits);
  const decoderUnits = config.decoderUnits ?? [...hiddenUnits].reverse();
  requireUnits('decoderUnits', decoderUnits);

  const activation = config.activation ?? AUTOENCODER_DEFAULTS.activation;
  requireOneOf('activation', activation, ACTIVATIONS);
  const codeActivation = config.codeActivation ?? AUTOENCODER_DEFAULTS.codeActivation;
  requireOneOf('codeActivation', codeActivation, ACTIVATIONS);
  const outputActivation = config.outputActivation ?? AUTOENCODER_DEFAULTS.outputActivation;
  requireOneOf('outputActivation', outputActivation, OUTPUT_ACTIVATIONS);
  const loss = config.loss ?? AUTOENCODER_DEFAULTS.loss;
  requireOneOf('loss', loss, LOSSES);
  if (loss === 'bce' && outputActivation !== 'sigmoid') {
    throw new ModelConfigError(
      'loss',
      `autoencoder: loss=bce needs outputActivation=sigmoid (outputs must be probabilities), received outputActivation=${outputActivation}; set outputActivation: sigmoid or use loss: mse`,
    );
  }

  const learningRate = config.learningRate ?? AUTOENCODER_DEFAULTS.learningRate;
  if (typeof learningRate !== 'number' || !Number.isFinite(learningRate) || learningRate <= 0) {
    throw new ModelConfigError('learningRate', `autoencoder: expected a number > 0, received ${String(learningRate)}`);
  }
  const epochs = config.epochs ?? AUTOENCODER_DEFAULTS.epochs;
  if (epochs !== null) requireInteger('epochs', epochs, 1);
  const budget = resolveBudget(config.budget);
  const trim = config.trim ?? AUTOENCODER_DEFAULTS.trim;
  if (typeof trim !== 'number' || !Number.isFinite(trim) || trim < 0 || trim >= 0.5) {
    throw new ModelConfigError('trim', `autoencoder: expected a fraction of rows in [0, 0.5), received ${String(trim)}`);
  }
  const batchSize = config.batchSize ?? AUTOENCODER_DEFAULTS.batchSize;
  requireInteger('batchSize', batchSize, 1);
  const validationSplit = config.validationSplit ?? AUTOENCODER_DEFAULTS.validationSplit;
  requireFraction('validationSplit', validationSplit);
  const dropout = config.dropout ?? AUTOENCODER_DEFAULTS.dropout;
  requireFraction('dropout', dropout);
  const batchNorm = config.batchNorm ?? AUTOENCODER_DEFAULTS.batchNorm;
  if (typeof batchNorm !== 'boolean') {
    throw new ModelConfigError('batchNorm', `autoencoder: expected true or false, received ${String(batchNorm)}`);
  }
  const weightDecay = config.weightDecay ?? AUTOENCODER_DEFAULTS.weightDecay;
  if (typeof weightDecay !== 'number' || !Number.isFinite(weightDecay) || weightDecay < 0) {
    throw new ModelConfigError('weightDecay', `autoencoder: expected a number >= 0, received ${String(weightDecay)}`);
  }
  const scoreBy = config.scoreBy ?? defaultScoreBy(inputDim);
  requireOneOf('scoreBy', scoreBy, SCORE_BYS);
  const seed = config.seed ?? AUTOENCODER_DEFAULTS.seed;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new ModelConfigError('seed', `autoencoder: expected an integer in [0, 4294967295], received ${String(seed)}`);
  }

  const variants = resolveVariants(config, codeActivation);
  if (batchNorm) {
    const other = (['convolutional', 'variational', 'contractive'] as const).find((name) => variants[name] !== null);
    if (other !== undefined) {
      throw new ModelConfigError(
        'batchNorm',
        `autoencoder: batchNorm is available for dense networks only, and ${other} is set; remove batchNorm or ${other}`,
      );
    }
  }
  if (variants.convolutional !== null) {
    const [h, w, c] = variants.convolutional.shape;
    if (h * w * c !== inputDim) {
      throw new ModelConfigError(
        'convolutional.shape',
        `autoencoder: shape [${h}, ${w}, ${c}] holds ${h * w * c} values but the input has ${inputDim} feature columns; the product height·width·channels must equal the feature count`,
      );
    }
  }

  return {
    hiddenUnits: [...hiddenUnits],
    codeSize,
    decoderUnits: [...decoderUnits],
    activation,
    codeActivation,
    outputActivation,
    loss,
    learningRate,
    epochs,
    budget,
    trim,
    batchSize,
    validationSplit,
    earlyStopping: resolveEarlyStopping(config.earlyStopping),
    dropout,
    batchNorm,
    weightDecay,
    scoreBy,
    neighbors: resolveNeighbors(config),
    seed,
    ...variants,
  };
}

type ResolvedVariants = Pick<ResolvedAutoencoderConfig, 'sparsity' | 'denoising' | 'contractive' | 'variational' | 'convolutional'>;

/**
 * Validates the variant options (`sparsity`, `denoising`, `contractive`, `variational`, `convolutional`) and
 * their combinations, which do not depend on the input width, so a pipeline file can be checked before any
 * data is read. Throws `ModelConfigError` naming the option; the shape-versus-feature-count check of
 * `convolutional` needs the data and happens in {@link resolveAutoencoderConfig}.
 */
export function checkVariantOptions(config: AutoencoderConfig): void {
  if (config === null || typeof config !== 'object') return;
  const codeActivation = config.codeActivation ?? AUTOENCODER_DEFAULTS.codeActivation;
  resolveVariants(config, codeActivation);
}

function resolveVariants(config: AutoencoderConfig, codeActivation: Activation): ResolvedVariants {
  const sparsity = resolveSparsity(config.sparsity, codeActivation);
  const denoising = resolveDenoising(config.denoising);
  const contractive = resolveContractive(config.contractive);
  const variational = resolveVariational(config.variational);
  const convolutional = resolveConvolutional(config.convolutional);
  if (variational !== null) {
    if (codeActivation !== 'linear') {
      throw new ModelConfigError(
        'codeActivation',
        `autoencoder: a variational code is a Gaussian sample (μ + σ·ε, unbounded), received codeActivation=${codeActivation}; remove codeActivation or set it to linear`,
      );
    }
    if (sparsity !== null) {
      throw new ModelConfigError('sparsity', 'autoencoder: sparsity cannot be combined with variational (the KL term to N(0, I) already regularises the code); remove one of them');
    }
    if (contractive !== null) {
      throw new ModelConfigError('contractive', 'autoencoder: contractive cannot be combined with variational; remove one of them');
    }
    if (convolutional !== null) {
      throw new ModelConfigError('variational', 'autoencoder: a convolutional variational autoencoder is not available; remove variational or convolutional');
    }
  }
  if (contractive !== null && convolutional !== null) {
    throw new ModelConfigError(
      'contractive',
      'autoencoder: the contractive penalty is computed in closed form for dense encoders only, and convolutional is set; remove contractive or convolutional',
    );
  }
  return { sparsity, denoising, contractive, variational, convolutional };
}

function resolveSparsity(value: AutoencoderConfig['sparsity'], codeActivation: Activation): ResolvedSparsity | null {
  if (value === undefined || value === null) return null;
  requireObject('sparsity', value, '{ type: l1, weight } or { type: kl, target, weight }');
  if (value.type === 'l1') {
    requireKeys('sparsity', value, ['type', 'weight']);
    const weight = value.weight ?? VARIANT_DEFAULTS.l1Weight;
    requireNonNegative('sparsity.weight', weight);
    return { type: 'l1', weight };
  }
  if (value.type === 'kl') {
    requireKeys('sparsity', value, ['type', 'target', 'weight']);
    const target = value.target ?? VARIANT_DEFAULTS.klTarget;
    if (typeof target !== 'number' || !Number.isFinite(target) || target <= 0 || target >= 1) {
      throw new ModelConfigError('sparsity.target', `autoencoder: expected a mean activation in (0, 1), e.g. 0.05, received ${String(target)}`);
    }
    const weight = value.weight ?? VARIANT_DEFAULTS.klWeight;
    requireNonNegative('sparsity.weight', weight);
    if (codeActivation !== 'sigmoid') {
      throw new ModelConfigError(
        'sparsity',
        `autoencoder: kl sparsity compares mean code activations with the target ${target} and needs code values in (0, 1), received codeActivation=${codeActivation}; set codeActivation: sigmoid or use sparsity type l1`,
      );
    }
    return { type: 'kl', target, weight };
  }
  throw new ModelConfigError('sparsity.type', `autoencoder: expected "l1" or "kl", received "${String((value as { type?: unknown }).type)}"`);
}

function resolveDenoising(value: AutoencoderConfig['denoising']): ResolvedDenoising | null {
  if (value === undefined || value === null) return null;
  requireObject('denoising', value, '{ type: gaussian, sigma } or { type: mask, dropProbability }');
  if (value.type === 'gaussian') {
    requireKeys('denoising', value, ['type', 'sigma', 'clip']);
    const sigma = value.sigma ?? VARIANT_DEFAULTS.gaussianSigma;
    if (typeof sigma !== 'number' || !Number.isFinite(sigma) || sigma <= 0) {
      throw new ModelConfigError('denoising.sigma', `autoencoder: expected a noise standard deviation > 0, received ${String(sigma)}`);
    }
    const clip = value.clip ?? null;
    if (
      clip !== null &&
      (!Array.isArray(clip) || clip.length !== 2 || !clip.every((v) => typeof v === 'number' && Number.isFinite(v)) || clip[0] >= clip[1])
    ) {
      throw new ModelConfigError('denoising.clip', `autoencoder: expected [min, max] with min < max, received ${JSON.stringify(clip)}`);
    }
    return { type: 'gaussian', sigma, clip: clip === null ? null : [clip[0], clip[1]] };
  }
  if (value.type === 'mask') {
    requireKeys('denoising', value, ['type', 'dropProbability']);
    const dropProbability = value.dropProbability ?? VARIANT_DEFAULTS.maskDropProbability;
    if (typeof dropProbability !== 'number' || !Number.isFinite(dropProbability) || dropProbability <= 0 || dropProbability >= 1) {
      throw new ModelConfigError('denoising.dropProbability', `autoencoder: expected a probability in (0, 1), received ${String(dropProbability)}`);
    }
    return { type: 'mask', dropProbability };
  }
  throw new ModelConfigError('denoising.type', `autoencoder: expected "gaussian" or "mask", received "${String((value as { type?: unknown }).type)}"`);
}

function resolveContractive(value: AutoencoderConfig['contractive']): Required<ContractiveConfig> | null {
  if (value === undefined || value === null) return null;
  requireObject('contractive', value, '{ weight }');
  requireKeys('contractive', value, ['weight']);
  const weight = value.weight ?? VARIANT_DEFAULTS.contractiveWeight;
  requireNonNegative('contractive.weight', weight);
  return { weight };
}

function resolveVariational(value: AutoencoderConfig['variational']): Required<VariationalConfig> | null {
  if (value === undefined || value === null) return null;
  requireObject('variational', value, '{ beta, scoreBy }');
  requireKeys('variational', value, ['beta', 'scoreBy']);
  const beta = value.beta ?? VARIANT_DEFAULTS.beta;
  requireNonNegative('variational.beta', beta);
  const scoreBy = value.scoreBy ?? VARIANT_DEFAULTS.scoreBy;
  requireOneOf('variational.scoreBy', scoreBy, ['reconstruction', 'elbo'] as const);
  return { beta, scoreBy };
}

function resolveConvolutional(value: AutoencoderConfig['convolutional']): Required<ConvolutionalConfig> | null {
  if (value === undefined || value === null) return null;
  requireObject('convolutional', value, '{ shape: [height, width, channels], filters, kernelSize, poolSize }');
  requireKeys('convolutional', value, ['shape', 'filters', 'kernelSize', 'poolSize']);
  const shape = value.shape;
  if (!Array.isArray(shape) || shape.length !== 3 || !shape.every((v) => typeof v === 'number' && Number.isInteger(v) && v >= 1)) {
    throw new ModelConfigError(
      'convolutional.shape',
      `autoencoder: expected [height, width, channels] of positive integers (e.g. [28, 28, 1]), received ${JSON.stringify(shape)}`,
    );
  }
  const filters = value.filters ?? [...VARIANT_DEFAULTS.filters];
  requireUnits('convolutional.filters', filters);
  if (filters.length === 0) throw new ModelConfigError('convolutional.filters', 'autoencoder: expected at least one convolution, received []');
  const kernelSize = value.kernelSize ?? VARIANT_DEFAULTS.kernelSize;
  requireInteger('convolutional.kernelSize', kernelSize, 1);
  if (kernelSize % 2 === 0) {
    throw new ModelConfigError('convolutional.kernelSize', `autoencoder: expected an odd kernel side ('same' padding is symmetric), received ${kernelSize}`);
  }
  const poolSize = value.poolSize ?? VARIANT_DEFAULTS.poolSize;
  requireInteger('convolutional.poolSize', poolSize, 1);
  const factor = poolSize ** filters.length;
  if (shape[0] % factor !== 0 || shape[1] % factor !== 0) {
    throw new ModelConfigError(
      'convolutional.filters',
      `autoencoder: ${filters.length} pooling levels of ${poolSize} need height and width divisible by ${factor}, received ${shape[0]}x${shape[1]}; use fewer filters entries or a smaller poolSize`,
    );
  }
  return { shape: [shape[0], shape[1], shape[2]], filters: [...filters], kernelSize, poolSize };
}

function requireObject(option: string, value: unknown, expected: string): void {
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ModelConfigError(option, `autoencoder: expected ${expected}, received ${JSON.stringify(value)}`);
  }
}

function requireKeys(option: string, value: object, allowed: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      throw new ModelConfigError(`${option}.${key}`, `autoencoder: unknown option; expected one of ${allowed.join(', ')}`);
    }
  }
}

function requireNonNegative(option: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ModelConfigError(option, `autoencoder: expected a penalty weight >= 0, received ${String(value)}`);
  }
}

function resolveEarlyStopping(value: AutoencoderConfig['earlyStopping']): ResolvedAutoencoderConfig['earlyStopping'] {
  if (value === false) return false;
  if (value === undefined || value === true) return { ...AUTOENCODER_DEFAULTS.earlyStopping };
  if (value === null || typeof value !== 'object') {
    throw new ModelConfigError('earlyStopping', `autoencoder: expected false or { patience, minDelta, minRelativeDelta }, received ${String(value)}`);
  }
  requireKeys('earlyStopping', value, ['patience', 'minDelta', 'minRelativeDelta']);
  const patience = value.patience ?? AUTOENCODER_DEFAULTS.earlyStopping.patience;
  requireInteger('earlyStopping.patience', patience, 0);
  const minDelta = value.minDelta ?? AUTOENCODER_DEFAULTS.earlyStopping.minDelta;
  if (typeof minDelta !== 'number' || !Number.isFinite(minDelta) || minDelta < 0) {
    throw new ModelConfigError('earlyStopping.minDelta', `autoencoder: expected a number >= 0, received ${String(minDelta)}`);
  }
  const minRelativeDelta = value.minRelativeDelta ?? AUTOENCODER_DEFAULTS.earlyStopping.minRelativeDelta;
  requireFraction('earlyStopping.minRelativeDelta', minRelativeDelta);
  return { patience, minDelta, minRelativeDelta };
}

/**
 * `neighbors` filled in. Left out, it follows the scoring: on with the default score, off when `scoreBy` (or
 * `variational.scoreBy: elbo`) is chosen explicitly, so a score asked for by name is exactly that score.
 */
function resolveNeighbors(config: AutoencoderConfig): NeighborConfig | null {
  const value = config.neighbors;
  if (value === null) return null;
  if (value === undefined) {
    const isScoreChosen = config.scoreBy !== undefined || (config.variational?.scoreBy ?? VARIANT_DEFAULTS.scoreBy) !== VARIANT_DEFAULTS.scoreBy;
    return isScoreChosen ? null : { ...AUTOENCODER_DEFAULTS.neighbors };
  }
  requireObject('neighbors', value, '{ k, weight } or null');
  requireKeys('neighbors', value, ['k', 'weight']);
  const k = value.k ?? AUTOENCODER_DEFAULTS.neighbors.k;
  requireInteger('neighbors.k', k, 1);
  const weight = value.weight ?? AUTOENCODER_DEFAULTS.neighbors.weight;
  if (typeof weight !== 'number' || !Number.isFinite(weight) || weight <= 0 || weight >= 1) {
    throw new ModelConfigError('neighbors.weight', `autoencoder: expected the distance's share of the score in (0, 1), received ${String(weight)}`);
  }
  return { k, weight };
}

function resolveBudget(value: AutoencoderConfig['budget']): ResolvedAutoencoderConfig['budget'] {
  if (value === undefined || value === null) return { ...AUTOENCODER_DEFAULTS.budget };
  requireObject('budget', value, '{ steps, seconds }');
  requireKeys('budget', value, ['steps', 'seconds']);
  const steps = value.steps ?? null;
  if (steps !== null) requireInteger('budget.steps', steps, 1);
  const seconds = value.seconds ?? null;
  if (seconds !== null && (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0)) {
    throw new ModelConfigError('budget.seconds', `autoencoder: expected a number of seconds > 0, received ${String(seconds)}`);
  }
  return { steps, seconds };
}

function requireInteger(option: string, value: unknown, min: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new ModelConfigError(option, `autoencoder: expected an integer >= ${min}, received ${String(value)}`);
  }
}

function requireFraction(option: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value >= 1) {
    throw new ModelConfigError(option, `autoencoder: expected a number in [0, 1), received ${String(value)}`);
  }
}

function requireUnits(option: string, value: unknown): void {
  if (!Array.isArray(value)) {
    throw new ModelConfigError(option, `autoencoder: expected an array of layer widths, received ${String(value)}`);
  }
  value.forEach((units, i) => {
    if (typeof units !== 'number' || !Number.isInteger(units) || units < 1) {
      throw new ModelConfigError(`${option}[${i}]`, `autoencoder: expected a layer width (integer >= 1), received ${String(units)}`);
    }
  });
}

function requireOneOf<T extends string>(option: string, value: unknown, allowed: readonly T[]): void {
  if (!allowed.includes(value as T)) {
    throw new ModelConfigError(option, `autoencoder: expected one of ${allowed.join(', ')}, received "${String(value)}"`);
  }
}
