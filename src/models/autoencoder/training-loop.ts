import * as tf from '../../runtime/tf.js';
import { NativeAdamStep } from '../../runtime/native-adam.js';
import { isNativeBackend } from '../../runtime/native-ops.js';
import { DataError, LatentflowError } from '../../errors.js';
import type { Matrix } from '../matrix.js';
import { takeRows } from '../matrix.js';
import { deriveSeed, permutation, seededRandom } from '../random.js';
import type { OnEpoch, TrainingHistory } from './training-history.js';

/** The stopping rule: an epoch improves when the monitored loss drops below best − max(minDelta, minRelativeDelta·best). */
export interface StoppingRule {
  /** Epochs without improvement before training stops. */
  patience: number;
  /** Smallest absolute decrease that counts as an improvement. */
  minDelta: number;
  /** Smallest decrease, as a fraction of the best loss so far, that counts as an improvement. Default 0. */
  minRelativeDelta?: number;
}


/** Loss of one batch, called inside `tf.tidy` (and inside `optimizer.minimize` when training). */
export type BatchLoss = (batch: tf.Tensor2D, step: { isTraining: boolean; stepSeed: number }) => tf.Scalar;

/** What the loop needs from an optimizer: `tf.Optimizer` (any of `tf.train.*`) or {@link FusedAdam}. */
export interface StepOptimizer {
  /** One step on `varList` against the loss `f`; returns the loss when `returnCost` is true. */
  minimize(f: () => tf.Scalar, returnCost: boolean, varList: tf.Variable[]): tf.Scalar | null;
  dispose(): void;
}

/**
 * Adam (Kingma & Ba 2015, the same update as `tf.train.adam`: bias-corrected moments, epsilon added to
 * √v̂) over all variables at once: the gradients are concatenated into one vector, so a step costs about a
 * dozen kernels plus one subtraction per variable, instead of about seventeen kernels per variable. Moments
 * live on the device between steps. Optional coupled L2 weight decay: `gradient + weightDecay · w` (PyTorch
 * Adam's `weight_decay`). Call `minimize` inside `tf.tidy`; `dispose()` frees the moments.
 */
export class FusedAdam implements StepOptimizer {
  private m: tf.Tensor1D | undefined;
  private v: tf.Tensor1D | undefined;
  private step = 0;
  /** The native step's moments (TensorFlow resources), for the variables of the last step. */
  private native: NativeAdamStep | undefined;

  /**
   * @param learningRate step size, > 0
   * @param weightDecay coupled L2 decay, >= 0 (default 0)
   * @param beta1 first-moment decay (default 0.9); @param beta2 second-moment decay (default 0.999)
   * @param epsilon added to √v̂ (default 1e-7, tfjs' value)
   */
  constructor(
    readonly learningRate: number,
    readonly weightDecay = 0,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly epsilon = 1e-7,
  ) {}

  minimize(f: () => tf.Scalar, returnCost: boolean, varList: tf.Variable[]): tf.Scalar | null {
    const { value, grads } = tf.variableGrads(f, varList);
    if (isNativeBackend()) this.nativeStep(varList, grads);
    else this.stepWithOps(varList, grads);
    Object.values(grads).forEach((t) => t.dispose());
    if (returnCost) return value;
    value.dispose();
    return null;
  }

  /** The step below by TensorFlow's fused Adam kernel on the native backend (native-adam.ts); the moments live there. */
  private nativeStep(varList: tf.Variable[], grads: tf.NamedTensorMap): void {
    if (this.native?.isFor(varList) !== true) {
      this.native?.dispose();
      this.native = new NativeAdamStep(varList);
    }
    this.step++;
    const { beta1, beta2, learningRate, epsilon, weightDecay, step } = this;
    this.native.step(varList.map((variable) => grads[variable.name]), { beta1, beta2, learningRate, epsilon, weightDecay, step });
  }

