import * as tf from '../../../src/runtime/tf.js';
import { beforeAll, describe, expect, test } from 'vitest';
import { dense, denseWithProductGradient, type FusedActivation } from '../../../src/models/autoencoder/dense-op.js';
import { selectBackend } from '../../../src/runtime/backend.js';
import { relativeGap } from '../tensor-gap.js';

beforeAll(async () => {
  await selectBackend();
});

describe('dense: the fused layer, with a product gradient for wasm (checked here on whichever backend runs)', () => {
  test('dense takes the product gradient on wasm and tfjs\'s fused kernel elsewhere, with the same value', () => {
    const x = tf.randomNormal([5, 4], 0, 1, 'float32', 4) as tf.Tensor2D;
    const w = tf.randomNormal([4, 3], 0, 1, 'float32', 5) as tf.Tensor2D;
    const b = tf.tensor1d([0.1, -0.2, 0.3]);
    const [ours, stock] = [dense(x, w, b, 'relu'), tf.fused.matMul({ a: x, b: w, bias: b, activation: 'relu' })];
    expect(relativeGap(ours, stock)).toBe(0);
    [x, w, b, ours, stock].forEach((t) => t.dispose());
  });

  test.each<FusedActivation>(['relu', 'linear'])('%s: value and the gradients of x, kernel and bias equal tf.fused.matMul\'s', (activation) => {
    const x = tf.randomNormal([37, 11], 0, 1, 'float32', 1) as tf.Tensor2D;
    const w = tf.randomNormal([11, 7], 0, 1, 'float32', 2) as tf.Tensor2D;
    // One pre-activation exactly 0 (row 0, unit 0): ReLU's gradient there is 0 in both.
    const b = tf.tensor1d([-tf.matMul(tf.slice(x, [0, 0], [1, 11]), tf.slice(w, [0, 0], [11, 1])).dataSync()[0], 0.1, -0.2, 0.3, 0, 0.5, -1]);
    const weights = tf.randomNormal([37, 7], 0, 1, 'float32', 3);
    const loss = (f: (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor) => (xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) =>
      tf.sum(tf.mul(f(xi as tf.Tensor2D, wi as tf.Tensor2D, bi as tf.Tensor1D), weights)) as tf.Scalar;
    const ours = tf.grads(loss((xi, wi, bi) => denseWithProductGradient(xi, wi, bi, activation)))([x, w, b]);
    const stock = tf.grads(loss((xi, wi, bi) => tf.fused.matMul({ a: xi, b: wi, bias: bi, activation })))([x, w, b]);
    expect(relativeGap(denseWithProductGradient(x, w, b, activation), tf.fused.matMul({ a: x, b: w, bias: b, activation }))).toBe(0);
    ours.forEach((g, i) => {
      expect(g.shape).toEqual(stock[i].shape);
      expect(relativeGap(g, stock[i]), `gradient ${['x', 'kernel', 'bias'][i]}`).toBeLessThan(1e-5);
    });
    // The gradients are not trivially equal: they depend on the inputs (bias gradient of a linear layer is the column sum of the weights).
    if (activation === 'linear') expect(relativeGap(ours[2], tf.sum(weights, 0))).toBeLessThan(1e-5);
    [x, w, b, weights, ...ours, ...stock].forEach((t) => t.dispose());
  });

  test.each<FusedActivation>(['relu', 'linear'])('%s with a constant input: the same kernel and bias gradients, and zeros for the input', (activation) => {
    const x = tf.randomNormal([23, 9], 0, 1, 'float32', 11) as tf.Tensor2D;
    const w = tf.randomNormal([9, 5], 0, 1, 'float32', 12) as tf.Tensor2D;
    const b = tf.tensor1d([0.2, -0.1, 0, 0.4, -0.3]);
    const weights = tf.randomNormal([23, 5], 0, 1, 'float32', 13);
    const loss = (isInputConstant: boolean) => (xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) =>
      tf.sum(tf.mul(denseWithProductGradient(xi as tf.Tensor2D, wi as tf.Tensor2D, bi as tf.Tensor1D, activation, isInputConstant), weights)) as tf.Scalar;
    const full = tf.grads(loss(false))([x, w, b]);
    const constant = tf.grads(loss(true))([x, w, b]);
    expect(relativeGap(constant[1], full[1])).toBe(0);
    expect(relativeGap(constant[2], full[2])).toBe(0);
    expect(Math.max(...constant[0].dataSync().map(Math.abs))).toBe(0);
    // The full input gradient is not zero, so the constant one is a real difference.
    expect(Math.max(...full[0].dataSync().map(Math.abs))).toBeGreaterThan(0.1);
    [x, w, b, weights, ...full, ...constant].forEach((t) => t.dispose());
  });

  test('a gradient step creates no tensors that outlive it', () => {
    const x = tf.randomNormal([16, 5]) as tf.Tensor2D;
    const w = tf.variable(tf.randomNormal([5, 3]));
    const b = tf.variable(tf.zeros([3]));
    const optimizer = tf.train.sgd(0.1);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) {
      tf.tidy(() => {
        optimizer.minimize(() => tf.mean(tf.square(denseWithProductGradient(x, w as unknown as tf.Tensor2D, b as unknown as tf.Tensor1D, 'relu'))) as tf.Scalar, false, [w, b]);
      });
    }
    expect(tf.memory().numTensors).toBe(before);
    [x, w, b].forEach((t) => t.dispose());
    optimizer.dispose();
  });
});
