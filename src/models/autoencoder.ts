import * as tf from '@tensorflow/tfjs';
import { DataError, ModelStateError } from '../errors.js';
import { type AutoencoderConfig, type ResolvedAutoencoderConfig, resolveAutoencoderConfig } from './autoencoder-config.js';
import { buildLoss } from './autoencoder-loss.js';
import { type AutoencoderNetwork, DenseNetwork } from './dense-network.js';
import { type Matrix, sliceRows } from './matrix.js';
import { type FitOptions, type TrainingHistory, runTrainingLoop } from './training-loop.js';

export type { AutoencoderConfig, ResolvedAutoencoderConfig } from './autoencoder-config.js';
export type { EpochLog, FitOptions, OnEpoch, StopReason, TrainingHistory } from './training-loop.js';

/** JSON part of a saved autoencoder; the weights are saved separately through a tfjs `IOHandler`. */
export interface AutoencoderState {
  type: 'autoencoder';
  version: 1;
  /** Every option resolved, so defaults that change later cannot change a saved model. */
  params: ResolvedAutoencoderConfig;
  inputDim: number;
  history: TrainingHistory | null;
}

/** Rows per forward pass when encoding or scoring; bounds device memory whatever the input size. */
export const PREDICT_CHUNK_ROWS = 4096;

/**
 * A dense autoencoder in TensorFlow.js, for anomaly scores (reconstruction error) and codes (dimension
 * reduction).
 *
 * Call order: `fit(x)` once (refitting trains a fresh network from the seed), then any of `encode`,
 * `reconstruct`, `score`, `featureErrors`, `save`; finally `dispose()`. A second `fit` while one runs is
 * refused with `ModelStateError`. The fitted network only changes when a fit completes: a fit that throws or
 * is aborted leaves the previous state (fitted or not). Everything random follows `seed`, so the same seed,
 * data and backend give bitwise-identical weights and scores.
 *
 * Inputs must be scaled beforehand (see `Scaler`); the model sees only `Matrix` rows of `inputDim` columns.
 */
export class Autoencoder {
  readonly inputDim: number;
  readonly config: Readonly<ResolvedAutoencoderConfig>;
  private network: AutoencoderNetwork | undefined;
  private trainingHistory: TrainingHistory | null = null;
  private isFitting = false;
  private isDisposed = false;
  private fitController: AbortController | undefined;

  /** Validates `config` against `inputDim` (throws `ModelConfigError` naming the option). */
  constructor(inputDim: number, config: AutoencoderConfig = {}) {
    this.config = resolveAutoencoderConfig(inputDim, config);
    this.inputDim = inputDim;
  }

  get isFitted(): boolean {
    return this.network !== undefined;
  }

  /** History of the fit that produced the current weights; null before fit. */
  get history(): TrainingHistory | null {
    return this.trainingHistory;
  }

  /** Layer widths from input to reconstruction, e.g. `[9, 12, 3, 12, 9]`. */
  get layerUnits(): number[] {
    const c = this.config;
    return [this.inputDim, ...c.hiddenUnits, c.codeSize, ...c.decoderUnits, this.inputDim];
  }

  /**
   * Trains a fresh network on the rows of `x` (already scaled, no NaN). Resolves to the training history.
   * Rejects with `ModelStateError` when a fit is running or the model is disposed, `DataError` for bad input,
   * `LatentflowError` `E_ABORTED` when `options.signal` aborts and `E_TRAINING_DIVERGED` when the loss is
   * not finite.
   */
  async fit(x: Matrix, options: FitOptions = {}): Promise<TrainingHistory> {
    this.requireUsable('fit');
    if (this.isFitting) {
      throw new ModelStateError('autoencoder: fit called while another fit is running; await the first fit or abort it');
    }
    this.isFitting = true;
    const controller = new AbortController();
    this.fitController = controller;
    let network: AutoencoderNetwork | undefined;
    let optimizer: tf.Optimizer | undefined;
    try {
      this.checkInput(x, 'fit');
      this.checkTrainingValues(x);
      await tf.ready();
      network = DenseNetwork.build(this.inputDim, this.config);
      optimizer = tf.train.adam(this.config.learningRate);
      const loss = buildLoss(this.config);
      const net = network;
      const history = await runTrainingLoop({
        x,
        variables: net.trainableVariables,
        optimizer,
        batchLoss: (batch, step) => loss(net.forward(batch, { isTraining: step.isTraining, dropoutSeed: step.stepSeed })),
        epochs: this.config.epochs,
        batchSize: this.config.batchSize,
        validationSplit: this.config.validationSplit,
        earlyStopping: this.config.earlyStopping,
        seed: this.config.seed,
        onEpoch: options.onEpoch,
        signal: options.signal === undefined ? controller.signal : AbortSignal.any([options.signal, controller.signal]),
      });
      if (this.isDisposed) throw new ModelStateError('autoencoder: disposed during fit; the fit was abandoned');
      this.network?.dispose();
      this.network = network;
      network = undefined;
      this.trainingHistory = history;
      return history;
    } finally {
      network?.dispose();
      optimizer?.dispose();
      this.isFitting = false;
      this.fitController = undefined;
    }
  }

  /** Bottleneck activations: a `rows x codeSize` matrix. */
  encode(x: Matrix): Matrix {
    const net = this.requireFitted(x, 'encode');
    return this.mapChunks(x, this.config.codeSize, (xt) => net.encode(xt));
  }

  /** Reconstructions of the rows of `x`, same shape as `x`. */
  reconstruct(x: Matrix): Matrix {
    const net = this.requireFitted(x, 'reconstruct');
    return this.mapChunks(x, this.inputDim, (xt) => net.reconstruct(xt));
  }