  private stepWithOps(varList: tf.Variable[], grads: tf.NamedTensorMap): void {
    const sizes = varList.map((v) => v.size);
    let g = tf.concat(varList.map((v) => tf.reshape(grads[v.name], [-1]))) as tf.Tensor1D;
    if (this.weightDecay > 0) g = tf.add(g, tf.mul(tf.concat(varList.map((v) => tf.reshape(v, [-1]))), this.weightDecay));
    this.step++;
    const { beta1: b1, beta2: b2 } = this;
    const m = this.m === undefined ? tf.mul(g, 1 - b1) : tf.add(tf.mul(this.m, b1), tf.mul(g, 1 - b1));
    const v = this.v === undefined ? tf.mul(tf.square(g), 1 - b2) : tf.add(tf.mul(this.v, b2), tf.mul(tf.square(g), 1 - b2));
    // lr·m̂/(√v̂ + ε) = lrₜ·m/(√v + ε̂) with lrₜ = lr·√(1−β₂ᵗ)/(1−β₁ᵗ) and ε̂ = ε·√(1−β₂ᵗ): the bias
    // corrections become two numbers computed here instead of four kernels.
    const correction = Math.sqrt(1 - b2 ** this.step);
    const lrT = (this.learningRate * correction) / (1 - b1 ** this.step);
    const update = tf.mul(tf.div(m, tf.add(tf.sqrt(v), this.epsilon * correction)), lrT);
    const parts = tf.split(update, sizes);
    varList.forEach((variable, i) => variable.assign(tf.sub(variable, tf.reshape(parts[i], variable.shape))));
    this.m?.dispose();
    this.v?.dispose();
    this.m = tf.keep(m as tf.Tensor1D);
    this.v = tf.keep(v as tf.Tensor1D);
  }

  dispose(): void {
    this.native?.dispose();
    this.native = undefined;
    this.m?.dispose();
    this.v?.dispose();
    this.m = undefined;
    this.v = undefined;
  }
}

/**
 * Most trainable numbers for which {@link FusedAdam} is used on wasm without weight decay. Fusing saves
 * kernels, which is what a small tabular network's step costs. A wide one (784-256-30-256-784, 400 k weights)
 * pays more on wasm for copying every weight into one vector and back: 55 against 44 ms a step at batch 64,
 * measured alternating in one process (`npx tsx bench/adam-fused-vs-tf.ts`).
 */
export const FUSED_ADAM_MAX_PARAMS = 100_000;

/**
 * Adam for `variables`: {@link FusedAdam} for small networks, with weight decay (which only it applies) or on
 * the native backend, else `tf.train.adam` (the same update). Native TensorFlow pays a fixed cost per kernel
 * call that outweighs the copy at any width: fused 5.9 against 7.0 ms a step on the wide network above.
 */
export function createAdam(variables: readonly tf.Variable[], learningRate: number, weightDecay = 0): StepOptimizer {
  const params = variables.reduce((sum, v) => sum + v.size, 0);
  const isFused = weightDecay > 0 || params <= FUSED_ADAM_MAX_PARAMS || isNativeBackend();
  return isFused ? new FusedAdam(learningRate, weightDecay) : tf.train.adam(learningRate);
}

/** Everything the loop needs; the model decides the network and the loss, the loop only iterates. */
export interface TrainingLoopOptions {
  x: Matrix;
  variables: tf.Variable[];
  /** Variables training changes outside the optimizer (batch-norm statistics); saved and restored with the best weights. */
  stateVariables?: tf.Variable[];
  optimizer: StepOptimizer;
  batchLoss: BatchLoss;
  /** Most epochs. */
  epochs: number;
  /** Most gradient steps; checked after each epoch. Default no limit. */
  maxSteps?: number;
  /** Most seconds of training; checked after each step, the last epoch then ends early. Default no limit. */
  maxSeconds?: number;
  batchSize: number;
  /** Fraction of rows held out, chosen by the seed; in [0, 1). */
  validationSplit: number;
  earlyStopping: StoppingRule | false;
  seed: number;
  onEpoch?: OnEpoch;
  signal?: AbortSignal;
  /** Longest stretch of synchronous work between yields to the event loop, in milliseconds. Default 50. */
  yieldEveryMs?: number;
  /** Rows per validation forward pass. Default 4096. */
  validationBatchRows?: number;
}

/**
 * Mini-batch gradient descent with seeded shuffling, a seeded validation split, epoch losses accumulated on
 * the device (one read per epoch, none per batch) and early stopping that restores the best weights.
 * Every tensor it creates is disposed before it returns or throws.
 */
