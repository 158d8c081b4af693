import * as tf from '../../runtime/tf.js';
import { DataError, ModelConfigError, ModelStateError } from '../../errors.js';
import { type ResolvedAutoencoderConfig, type ResolvedDenoising, resolveAutoencoderConfig } from './autoencoder-config.js';
import type { AutoencoderConfig } from './autoencoder-options.js';
import { blockElementLoss, buildLoss, rowReconstructionLoss } from './autoencoder-loss.js';
import { BlockScorer, checkColumnScale, fitColumnScale } from './block-scoring.js';
import type { FeatureBlock } from '../feature-encoding.js';
import { checkScoringStats, fitScoringStats, ScoringTensors } from './autoencoder-scoring.js';
import type { ScoringStats } from './score-by.js';
import { checkNeighborStats, CodeNeighbors, fitCodeNeighbors } from './code-neighbors.js';
import type { NeighborStats } from './neighbor-stats.js';
import { ConvNetwork } from './conv-network.js';
import { type AutoencoderNetwork, DenseNetwork } from './dense-network.js';
import { type Matrix, sliceRows } from '../matrix.js';
import { deriveSeed } from '../random.js';
import { resolveTrainingPlan, type TrainingPlan } from './training-budget.js';
import { createAdam, type StepOptimizer, runTrainingLoop } from './training-loop.js';
import type { FitOptions, TrainingHistory } from './training-history.js';
import { VariationalNetwork, gaussianKl } from './variational-network.js';

export type { ResolvedAutoencoderConfig } from './autoencoder-config.js';
export type { AutoencoderConfig, ContractiveConfig, ConvolutionalConfig, DenoisingConfig, SparsityConfig, VariationalConfig } from './autoencoder-options.js';
export type { ScoreBy, ScoringStats } from './score-by.js';
export type { EpochLog, FitOptions, OnEpoch, StopReason, TrainingHistory } from './training-history.js';

/** JSON part of a saved autoencoder; the weights are saved separately through a tfjs `IOHandler`. */
export interface AutoencoderState {
  type: 'autoencoder';
  version: 1;
  /** Every option resolved, so defaults that change later cannot change a saved model. */
  params: ResolvedAutoencoderConfig;
  inputDim: number;
  history: TrainingHistory | null;
  /**
   * Training statistics of the standardized scores (`scoreBy` standardized or standardized-code); null or
   * absent for `reconstruction` (files written before scoreBy existed have neither, and load as
   * `reconstruction`).
   */
  scoring?: ScoringStats | null;
  /** The reference codes and norms of `params.neighbors`; null or absent without it. */
  neighbors?: NeighborStats | null;
}

/** Rows per forward pass when encoding or scoring; bounds device memory whatever the input size. */
export const PREDICT_CHUNK_ROWS = 4096;

/**
 * An autoencoder in TensorFlow.js, for anomaly scores (reconstruction error) and codes (dimension
 * reduction). The options pick the family member: dense (deep with several `hiddenUnits`), sparse
 * (`sparsity` l1 or kl), denoising (`denoising`), contractive (`contractive`), variational (`variational`)
 * or convolutional (`convolutional`); the API, persistence and scoring are the same for all.
 *
 * Call order: `fit(x)` once (refitting trains a fresh network from the seed), then any of `encode`,
 * `reconstruct`, `score`, `featureErrors`, `save`; finally `dispose()`. A second `fit` while one runs is
 * refused with `ModelStateError`. The fitted network only changes when a fit completes: a fit that throws or
 * is aborted leaves the previous state (fitted or not). Everything random (initial weights, shuffling, split, dropout,
 * denoising noise, variational samples) follows `seed`, so the same seed, data and backend give
 * bitwise-identical weights and scores. Nothing random happens outside `fit`: scores, codes and
 * reconstructions are deterministic for every variant (the variational model uses μ, never a sample).
 *
 * Inputs must be scaled beforehand (see `Scaler`); the model sees only `Matrix` rows of `inputDim` columns.
 */
