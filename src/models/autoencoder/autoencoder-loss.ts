import * as tf from '../../runtime/tf.js';
import { ModelConfigError } from '../../errors.js';
import { meanSquaredError } from '../../runtime/native-mse.js';
import type { ResolvedAutoencoderConfig } from './autoencoder-config.js';
import { type FeatureBlock, slotWeights } from '../feature-encoding.js';
import type { LossName } from './autoencoder-options.js';
import type { AutoencoderNetwork, ForwardPass } from './dense-network.js';
import { gaussianKl } from './variational-network.js';

/**
 * One additive part of the training objective, computed from a forward pass; returns a scalar averaged over
 * the batch so that batches of different sizes weigh the same per row. Runs inside `tf.tidy`.
 */
export type LossTerm = (pass: ForwardPass) => tf.Scalar;

/** Probabilities are clipped this far from 0 and 1 so the cross-entropy stays finite (as Keras does). */
const BCE_EPSILON = 1e-7;
/** Mean code activations are clipped this far from 0 and 1 in the KL sparsity penalty, so its logs stay finite. */
const KL_SPARSITY_EPSILON = 1e-6;

/** Per-element loss between targets and outputs (same shape), before any averaging. */
function elementLoss(name: LossName, target: tf.Tensor2D, output: tf.Tensor2D): tf.Tensor2D {
  switch (name) {
    case 'mse':
      return tf.squaredDifference(target, output);
    case 'bce': {
      const p = tf.clipByValue(output, BCE_EPSILON, 1 - BCE_EPSILON);
      return tf.neg(tf.add(tf.mul(target, tf.log(p)), tf.mul(tf.sub(1, target), tf.log(tf.sub(1, p))))) as tf.Tensor2D;
    }
  }
}

/** Per-row mean over features of the training loss `name` (mse or bce). */
export function rowReconstructionLoss(name: LossName, target: tf.Tensor2D, output: tf.Tensor2D): tf.Tensor1D {
  return tf.mean(elementLoss(name, target, output), 1) as tf.Tensor1D;
}

/**
 * Per-slot loss of a mixed-type reconstruction (rows x slots), the outputs read as logits outside numeric
 * blocks: squared error in `numeric` blocks, sigmoid cross-entropy in `binary` ones, and -t·log softmax over
 * each `categorical` block (its slots sum to the block's cross-entropy).
 */
export function blockElementLoss(blocks: readonly FeatureBlock[], target: tf.Tensor2D, output: tf.Tensor2D): tf.Tensor2D {
  const parts = lossRuns(blocks).map((b) => {
    const t = tf.slice(target, [0, b.start], [-1, b.width]);
    const o = tf.slice(output, [0, b.start], [-1, b.width]);
    if (b.loss === 'numeric') return tf.squaredDifference(t, o);
    // Sigmoid cross-entropy on logits in its overflow-free form: max(o, 0) - o·t + log(1 + e^-|o|).
    if (b.loss === 'binary') return tf.add(tf.sub(tf.relu(o), tf.mul(o, t)), tf.log1p(tf.exp(tf.neg(tf.abs(o)))));
    return tf.neg(tf.mul(t, tf.logSoftmax(o)));
  });
  return (parts.length === 1 ? parts[0] : tf.concat(parts, 1)) as tf.Tensor2D;
}

/**
 * The blocks in slot order, with adjacent numeric blocks (and adjacent binary ones) joined into one run:
 * their losses are elementwise, so a run gives the same values as its blocks one by one, in one slice and
 * one op instead of one per column (on a KDD set of bench/peers/mixed/, 26 numeric columns as 26 slices made
 * a training step about 11 ms instead of 2.5-5 ms: bench/peers/mixed/fit-steps.ts). A categorical block stays
 * alone: its softmax is its own.
 */
function lossRuns(blocks: readonly FeatureBlock[]): Pick<FeatureBlock, 'loss' | 'start' | 'width'>[] {
  const runs: Pick<FeatureBlock, 'loss' | 'start' | 'width'>[] = [];
  for (const b of [...blocks].sort((x, y) => x.start - y.start)) {
    const last = runs.at(-1);
    if (last !== undefined && b.loss !== 'categorical' && last.loss === b.loss && last.start + last.width === b.start) last.width += b.width;
    else runs.push({ loss: b.loss, start: b.start, width: b.width });
  }
  return runs;
}

/**
 * Per-row mixed-type loss: the mean over original columns of each column's loss (numeric blocks the mean of
 * their squared errors, binary and categorical their cross-entropy), so a 40-slot one-hot block weighs as
 * much as one numeric column (models/feature-encoding.ts `slotWeights`).
 */
export function blockRowLoss(blocks: readonly FeatureBlock[], target: tf.Tensor2D, output: tf.Tensor2D): tf.Tensor1D {
  const width = target.shape[1];
  const weights = tf.tensor1d(slotWeights(blocks, width));
  return tf.div(tf.sum(tf.mul(blockElementLoss(blocks, target, output), weights), 1), blocks.length) as tf.Tensor1D;
}

/** Reconstruction term alone: mean over rows and features of the per-element loss against `target`. */
export function reconstructionLoss(name: LossName): LossTerm {
  // Mean squared error by its own op, which on native TensorFlow is one kernel with a two-op gradient.
  if (name === 'mse') return ({ target, output }) => meanSquaredError(target, output);
  return ({ target, output }) => tf.mean(elementLoss(name, target, output)) as tf.Scalar;
}