export async function runTrainingLoop(options: TrainingLoopOptions): Promise<TrainingHistory> {
  const { x, variables, optimizer, batchLoss, epochs, batchSize, earlyStopping, seed, onEpoch, signal } = options;
  const maxSteps = options.maxSteps ?? Infinity;
  const maxMs = (options.maxSeconds ?? Infinity) * 1000;
  const yieldEveryMs = options.yieldEveryMs ?? 50;
  const validationBatchRows = options.validationBatchRows ?? 4096;
  const snapshotVariables = [...variables, ...(options.stateVariables ?? [])];
  const started = performance.now();

  const order = permutation(x.rows, seededRandom(deriveSeed(seed, 'validation-split')));
  // Same split rule as Keras: the training part is floor(n * (1 - split)) rows.
  const trainRows = Math.floor(x.rows * (1 - options.validationSplit));
  if (trainRows < 1) {
    throw new DataError(
      `autoencoder: ${x.rows} rows leave no training rows with validationSplit=${options.validationSplit}; add rows or lower validationSplit`,
    );
  }
  const validationRows = x.rows - trainRows;
  const shuffleRandom = seededRandom(deriveSeed(seed, 'shuffle'));
  const stepRandom = seededRandom(deriveSeed(seed, 'steps'));

  const history: TrainingHistory = {
    loss: [],
    valLoss: [],
    epochs: 0,
    bestEpoch: 0,
    stoppedEarly: false,
    stopReason: 'completed',
    converged: null,
    steps: 0,
    trainRows,
    validationRows,
    fitMs: 0,
  };

  let xVal: tf.Tensor2D | undefined;
  let lossSum: tf.Scalar | undefined;
  let best: tf.Tensor[] | undefined;
  let lastYield = performance.now();
  const checkSignal = (epoch: number): void => {
    if (signal?.aborted) throw abortError(signal.reason, epoch);
  };

  try {
    checkSignal(1);
    const trainOrder = order.subarray(0, trainRows);
    if (validationRows > 0) xVal = toTensor(takeRows(x, order.subarray(trainRows)));
    let bestLoss = Infinity;
    let bestEpochSeen = 0;
    let wait = 0;

    for (let epoch = 1; epoch <= epochs; epoch++) {
      // The epoch's rows are shuffled on the host and each step uploads its batch (a memcpy of batchSize
      // rows, under 0.1 ms for 64 x 784). On wasm both device-side ways cost far more: gathering the batch took
      // 3.6 ms of a 37 ms step (8,000 x 784 rows, batch 64, bench/ae-epoch-profile.ts), and slicing it from
      // an uploaded epoch copies the whole epoch tensor out of the heap first (wasm's Slice reads its input
      // with readSync), which made the step slower still.
      // Same batches in the same order as a gather; the epoch's copy is new, so no tensor aliases a buffer
      // that changes (the cpu backend keeps the array it is given).
      const epochX = takeRows(x, permutation(trainRows, shuffleRandom).map((i) => trainOrder[i]));
      lossSum = tf.scalar(0);
      let epochRows = 0;
      let isOutOfTime = false;
      for (let start = 0; start < trainRows && !isOutOfTime; start += batchSize) {
        const rows = Math.min(batchSize, trainRows - start);
        const stepSeed = Math.floor(stepRandom() * 0x7fffffff);
        const next = tf.tidy(() => {
          const batch = tf.tensor2d(epochX.data.subarray(start * x.cols, (start + rows) * x.cols), [rows, x.cols], 'float32');
          const cost = optimizer.minimize(() => batchLoss(batch, { isTraining: true, stepSeed }), true, variables);
          return tf.add(lossSum as tf.Scalar, tf.mul(cost as tf.Scalar, rows)) as tf.Scalar;
        });
        lossSum.dispose();
        lossSum = next;
        epochRows += rows;
        history.steps++;
        isOutOfTime = performance.now() - started >= maxMs;
        if (performance.now() - lastYield >= yieldEveryMs) {
          await new Promise<void>((resolve) => setImmediate(resolve));
          lastYield = performance.now();
        }
        checkSignal(epoch);
      }
      // An epoch the time budget cut short reports the mean over the rows it trained on.
      const loss = (await lossSum.data())[0] / epochRows;
      lossSum.dispose();
      lossSum = undefined;
      if (!Number.isFinite(loss)) {
        throw new LatentflowError(
          'E_TRAINING_DIVERGED',
          `autoencoder: training loss became ${loss} at epoch ${epoch}; lower learningRate or scale the input features`,
        );
      }
      const valLoss = xVal === undefined ? undefined : await evaluate(xVal, batchLoss, validationBatchRows);
      history.loss.push(loss);
      if (valLoss !== undefined) history.valLoss.push(valLoss);
      history.epochs = epoch;
      history.bestEpoch = epoch;

      let isStopping = false;
      if (earlyStopping !== false) {
        const monitored = valLoss ?? loss;
        const margin = Math.max(earlyStopping.minDelta, (earlyStopping.minRelativeDelta ?? 0) * Math.abs(bestLoss));
        if (bestLoss === Infinity || monitored < bestLoss - margin) {
          bestLoss = monitored;
          wait = 0;
          best?.forEach((t) => t.dispose());
          best = snapshotVariables.map((v) => v.clone());
          bestEpochSeen = epoch;
        } else {
          wait++;
          // Keras semantics: stop after `patience` consecutive epochs without improvement.
          if (wait >= earlyStopping.patience) {
            isStopping = true;
            history.stopReason = 'earlyStopping';
          }
        }
      }
      const verdict = await onEpoch?.({ epoch, loss, valLoss, elapsedMs: performance.now() - started });
      checkSignal(epoch);
      if (verdict === false && !isStopping) {
        isStopping = true;
        history.stopReason = 'callback';
      }
      if (!isStopping && (isOutOfTime || performance.now() - started >= maxMs)) {
        isStopping = true;
        history.stopReason = 'timeBudget';
      }
      if (!isStopping && history.steps >= maxSteps) {
        isStopping = true;
        history.stopReason = 'stepBudget';
      }
      // No reset of lastYield here: awaiting data() or onEpoch resolves as a microtask, not a turn of the
      // event loop, so epochs shorter than yieldEveryMs would otherwise never let timers or I/O run.
      if (isStopping) break;
    }

    history.stoppedEarly = history.stopReason !== 'completed';
    history.converged = earlyStopping === false || history.stopReason === 'callback' ? null : history.stopReason === 'earlyStopping';
    if (best !== undefined && bestEpochSeen !== history.epochs) {
      const saved = best;
      snapshotVariables.forEach((v, i) => v.assign(saved[i]));
    }
    if (best !== undefined) history.bestEpoch = bestEpochSeen;
    history.fitMs = performance.now() - started;
    return history;
  } finally {
    xVal?.dispose();
    lossSum?.dispose();
    best?.forEach((t) => t.dispose());
  }
}