export class Autoencoder {
  readonly inputDim: number;
  readonly config: Readonly<ResolvedAutoencoderConfig>;
  private network: AutoencoderNetwork | undefined;
  private trainingHistory: TrainingHistory | null = null;
  private scoringStats: ScoringStats | null = null;
  private scoringTensors: ScoringTensors | undefined;
  /** The scores of a mixed-type model (blocks), from its per-slot losses. */
  private blockScorer: BlockScorer | undefined;
  private codeNeighbors: CodeNeighbors | undefined;
  private isFitting = false;
  private isDisposed = false;
  private fitController: AbortController | undefined;

  /**
   * Validates `config` against `inputDim` (throws `ModelConfigError` naming the option). `blocks` describe a
   * mixed-type input (one loss per column block, see models/feature-encoding.ts); null for numeric columns.
   */
  constructor(inputDim: number, config: AutoencoderConfig = {}, blocks: FeatureBlock[] | null = null) {
    this.config = resolveAutoencoderConfig(inputDim, config, blocks);
    if (config.ensemble !== undefined && config.ensemble !== null) {
      throw new ModelConfigError('ensemble', `autoencoder: Autoencoder trains one network, received ensemble ${JSON.stringify(config.ensemble)}; build ensembles with createAutoencoder or AutoencoderEnsemble`);
    }
    this.inputDim = inputDim;
  }

  get isFitted(): boolean {
    return this.network !== undefined;
  }

  /** History of the fit that produced the current weights; null before fit. */
  get history(): TrainingHistory | null {
    return this.trainingHistory;
  }

  /** Number of trainable weights of the fitted network. */
  get parameterCount(): number {
    return this.requireNetwork('parameterCount').model.countParams();
  }

  /** Dense layer widths from input to reconstruction, e.g. `[9, 12, 3, 12, 9]` (convolutions not shown). */
  get layerUnits(): number[] {
    const c = this.config;
    return [this.inputDim, ...c.hiddenUnits, c.codeSize, ...c.decoderUnits, this.inputDim];
  }

  /** The epoch, step and time limits a fit on `rows` rows runs under (training-budget.ts). */
  trainingPlan(rows: number): TrainingPlan {
    const { epochs, batchSize, validationSplit, budget } = this.config;
    return resolveTrainingPlan({ rows, cols: this.inputDim, epochs, batchSize, validationSplit, budget });
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
    let optimizer: StepOptimizer | undefined;
    try {
      this.checkInput(x, 'fit');
      this.checkTrainingValues(x);
      const neighbors = this.config.neighbors;
      if (neighbors !== null && x.rows <= neighbors.k) {
        throw new DataError(`autoencoder: neighbors.k is ${neighbors.k} but fit received ${x.rows} rows; the k-th nearest training code needs more than k rows (use more rows, a smaller k, or neighbors: null)`);
      }
      await tf.ready();
      network = buildNetwork(this.inputDim, this.config);
      optimizer = createAdam(network.trainableVariables, this.config.learningRate, this.config.weightDecay);
      const loss = buildLoss(this.config, network, this.inputDim);
      const net = network;
      const denoising = this.config.denoising;
      const plan = this.trainingPlan(x.rows);
      const history = await runTrainingLoop({
        x,
        variables: net.trainableVariables,
        stateVariables: net.stateVariables,
        optimizer,
        batchLoss: (batch, step) => {
          // Noise only in training steps: the validation loss is measured on clean rows, like scoring.
          const input = step.isTraining && denoising !== null ? corrupt(batch, denoising, deriveSeed(step.stepSeed, 'noise')) : batch;
          // Training differentiates the weights only; contractive's penalty is its closed form, not a gradient.
          const pass = net.forward(input, { isTraining: step.isTraining, dropoutSeed: step.stepSeed, isInputConstant: true });
          return loss({ ...pass, target: batch });
        },
        epochs: plan.maxEpochs,
        maxSteps: plan.maxSteps,
        maxSeconds: plan.maxSeconds,
        batchSize: this.config.batchSize,
        validationSplit: this.config.validationSplit,
        earlyStopping: this.config.earlyStopping,
        seed: this.config.seed,
        onEpoch: options.onEpoch,
        signal: options.signal === undefined ? controller.signal : AbortSignal.any([options.signal, controller.signal]),
      });
      if (this.isDisposed) throw new ModelStateError('autoencoder: disposed during fit; the fit was abandoned');
      const stats = this.config.scoreBy === 'reconstruction' ? null : this.fitStats(net, x);
      this.network?.dispose();
      this.network = network;
      network = undefined;
      this.trainingHistory = history;
      this.setScoringStats(stats);
      this.setNeighbors(null);
      if (this.config.neighbors !== null) {
        const model = this.network;
        const codes = this.mapChunks(x, this.config.codeSize, (xt) => model.encode(xt));
        const scores = this.mapChunks(x, 1, (xt) => this.ownScore(model, xt).score).data;
        this.setNeighbors(fitCodeNeighbors(this.config.neighbors, codes, scores, deriveSeed(this.config.seed, 'neighbors')));
      }
      return history;
    } finally {
      network?.dispose();
      optimizer?.dispose();
      this.isFitting = false;
      this.fitController = undefined;
    }
  }

