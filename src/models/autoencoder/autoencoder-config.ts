import { ModelConfigError } from '../../errors.js';
import { type Filled, parseOptions, type Resolved } from '../option-schema.js';
import {
  AUTOENCODER_DEFAULTS,
  type AutoencoderConfig,
  autoencoderOptions,
  MANIFOLD_SCORE_MAX_FEATURES,
  VARIANT_DEFAULTS,
} from './autoencoder-options.js';
import type { FeatureBlock } from '../feature-encoding.js';
import type { ScoreBy } from './score-by.js';

type Options = ReturnType<typeof autoencoderOptions.parse>;

/** `sparsity` with every field filled in. */
export type ResolvedSparsity = Filled<NonNullable<Options['sparsity']>>;
/** `denoising` with every field filled in (`clip` null when off). */
export type ResolvedDenoising = Filled<NonNullable<Options['denoising']>>;

/**
 * Every option of one network filled in for a given input width; saved with the model as `params` (meanings:
 * autoencoder-options.ts), derived from the option schema so a new option appears here by itself.
 * `ensemble` is not among them: it says how many networks to build (autoencoder-ensemble.ts), and leaving
 * it out keeps a single model's file what older versions read. `budget` is always an object here (its null
 * means "no limits given"), `earlyStopping` is off (false) or filled in.
 */
export type ResolvedAutoencoderConfig = Resolved<Omit<Options, 'ensemble' | 'budget' | 'earlyStopping'>> & {
  budget: Filled<NonNullable<Options['budget']>>;
  earlyStopping: Filled<Exclude<Options['earlyStopping'], boolean | undefined>> | false;
  /**
   * The column blocks of a mixed-type input (models/feature-encoding.ts): each block gets its own loss
   * (squared error, sigmoid or softmax cross-entropy) and every original column weighs the same. Not a user
   * option: the fit passes the blocks of its encoding. Absent or null (every model saved before it): one
   * loss over all columns, as before.
   */
  blocks?: FeatureBlock[] | null;
};

/**
 * Scaling the detector puts in front of an autoencoder when none is asked for: median / IQR per column,
 * which keeps the training anomalies from setting the scale (bench/results/peers-defaults.md).
 */
export const AUTOENCODER_SCALER = 'robust' as const;

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

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
 * Validates `config` (by `autoencoderOptions`) for an input of `inputDim` columns and fills in the defaults.
 * Throws `ModelConfigError` naming the first bad option, with the received value and the accepted range.
 */
export function resolveAutoencoderConfig(inputDim: number, config: AutoencoderConfig = {}, blocks: FeatureBlock[] | null = null): ResolvedAutoencoderConfig {
  if (!Number.isInteger(inputDim) || inputDim < 2) {
    throw new ModelConfigError(
      'inputDim',
      `autoencoder: needs at least 2 numeric input columns, received ${String(inputDim)}; select more features`,
    );
  }
  const c = parseOptions(autoencoderOptions, config);
  const A = AUTOENCODER_DEFAULTS;
  const codeSize = c.codeSize ?? defaultCodeSize(inputDim);
  if (codeSize >= inputDim) {
    throw new ModelConfigError(
      'codeSize',
      `autoencoder: codeSize=${codeSize} must be below the ${inputDim} input columns (an overcomplete code can learn the identity and flags nothing); use at most ${inputDim - 1}`,
    );
  }
  if (blocks !== null) checkBlockOptions(c, blocks, inputDim);
  const convolutional = resolveConvolutional(c.convolutional, inputDim);
  // A convolutional encoder's conv layers are its hidden layers; dense ones between them and the code are opt-in.
  const hiddenUnits = c.hiddenUnits ?? (convolutional !== null ? [] : defaultHiddenUnits(codeSize));
  return {
    hiddenUnits: [...hiddenUnits],
    codeSize,
    decoderUnits: [...(c.decoderUnits ?? [...hiddenUnits].reverse())],
    activation: c.activation ?? A.activation,
    codeActivation: c.codeActivation ?? A.codeActivation,
    outputActivation: c.outputActivation ?? A.outputActivation,
    loss: c.loss ?? A.loss,
    learningRate: c.learningRate ?? A.learningRate,
    epochs: c.epochs ?? A.epochs,
    budget: { steps: c.budget?.steps ?? null, seconds: c.budget?.seconds ?? null },
    trim: c.trim ?? A.trim,
    batchSize: c.batchSize ?? A.batchSize,
    validationSplit: c.validationSplit ?? A.validationSplit,
    earlyStopping: resolveEarlyStopping(c.earlyStopping),
    dropout: c.dropout ?? A.dropout,
    batchNorm: c.batchNorm ?? A.batchNorm,
    weightDecay: c.weightDecay ?? A.weightDecay,
    // Mixed-type blocks score by their own losses by default, with no latent-density part: standardizing
    // each column and the code neighbours, as numeric models do, moved the mixed-type check by +0.005
    // ROC-AUC and -0.026 AP for 10x the scoring time (BENCHMARKS.md, mixed-type sets), so they are options.
    scoreBy: c.scoreBy ?? (blocks !== null ? 'reconstruction' : defaultScoreBy(inputDim)),
    neighbors: blocks !== null && c.neighbors === undefined ? null : resolveNeighbors(c),
    seed: c.seed ?? A.seed,
    sparsity: resolveSparsity(c.sparsity),
    denoising: resolveDenoising(c.denoising),
    contractive: c.contractive ? { weight: c.contractive.weight ?? VARIANT_DEFAULTS.contractiveWeight } : null,
    variational: c.variational ? { beta: c.variational.beta ?? VARIANT_DEFAULTS.beta, scoreBy: c.variational.scoreBy ?? VARIANT_DEFAULTS.scoreBy } : null,
    convolutional,
    ...(blocks !== null ? { blocks: structuredClone(blocks) } : {}),
  };
}

