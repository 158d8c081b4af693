import * as tf from '../../src/runtime/tf.js';
import { beforeAll, describe, expect, test } from 'vitest';
import { selectBackend } from '../../src/runtime/backend.js';
import { nativeDense } from '../../src/runtime/native-dense.js';
import { meanSquaredError } from '../../src/runtime/native-mse.js';
import { isNativeBackend, nativeOps, ONEDNN_MIN_MACS } from '../../src/runtime/native-ops.js';
import { relativeGap } from '../models/tensor-gap.js';

// The kernels exist on the native backend only; elsewhere there is nothing to check (meanSquaredError is
// then tfjs' own ops, which the autoencoder tests cover).
let isNative = false;
beforeAll(async () => {
  await selectBackend();
  isNative = isNativeBackend();
});

describe('native kernels: the same values and gradients as the tfjs ops they replace', () => {
  test.for(['relu', 'linear'] as const)('nativeDense %s: value and gradients of x, kernel and bias equal tf.fused.matMul\'s within 1e-5', (activation, ctx) => {
    if (!isNative) return ctx.skip();
    const x = tf.randomNormal([37, 11], 0, 1, 'float32', 1) as tf.Tensor2D;
    const w = tf.randomNormal([11, 7], 0, 1, 'float32', 2) as tf.Tensor2D;
    // One pre-activation exactly 0 (row 0, unit 0): ReLU's gradient there is 0 in both.
    const b = tf.tensor1d([-tf.matMul(tf.slice(x, [0, 0], [1, 11]), tf.slice(w, [0, 0], [11, 1])).dataSync()[0], 0.1, -0.2, 0.3, 0, 0.5, -1]);
    const weights = tf.randomNormal([37, 7], 0, 1, 'float32', 3);
    const before = tf.memory().numTensors;
    const loss = (f: (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor) => (xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) =>
      tf.sum(tf.mul(f(xi as tf.Tensor2D, wi as tf.Tensor2D, bi as tf.Tensor1D), weights)) as tf.Scalar;
    const ours = tf.grads(loss((xi, wi, bi) => nativeDense(xi, wi, bi, activation)))([x, w, b]);
    const stock = tf.grads(loss((xi, wi, bi) => tf.fused.matMul({ a: xi, b: wi, bias: bi, activation })))([x, w, b]);
    expect(tf.memory().numTensors - before).toBe(6);
    const [value, stockValue] = tf.tidy(() => [nativeDense(x, w, b, activation), tf.fused.matMul({ a: x, b: w, bias: b, activation })]);
    expect(relativeGap(value, stockValue)).toBeLessThan(1e-5);
    ours.forEach((g, i) => {
      expect(g.shape).toEqual(stock[i].shape);
      expect(relativeGap(g, stock[i]), `gradient ${['x', 'kernel', 'bias'][i]}`).toBeLessThan(1e-5);
    });
    // Not trivially equal: a linear layer's bias gradient is the column sum of the weights.
    if (activation === 'linear') expect(relativeGap(ours[2], tf.sum(weights, 0))).toBeLessThan(1e-5);
    [x, w, b, weights, value, stockValue, ...ours, ...stock].forEach((t) => t.dispose());
  });

  test('NativeOps.matMul equals tf.matMul within 1e-5 for every transpose, below and above ONEDNN_MIN_MACS (its two ops)', (ctx) => {
    if (!isNative) return ctx.skip();
    for (const [m, k, n] of [[9, 13, 5], [64, 200, 160]]) {
      expect(m * k * n < ONEDNN_MIN_MACS).toBe(m === 9);
      for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
        tf.tidy(() => {
          const a = tf.randomNormal(ta ? [k, m] : [m, k], 0, 1, 'float32', 7);
          const b = tf.randomNormal(tb ? [n, k] : [k, n], 0, 1, 'float32', 8);
          const ours = nativeOps().matMul(a, b, ta, tb);
          expect(ours.shape).toEqual([m, n]);
          expect(relativeGap(ours, tf.matMul(a, b, ta, tb)), `${m}x${k}x${n} ${ta} ${tb}`).toBeLessThan(1e-5);
        });
      }
    }
  });

  test('meanSquaredError: value and gradients of both inputs equal tf.mean(tf.squaredDifference) within 1e-6', (ctx) => {
    if (!isNative) return ctx.skip();
    const t = tf.randomNormal([13, 6], 0, 1, 'float32', 5);
    const o = tf.randomNormal([13, 6], 0, 1, 'float32', 6);
    // A factor after the loss, so the incoming gradient is not 1.
    const ours = tf.grads((ti: tf.Tensor, oi: tf.Tensor) => tf.mul(meanSquaredError(ti, oi), 3) as tf.Scalar)([t, o]);
    const stock = tf.grads((ti: tf.Tensor, oi: tf.Tensor) => tf.mul(tf.mean(tf.squaredDifference(ti, oi)), 3) as tf.Scalar)([t, o]);
    const [value, stockValue] = tf.tidy(() => [meanSquaredError(t, o), tf.mean(tf.squaredDifference(t, o))]);
    expect(relativeGap(value, stockValue)).toBeLessThan(1e-6);
    expect(value.dataSync()[0]).toBeGreaterThan(1);
    ours.forEach((g, i) => expect(relativeGap(g, stock[i]), ['target', 'output'][i]).toBeLessThan(1e-6));
    [t, o, value, stockValue, ...ours, ...stock].forEach((x) => x.dispose());
  });
});