  /** Bottleneck activations: a `rows x codeSize` matrix (the posterior mean μ for a variational model). */
  encode(x: Matrix): Matrix {
    const net = this.requireFitted(x, 'encode');
    return this.mapChunks(x, this.config.codeSize, (xt) => net.encode(xt));
  }

  /** Rows rebuilt from codes (`rows x codeSize`), e.g. samples of N(0, I) for a variational model. */
  decode(code: Matrix): Matrix {
    const net = this.requireNetwork('decode');
    if (code.cols !== this.config.codeSize) {
      throw new ModelStateError(`autoencoder: the code has ${this.config.codeSize} columns, decode received ${code.cols}; pass rows of codeSize values`);
    }
    return this.mapChunks(code, this.inputDim, (zt) => net.decode(zt));
  }

  /** Reconstructions of the rows of `x`, same shape as `x`. */
  reconstruct(x: Matrix): Matrix {
    const net = this.requireFitted(x, 'reconstruct');
    return this.mapChunks(x, this.inputDim, (xt) => net.reconstruct(xt));
  }

  /**
   * Per-row anomaly score; higher means more anomalous. What it measures follows `scoreBy` (see `ScoreBy`):
   * the mean squared reconstruction error (whatever the training loss), or the standardized errors, alone or
   * with the code's Mahalanobis distance. A variational model with `variational.scoreBy: elbo` returns
   * instead the per-row training objective at z = μ, (Σ_features loss + beta · KL) / inputDim.
   * Deterministic for every variant.
   */
  score(x: Matrix): Float32Array {
    const net = this.requireFitted(x, 'score');
    const neighbors = this.codeNeighbors;
    return this.mapChunks(x, 1, (xt) => {
      const own = this.ownScore(net, xt);
      return neighbors === undefined ? own.score : neighbors.blend(own.score, own.code ?? net.encode(xt));
    }).data;
  }

