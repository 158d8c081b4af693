import * as tf from '@tensorflow/tfjs';
import type { LossName, ResolvedAutoencoderConfig } from './autoencoder-config.js';
import type { ForwardPass } from './dense-network.js';

/**
 * One additive part of the training objective, computed from a forward pass; returns a scalar averaged over
 * the batch so that batches of different sizes weigh the same per row. Runs inside `tf.tidy`.
 */
export type LossTerm = (pass: ForwardPass) => tf.Scalar;

/** Probabilities are clipped this far from 0 and 1 so the cross-entropy stays finite (as Keras does). */
const BCE_EPSILON = 1e-7;

/** Reconstruction term alone: mean over rows and features of the per-element loss. */
export function reconstructionLoss(name: LossName): LossTerm {
  switch (name) {
    case 'mse':
      return ({ input, output }) => tf.mean(tf.squaredDifference(input, output)) as tf.Scalar;
    case 'bce':
      return ({ input, output }) => {
        const p = tf.clipByValue(output, BCE_EPSILON, 1 - BCE_EPSILON);
        const logLikelihood = tf.add(tf.mul(input, tf.log(p)), tf.mul(tf.sub(1, input), tf.log(tf.sub(1, p))));
        return tf.neg(tf.mean(logLikelihood)) as tf.Scalar;
      };
  }
}

/**
 * The training objective for `config`: the reconstruction loss plus any regularisation terms. Variants
 * (sparse L1/KL penalties on `code`/`hidden`, contractive, variational KL) add their terms here, so the
 * training loop never changes.
 */
export function buildLoss(config: ResolvedAutoencoderConfig): LossTerm {
  const terms: LossTerm[] = [reconstructionLoss(config.loss)];
  if (terms.length === 1) return terms[0];
  return (pass) => tf.addN(terms.map((term) => term(pass))) as tf.Scalar;
}
