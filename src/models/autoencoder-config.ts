import { ModelConfigError } from '../errors.js';

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

/** Early stopping on the validation loss (the training loss when `validationSplit` is 0). */
export interface EarlyStoppingConfig {
  /** Epochs without improvement before training stops; integer >= 0. Default 5. */
  patience?: number;
  /** Smallest decrease of the monitored loss that counts as an improvement; >= 0. Default 0. */
  minDelta?: number;
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
  /** Maximum passes over the training rows; integer >= 1. Default 50. */
  epochs?: number;
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
  /** Seeds weights, shuffling, the validation split and dropout; integer in [0, 2^32). Default 42. */
  seed?: number;
}

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
  epochs: number;
  batchSize: number;
  validationSplit: number;
  earlyStopping: Required<EarlyStoppingConfig> | false;
  dropout: number;
  seed: number;
}

/** Defaults that do not depend on the input width. */
export const AUTOENCODER_DEFAULTS = {
  activation: 'relu',
  codeActivation: 'linear',
  outputActivation: 'linear',
  loss: 'mse',
  learningRate: 1e-3,
  epochs: 50,
  batchSize: 256,
  validationSplit: 0.1,
  earlyStopping: { patience: 5, minDelta: 0 },
  dropout: 0,
  seed: 42,
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
  'batchSize',
  'validationSplit',
  'earlyStopping',
  'dropout',
  'seed',
];

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

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
  const hiddenUnits = config.hiddenUnits ?? defaultHiddenUnits(codeSize);
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
  requireInteger('epochs', epochs, 1);
  const batchSize = config.batchSize ?? AUTOENCODER_DEFAULTS.batchSize;
  requireInteger('batchSize', batchSize, 1);
  const validationSplit = config.validationSplit ?? AUTOENCODER_DEFAULTS.validationSplit;
  requireFraction('validationSplit', validationSplit);
  const dropout = config.dropout ?? AUTOENCODER_DEFAULTS.dropout;
  requireFraction('dropout', dropout);
  const seed = config.seed ?? AUTOENCODER_DEFAULTS.seed;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new ModelConfigError('seed', `autoencoder: expected an integer in [0, 4294967295], received ${String(seed)}`);
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
    batchSize,
    validationSplit,
    earlyStopping: resolveEarlyStopping(config.earlyStopping),
    dropout,
    seed,
  };
}

function resolveEarlyStopping(value: AutoencoderConfig['earlyStopping']): ResolvedAutoencoderConfig['earlyStopping'] {
  if (value === false) return false;
  if (value === undefined || value === true) return { ...AUTOENCODER_DEFAULTS.earlyStopping };
  if (value === null || typeof value !== 'object') {
    throw new ModelConfigError('earlyStopping', `autoencoder: expected false or { patience, minDelta }, received ${String(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (key !== 'patience' && key !== 'minDelta') {
      throw new ModelConfigError(`earlyStopping.${key}`, 'autoencoder: unknown option; expected patience or minDelta');
    }
  }
  const patience = value.patience ?? AUTOENCODER_DEFAULTS.earlyStopping.patience;
  requireInteger('earlyStopping.patience', patience, 0);
  const minDelta = value.minDelta ?? AUTOENCODER_DEFAULTS.earlyStopping.minDelta;
  if (typeof minDelta !== 'number' || !Number.isFinite(minDelta) || minDelta < 0) {
    throw new ModelConfigError('earlyStopping.minDelta', `autoencoder: expected a number >= 0, received ${String(minDelta)}`);
  }
  return { patience, minDelta };
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