  /** The score of `scoreBy` (or the ELBO) for a chunk of rows, with the code when it was computed on the way. */
  private ownScore(net: AutoencoderNetwork, xt: tf.Tensor2D): { score: tf.Tensor2D; code?: tf.Tensor2D } {
    const variational = this.config.variational;
    if (variational?.scoreBy === 'elbo') {
      const { mean, logVar } = (net as VariationalNetwork).encodeDistribution(xt);
      const recon = rowReconstructionLoss(this.config.loss, xt, net.decode(mean));
      return { score: tf.reshape(tf.add(recon, tf.mul(variational.beta / this.inputDim, gaussianKl(mean, logVar))), [-1, 1]) as tf.Tensor2D, code: mean };
    }
    const scoreBy = this.config.scoreBy;
    const tensors = this.scoringTensors;
    const blocks = this.config.blocks ?? null;
    if (blocks !== null) return { score: (this.blockScorer as BlockScorer).score(blockElementLoss(blocks, xt, net.reconstruct(xt))) };
    if (scoreBy === 'reconstruction' || tensors === undefined) {
      return { score: tf.mean(tf.squaredDifference(xt, net.reconstruct(xt)), 1, true) as tf.Tensor2D };
    }
    const code = net.encode(xt);
    return { score: tensors.score(scoreBy, xt, code, net.decode(code)), code };
  }

  /** The reference codes and norms of the latent-density part of the score; null without `neighbors` or before fit. */
  get neighbors(): NeighborStats | null {
    return this.codeNeighbors === undefined ? null : structuredClone(this.codeNeighbors.stats);
  }

  private setNeighbors(stats: NeighborStats | null): void {
    this.codeNeighbors?.dispose();
    this.codeNeighbors = stats === null ? undefined : new CodeNeighbors(stats);
  }

  /** The training statistics of the standardized scores; null with `scoreBy: reconstruction` or before fit. */
  get scoring(): ScoringStats | null {
    return this.scoringStats === null ? null : structuredClone(this.scoringStats);
  }

  /** Residual scales and code statistics of the training rows under the network just trained. */
  private fitStats(net: AutoencoderNetwork, x: Matrix): ScoringStats {
    const blocks = this.config.blocks ?? null;
    if (blocks !== null) return { columnScale: fitColumnScale(blocks, this.mapChunks(x, this.inputDim, (xt) => blockElementLoss(blocks, xt, net.reconstruct(xt)))) };
    const code = this.mapChunks(x, this.config.codeSize, (xt) => net.encode(xt));
    const recon = this.mapChunks(code, this.inputDim, (zt) => net.decode(zt));
    return fitScoringStats(this.config.scoreBy, x, recon, code) as ScoringStats;
  }

  private setScoringStats(stats: ScoringStats | null): void {
    const blocks = this.config.blocks ?? null;
    this.scoringTensors?.dispose();
    this.scoringTensors = stats === null || blocks !== null ? undefined : new ScoringTensors(stats);
    this.blockScorer?.dispose();
    this.blockScorer = blocks === null ? undefined : new BlockScorer(blocks, this.inputDim, stats?.columnScale ?? null);
    this.scoringStats = stats;
  }

  /**
   * Variational models only: the posterior N(μ, σ²) of each row's code, as `mean` and `logVar` (log σ²)
   * matrices of `rows x codeSize`.
   */
  encodeDistribution(x: Matrix): { mean: Matrix; logVar: Matrix } {
    const vae = this.requireVariational(x, 'encodeDistribution');
    const k = this.config.codeSize;
    const both = this.mapChunks(x, 2 * k, (xt) => {
      const { mean, logVar } = vae.encodeDistribution(xt);
      return tf.concat([mean, logVar], 1);
    });
    const mean = new Float32Array(x.rows * k);
    const logVar = new Float32Array(x.rows * k);
    for (let r = 0; r < x.rows; r++) {
      mean.set(both.data.subarray(r * 2 * k, r * 2 * k + k), r * k);
      logVar.set(both.data.subarray(r * 2 * k + k, (r + 1) * 2 * k), r * k);
    }
    return { mean: { data: mean, rows: x.rows, cols: k }, logVar: { data: logVar, rows: x.rows, cols: k } };
  }

  /** Variational models only: KL(N(μ, σ²) ‖ N(0, I)) of each row's code, in nats (>= 0). */
  klDivergence(x: Matrix): Float32Array {
    const vae = this.requireVariational(x, 'klDivergence');
    return this.mapChunks(x, 1, (xt) => {
      const { mean, logVar } = vae.encodeDistribution(xt);
      return tf.reshape(gaussianKl(mean, logVar), [-1, 1]) as tf.Tensor2D;
    }).data;
  }