/**
 * Mixed-type blocks define the reconstruction loss and score themselves (their outputs are logits), so the
 * options that define them otherwise cannot be combined with them in this version.
 */
function checkBlockOptions(c: Options, blocks: readonly FeatureBlock[], inputDim: number): void {
  const width = blocks.reduce((n, b) => n + b.width, 0);
  if (width !== inputDim) throw new ModelConfigError('blocks', `autoencoder: the column blocks cover ${width} columns but the input has ${inputDim}`);
  const clash: [keyof Options, boolean][] = [
    ['scoreBy', c.scoreBy !== undefined && c.scoreBy !== 'reconstruction' && c.scoreBy !== 'standardized'],
    ['loss', c.loss !== undefined && c.loss !== 'mse'],
    ['outputActivation', c.outputActivation !== undefined && c.outputActivation !== 'linear'],
    ['variational', c.variational !== undefined && c.variational !== null],
    ['convolutional', c.convolutional !== undefined && c.convolutional !== null],
  ];
  const bad = clash.find(([, isBad]) => isBad);
  if (bad !== undefined) {
    throw new ModelConfigError(
      String(bad[0]),
      `autoencoder: ${String(bad[0])}=${JSON.stringify(c[bad[0]])} cannot be combined with non-numeric feature columns (each column block has its own loss: squared error, or cross-entropy on logits, and scores by it: scoreBy standardized or reconstruction); leave ${String(bad[0])} unset or use features: numeric`,
    );
  }
}

function resolveSparsity(value: Options['sparsity']): ResolvedSparsity | null {
  if (!value) return null;
  if (value.type === 'l1') return { type: 'l1', weight: value.weight ?? VARIANT_DEFAULTS.l1Weight };
  return { type: 'kl', target: value.target ?? VARIANT_DEFAULTS.klTarget, weight: value.weight ?? VARIANT_DEFAULTS.klWeight };
}

function resolveDenoising(value: Options['denoising']): ResolvedDenoising | null {
  if (!value) return null;
  if (value.type === 'mask') return { type: 'mask', dropProbability: value.dropProbability ?? VARIANT_DEFAULTS.maskDropProbability };
  const clip = value.clip ?? null;
  return { type: 'gaussian', sigma: value.sigma ?? VARIANT_DEFAULTS.gaussianSigma, clip: clip === null ? null : [clip[0], clip[1]] };
}

/** `convolutional` filled in; its shape must hold exactly the `inputDim` feature values of a row. */
function resolveConvolutional(value: Options['convolutional'], inputDim: number): ResolvedAutoencoderConfig['convolutional'] {
  if (!value) return null;
  const [h, w, ch] = value.shape;
  if (h * w * ch !== inputDim) {
    throw new ModelConfigError(
      'convolutional.shape',
      `autoencoder: shape [${h}, ${w}, ${ch}] holds ${h * w * ch} values but the input has ${inputDim} feature columns; the product height·width·channels must equal the feature count`,
    );
  }
  return {
    shape: [h, w, ch],
    filters: [...(value.filters ?? VARIANT_DEFAULTS.filters)],
    kernelSize: value.kernelSize ?? VARIANT_DEFAULTS.kernelSize,
    poolSize: value.poolSize ?? VARIANT_DEFAULTS.poolSize,
  };
}

function resolveEarlyStopping(value: Options['earlyStopping']): ResolvedAutoencoderConfig['earlyStopping'] {
  if (value === false) return false;
  const d = AUTOENCODER_DEFAULTS.earlyStopping;
  if (value === undefined || value === true) return { ...d };
  return { patience: value.patience ?? d.patience, minDelta: value.minDelta ?? d.minDelta, minRelativeDelta: value.minRelativeDelta ?? d.minRelativeDelta };
}

/**
 * `neighbors` filled in. Left out, it follows the scoring: on with the default score, off when `scoreBy` (or
 * `variational.scoreBy: elbo`) is chosen explicitly, so a score asked for by name is exactly that score.
 */
function resolveNeighbors(c: Options): ResolvedAutoencoderConfig['neighbors'] {
  const d = AUTOENCODER_DEFAULTS.neighbors;
  if (c.neighbors === null) return null;
  if (c.neighbors === undefined) {
    const isScoreChosen = c.scoreBy !== undefined || (c.variational?.scoreBy ?? VARIANT_DEFAULTS.scoreBy) !== VARIANT_DEFAULTS.scoreBy;
    return isScoreChosen ? null : { ...d };
  }
  return { k: c.neighbors.k ?? d.k, weight: c.neighbors.weight ?? d.weight };
}