/** Mean loss over `xVal` in large batches, accumulated on the device and read once. */
async function evaluate(xVal: tf.Tensor2D, batchLoss: BatchLoss, batchRows: number): Promise<number> {
  const rows = xVal.shape[0];
  let sum = tf.scalar(0);
  try {
    for (let start = 0; start < rows; start += batchRows) {
      const n = Math.min(batchRows, rows - start);
      const previous = sum;
      sum = tf.tidy(() => {
        const batch = tf.slice(xVal, [start, 0], [n, -1]);
        return tf.add(previous, tf.mul(batchLoss(batch, { isTraining: false, stepSeed: 0 }), n)) as tf.Scalar;
      });
      previous.dispose();
    }
    return (await sum.data())[0] / rows;
  } finally {
    sum.dispose();
  }
}

function toTensor(m: Matrix): tf.Tensor2D {
  return tf.tensor2d(m.data, [m.rows, m.cols], 'float32');
}

/** The error a fit rejects with when its signal aborts: the signal's reason if it is ours, else `E_ABORTED`. */
function abortError(reason: unknown, epoch: number): LatentflowError {
  if (reason instanceof LatentflowError) return reason;
  return new LatentflowError('E_ABORTED', `autoencoder: fit aborted during epoch ${epoch}`, { cause: reason });
}