  /**
   * Per row, ‖∂code/∂x‖²_F: the squared Frobenius norm of the Jacobian of the code (μ for a variational
   * model) with respect to the input, by automatic differentiation (one gradient per code unit), for any
   * network. The contractive penalty uses the same quantity in closed form.
   */
  codeJacobianSquaredNorm(x: Matrix): Float32Array {
    const net = this.requireFitted(x, 'codeJacobianSquaredNorm');
    const k = this.config.codeSize;
    return this.mapChunks(x, 1, (xt) => {
      let total = tf.zeros([xt.shape[0]]) as tf.Tensor1D;
      for (let j = 0; j < k; j++) {
        // Rows are independent, so the gradient of the column sum is each row's gradient of its own code_j.
        const g = tf.grad((input: tf.Tensor) => tf.sum(tf.slice(net.encode(input as tf.Tensor2D), [0, j], [-1, 1])))(xt);
        total = tf.add(total, tf.sum(tf.square(g), 1));
      }
      return tf.reshape(total, [-1, 1]) as tf.Tensor2D;
    }).data;
  }

  /**
   * Per-feature squared reconstruction errors in scaled units, same shape as `x`, whatever `scoreBy` says;
   * row means equal `score` when `scoreBy` is `reconstruction`.
   */
  featureErrors(x: Matrix): Matrix {
    const net = this.requireFitted(x, 'featureErrors');
    const blocks = this.config.blocks ?? null;
    // Mixed-type blocks: each slot's own loss (cross-entropy outside numeric blocks), summed per column by the detector.
    if (blocks !== null) return this.mapChunks(x, this.inputDim, (xt) => blockElementLoss(blocks, xt, net.reconstruct(xt)));
    return this.mapChunks(x, this.inputDim, (xt) => tf.squaredDifference(xt, net.reconstruct(xt)));
  }

  /** Copies of the network weights in layer order (kernel, bias per layer), for inspection and tests. */
  getWeights(): Float32Array[] {
    return this.requireNetwork('getWeights').weightValues();
  }