/**
 * Trimmed reconstruction term: the per-row loss averaged over the `1 − trim` fraction of the batch's rows that
 * the network rebuilds best. Rows above that quantile (in contaminated training data, mostly the anomalies)
 * add nothing and get no gradient, so the network does not learn to rebuild them. The mask is recomputed from
 * the current errors at every step; at least one row is always kept.
 */
export function trimmedReconstructionLoss(name: LossName, trim: number): LossTerm {
  return trimmedRowLoss((target, output) => rowReconstructionLoss(name, target, output), trim);
}

/** {@link trimmedReconstructionLoss} of any per-row loss. */
function trimmedRowLoss(rowLoss: (target: tf.Tensor2D, output: tf.Tensor2D) => tf.Tensor1D, trim: number): LossTerm {
  const trimmedMean = tf.customGrad(((rowLoss: tf.Tensor, save: tf.GradSaveFunc) => {
    const rows = rowLoss.shape[0] as number;
    const keep = Math.max(1, rows - Math.floor(trim * rows));
    // The keep-th smallest loss: -topk(-x, keep) ends with it.
    const kept = tf.neg(tf.topk(tf.neg(rowLoss), keep).values);
    const cutoff = tf.max(kept);
    const mask = tf.cast(tf.lessEqual(rowLoss, cutoff), 'float32');
    const weights = tf.div(mask, tf.sum(mask));
    save([weights]);
    return { value: tf.sum(tf.mul(rowLoss, weights)) as tf.Scalar, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, saved[0]) };
  }) as Parameters<typeof tf.customGrad<tf.Scalar>>[0]);
  return ({ target, output }) => trimmedMean(rowLoss(target, output)) as tf.Scalar;
}

/** L1 activity penalty: `weight · mean over rows of Σ_j |code_j|` (tf.keras `activity_regularizer=l1(weight)`). */
export function l1SparsityPenalty(weight: number): LossTerm {
  return ({ code }) => tf.mul(weight, tf.mean(tf.sum(tf.abs(code), 1))) as tf.Scalar;
}

/**
 * KL sparsity penalty: `weight · Σ_j KL(ρ ‖ ρ̂_j)`, ρ̂_j the mean activation of code unit j over the batch
 * (clipped into (0, 1) so the logs stay finite), KL(ρ‖q) = ρ log(ρ/q) + (1−ρ) log((1−ρ)/(1−q)).
 */
export function klSparsityPenalty(target: number, weight: number): LossTerm {
  return ({ code }) => {
    const q = tf.clipByValue(tf.mean(code, 0), KL_SPARSITY_EPSILON, 1 - KL_SPARSITY_EPSILON);
    const kl = tf.add(tf.mul(target, tf.log(tf.div(target, q))), tf.mul(1 - target, tf.log(tf.div(1 - target, tf.sub(1, q)))));
    return tf.mul(weight, tf.sum(kl)) as tf.Scalar;
  };
}

/**
 * Contractive penalty: `weight · mean over rows of ‖∂code/∂x‖²_F`, at the input the network saw, from the
 * network's closed form.
 */
export function contractivePenalty(weight: number, network: AutoencoderNetwork): LossTerm {
  const jacobian = network.codeJacobianSquaredNorm?.bind(network);
  if (jacobian === undefined) {
    throw new ModelConfigError('contractive', 'autoencoder: this network has no closed-form encoder Jacobian; contractive needs a dense encoder');
  }
  return ({ input }) => tf.mul(weight, tf.mean(jacobian(input))) as tf.Scalar;
}

/**
 * Variational KL term: `beta · mean over rows of KL(N(μ, σ²) ‖ N(0, I)) / inputDim`. Divided by the input
 * width because the reconstruction term is a mean over features: the sum is then the negative ELBO per
 * feature (exactly, for bce and beta 1).
 */
export function variationalKlTerm(beta: number, inputDim: number): LossTerm {
  return ({ codeMean, codeLogVar }) => {
    if (codeMean === undefined || codeLogVar === undefined) {
      throw new ModelConfigError('variational', 'autoencoder: the forward pass has no code mean / log-variance; variational needs the variational network');
    }
    return tf.mul(beta / inputDim, tf.mean(gaussianKl(codeMean, codeLogVar))) as tf.Scalar;
  };
}

/**
 * The training objective for `config`: the reconstruction loss plus the regularisation terms its variant
 * options ask for (sparse L1/KL on the code, contractive, variational KL). The training loop never changes;
 * a new penalty is one more `LossTerm` here.
 */
export function buildLoss(config: ResolvedAutoencoderConfig, network: AutoencoderNetwork, inputDim: number): LossTerm {
  const blocks = config.blocks ?? null;
  const reconstruction: LossTerm =
    blocks === null
      ? config.trim > 0
        ? trimmedReconstructionLoss(config.loss, config.trim)
        : reconstructionLoss(config.loss)
      : config.trim > 0
        ? trimmedRowLoss((t, o) => blockRowLoss(blocks, t, o), config.trim)
        : ({ target, output }) => tf.mean(blockRowLoss(blocks, target, output)) as tf.Scalar;
  const terms: LossTerm[] = [reconstruction];
  const { sparsity, contractive, variational } = config;
  if (sparsity?.type === 'l1') terms.push(l1SparsityPenalty(sparsity.weight));
  if (sparsity?.type === 'kl') terms.push(klSparsityPenalty(sparsity.target, sparsity.weight));
  if (contractive !== null) terms.push(contractivePenalty(contractive.weight, network));
  if (variational !== null) terms.push(variationalKlTerm(variational.beta, inputDim));
  if (terms.length === 1) return terms[0];
  return (pass) => tf.addN(terms.map((term) => term(pass))) as tf.Scalar;
}