  /** Per-row mean squared reconstruction error (whatever the training loss); higher means more anomalous. */
  score(x: Matrix): Float32Array {
    const net = this.requireFitted(x, 'score');
    return this.mapChunks(x, 1, (xt) => tf.mean(tf.squaredDifference(xt, net.reconstruct(xt)), 1, true) as tf.Tensor2D).data;
  }

  /** Per-feature squared reconstruction errors, same shape as `x`; row means equal `score`. */
  featureErrors(x: Matrix): Matrix {
    const net = this.requireFitted(x, 'featureErrors');
    return this.mapChunks(x, this.inputDim, (xt) => tf.squaredDifference(xt, net.reconstruct(xt)));
  }

  /** Copies of the network weights in layer order (kernel, bias per layer), for inspection and tests. */
  getWeights(): Float32Array[] {
    return this.requireNetwork('getWeights').weightValues();
  }

  /** Writes topology and weights through a tfjs IO handler (e.g. `fileSaveHandler(dir)`). */
  async save(handler: tf.io.IOHandler): Promise<tf.io.SaveResult> {
    return this.requireNetwork('save').model.save(handler);
  }

  /** Everything but the weights; pair it with `save` and give both to `Autoencoder.load`. */
  toJSON(): AutoencoderState {
    this.requireNetwork('toJSON');
    return {
      type: 'autoencoder',
      version: 1,
      params: structuredClone(this.config) as ResolvedAutoencoderConfig,
      inputDim: this.inputDim,
      history: this.trainingHistory === null ? null : structuredClone(this.trainingHistory),
    };
  }

  /** Restores a model saved with `save` + `toJSON`; scores equal the saved model's bit for bit. */
  static async load(handler: tf.io.IOHandler, savedState: AutoencoderState): Promise<Autoencoder> {
    if (savedState?.type !== 'autoencoder' || savedState.version !== 1) {
      throw new ModelStateError(
        `autoencoder: expected a saved state with type "autoencoder" and version 1, received type "${String(savedState?.type)}" version ${String(savedState?.version)}`,
      );
    }
    const model = new Autoencoder(savedState.inputDim, savedState.params);
    const layersModel = await tf.loadLayersModel(handler);
    try {
      model.network = DenseNetwork.fromModel(layersModel, savedState.inputDim, model.config);
    } catch (error) {
      layersModel.dispose();
      throw error;
    }
    model.trainingHistory = savedState.history ?? null;
    return model;
  }

  /**
   * Frees every tensor the model holds. Safe to call twice. During a fit it aborts the fit (which then
   * rejects with `ModelStateError`) and the fit's tensors are freed as it unwinds.
   */
  dispose(): void {
    if (this.isDisposed) return;
    this.isDisposed = true;
    this.fitController?.abort(new ModelStateError('autoencoder: disposed during fit; the fit was abandoned'));
    this.network?.dispose();
    this.network = undefined;
  }

  /** Runs `fn` on chunks of `x` inside `tf.tidy` and copies each result into one output matrix. */
  private mapChunks(x: Matrix, outCols: number, fn: (xt: tf.Tensor2D) => tf.Tensor2D): Matrix {
    const out = new Float32Array(x.rows * outCols);
    for (let start = 0; start < x.rows; start += PREDICT_CHUNK_ROWS) {
      const end = Math.min(x.rows, start + PREDICT_CHUNK_ROWS);
      const chunk = sliceRows(x, start, end);
      const result = tf.tidy(() => fn(tf.tensor2d(chunk.data, [chunk.rows, chunk.cols], 'float32')));
      try {
        out.set(result.dataSync() as Float32Array, start * outCols);
      } finally {
        result.dispose();
      }
    }
    return { data: out, rows: x.rows, cols: outCols };
  }

  private requireFitted(x: Matrix, op: string): AutoencoderNetwork {
    const net = this.requireNetwork(op);
    this.checkInput(x, op);
    return net;
  }

  private requireNetwork(op: string): AutoencoderNetwork {
    this.requireUsable(op);
    if (this.network === undefined) {
      throw new ModelStateError(`autoencoder: ${op} called before fit; call fit(x) or load a saved model first`);
    }
    return this.network;
  }

  private requireUsable(op: string): void {
    if (this.isDisposed) throw new ModelStateError(`autoencoder: ${op} called after dispose(); create or load a new model`);
  }

  private checkInput(x: Matrix, op: string): void {
    if (x.cols !== this.inputDim) {
      throw new ModelStateError(`autoencoder: built for ${this.inputDim} columns, ${op} received ${x.cols}; pass the same feature columns`);
    }
  }

  /** NaN would silently poison every weight; bce is only meaningful for targets in [0, 1]. */
  private checkTrainingValues(x: Matrix): void {
    const isBce = this.config.loss === 'bce';
    for (let i = 0; i < x.data.length; i++) {
      const v = x.data[i];
      if (!Number.isFinite(v) || (isBce && (v < 0 || v > 1))) {
        throw new DataError(
          isBce && Number.isFinite(v)
            ? `autoencoder: loss=bce needs inputs in [0, 1] (scale with method minmax or use loss mse), feature column ${i % x.cols} is out of range`
            : `autoencoder: cannot fit on a non-finite value in feature column ${i % x.cols}`,
          { row: Math.floor(i / x.cols), expected: isBce ? 'number in [0, 1]' : 'finite number', received: String(v) },
        );
      }
    }
    if (x.rows === 0) throw new DataError('autoencoder: fit needs at least one row, received none');
  }
}