  /**
   * Writes topology and weights through a tfjs IO handler (e.g. `fileSaveHandler(dir)`).
   * @internal TensorFlow.js types stay out of the published declarations (a consumer's `tsc --strict` would
   * check tfjs's own .d.ts files); users save and load through `saveDetector`/`loadDetector` or `AnomalyDetector`.
   */
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
      scoring: this.scoringStats === null ? null : structuredClone(this.scoringStats),
      neighbors: this.neighbors,
    };
  }

  /**
   * Restores a model saved with `save` + `toJSON`; scores equal the saved model's bit for bit.
   * @internal as `save`.
   */
  static async load(handler: tf.io.IOHandler, savedState: AutoencoderState): Promise<Autoencoder> {
    if (savedState?.type !== 'autoencoder' || savedState.version !== 1) {
      throw new ModelStateError(
        `autoencoder: expected a saved state with type "autoencoder" and version 1, received type "${String(savedState?.type)}" version ${String(savedState?.version)}`,
      );
    }
    // Files written before scoreBy, batchNorm and weightDecay existed lack them: they load with the
    // behaviour they were trained and scored with (reconstruction error, no batch norm, no decay), never
    // with whatever the defaults are now.
    const { blocks, ...saved }: Partial<ResolvedAutoencoderConfig> = savedState.params;
    const params = { scoreBy: 'reconstruction', batchNorm: false, weightDecay: 0, neighbors: null, ...saved } as ResolvedAutoencoderConfig;
    const model = new Autoencoder(savedState.inputDim, params, blocks ?? null);
    const modelBlocks = model.config.blocks ?? null;
    const stats =
      modelBlocks === null
        ? checkScoringStats(model.config.scoreBy, savedState.scoring, model.inputDim, model.config.codeSize)
        : model.config.scoreBy === 'reconstruction'
          ? null
          : { columnScale: checkColumnScale(savedState.scoring?.columnScale, modelBlocks) };
    const neighbors = checkNeighborStats(savedState.neighbors, model.config.codeSize);
    if ((neighbors === null) !== (model.config.neighbors === null) || (neighbors !== null && (neighbors.k !== model.config.neighbors?.k || neighbors.weight !== model.config.neighbors.weight))) {
      throw new ModelStateError('autoencoder: params.neighbors and the saved code neighbours disagree; the file is damaged: fit the model again');
    }
    const layersModel = await tf.loadLayersModel(handler);
    try {
      model.network = networkFromModel(layersModel, savedState.inputDim, model.config);
    } catch (error) {
      layersModel.dispose();
      throw error;
    }
    // A NaN or infinite weight (a damaged weights.bin, or a diverged fit saved by an older version) makes
    // every score NaN or Infinity: refuse the file instead of flagging every row or none.
    const bad = model.network.weightValues().findIndex((w) => w.some((v) => !Number.isFinite(v)));
    if (bad >= 0) {
      model.dispose();
      throw new ModelStateError(`autoencoder: weight tensor ${bad} in the saved weights holds NaN or infinite values; the weights file is damaged: fit the model again`);
    }
    model.trainingHistory = savedState.history ?? null;
    model.setScoringStats(stats === null ? null : structuredClone(stats));
    model.setNeighbors(neighbors === null ? null : structuredClone(neighbors));
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
    this.scoringTensors?.dispose();
    this.scoringTensors = undefined;
    this.blockScorer?.dispose();
    this.blockScorer = undefined;
    this.codeNeighbors?.dispose();
    this.codeNeighbors = undefined;
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

  private requireVariational(x: Matrix, op: string): VariationalNetwork {
    const net = this.requireFitted(x, op);
    if (!(net instanceof VariationalNetwork)) {
      throw new ModelStateError(`autoencoder: ${op} needs a variational model (option variational); this model has a deterministic code`);
    }
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


/** A fresh network of the kind `config` asks for. */
function buildNetwork(inputDim: number, config: ResolvedAutoencoderConfig): AutoencoderNetwork {
  if (config.variational !== null) return VariationalNetwork.build(inputDim, config);
  if (config.convolutional !== null) return ConvNetwork.build(inputDim, config);
  return DenseNetwork.build(inputDim, config);
}

/** Wraps a loaded tfjs model in the network class `config` describes, checking that they match. */
function networkFromModel(model: tf.LayersModel, inputDim: number, config: ResolvedAutoencoderConfig): AutoencoderNetwork {
  if (config.variational !== null) return VariationalNetwork.fromModel(model, inputDim, config);
  if (config.convolutional !== null) return ConvNetwork.fromModel(model, inputDim, config);
  return DenseNetwork.fromModel(model, inputDim, config);
}

/**
 * The denoising corruption of a training batch, drawn from `seed`: additive Gaussian noise (optionally
 * clipped), or masking noise that zeroes each value with probability `dropProbability` (no rescaling, as in
 * Vincent et al. 2008).
 * @internal tensors in and out; the `corrupt` stage is the public face.
 */
export function corrupt(batch: tf.Tensor2D, noise: ResolvedDenoising, seed: number): tf.Tensor2D {
  if (noise.type === 'gaussian') {
    const noisy = tf.add(batch, tf.randomNormal(batch.shape, 0, noise.sigma, 'float32', seed)) as tf.Tensor2D;
    return noise.clip === null ? noisy : tf.clipByValue(noisy, noise.clip[0], noise.clip[1]);
  }
  const keep = tf.greaterEqual(tf.randomUniform(batch.shape, 0, 1, 'float32', seed), noise.dropProbability);
  return tf.mul(batch, tf.cast(keep, 'float32'));
}
