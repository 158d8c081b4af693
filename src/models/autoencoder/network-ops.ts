import * as tf from '../../runtime/tf.js';
import type { Activation } from './autoencoder-options.js';

/**
 * Tensor helpers shared by the networks. Every function returns new tensors and must run inside `tf.tidy`
 * (or the caller disposes the result).
 */

/** SELU constants (Klambauer et al. 2017), as TensorFlow.js uses them. */
const SELU_SCALE = 1.0507009873554805;
const SELU_ALPHA = 1.6732632423543772;

/** `activation(z)` elementwise, with the same definitions as the tfjs layers. */
export function activate(activation: Activation, z: tf.Tensor): tf.Tensor {
  switch (activation) {
    case 'linear':
      return z;
    case 'relu':
      return tf.relu(z);
    case 'sigmoid':
      return tf.sigmoid(z);
    case 'tanh':
      return tf.tanh(z);
    case 'elu':
      return tf.elu(z);
    case 'selu':
      return tf.selu(z);
  }
}

/**
 * The derivative of `activation` at the pre-activation `z`, elementwise, as a differentiable tensor (its
 * gradient with respect to `z` exists wherever the derivative is smooth). ReLU's derivative is a step with
 * value 0 at 0, as in the tfjs ReLU gradient.
 */
export function activationDerivative(activation: Activation, z: tf.Tensor): tf.Tensor {
  switch (activation) {
    case 'linear':
      return tf.onesLike(z);
    case 'relu':
      return tf.step(z);
    case 'sigmoid': {
      const s = tf.sigmoid(z);
      return tf.mul(s, tf.sub(1, s));
    }
    case 'tanh':
      return tf.sub(1, tf.square(tf.tanh(z)));
    case 'elu':
      return tf.where(tf.greater(z, 0), tf.onesLike(z), tf.exp(tf.minimum(z, 0)));
    case 'selu':
      return tf.mul(SELU_SCALE, tf.where(tf.greater(z, 0), tf.onesLike(z), tf.mul(SELU_ALPHA, tf.exp(tf.minimum(z, 0)))));
  }
}

/** Inverted dropout: zero each unit with probability `rate`, scale survivors by 1 / (1 - rate). */
export function dropOut<T extends tf.Tensor>(h: T, rate: number, seed: number): T {
  const keep = tf.greaterEqual(tf.randomUniform(h.shape, 0, 1, 'float32', seed), rate);
  return tf.mul(h, tf.div(tf.cast(keep, 'float32'), 1 - rate)) as T;
}

/** The kernel and bias variables of a Dense or Conv2D layer (the same objects the optimizer updates). */
export function kernelAndBias(layer: tf.layers.Layer): { kernel: tf.Tensor; bias: tf.Tensor } {
  const [kernel, bias] = layer.trainableWeights.map((w) => w.read());
  return { kernel, bias };
}
