import * as tf from '../../runtime/tf.js';
import { nativeDense } from '../../runtime/native-dense.js';
import { isNativeBackend } from '../../runtime/native-ops.js';

/** The activations {@link dense} fuses into its kernel. */
export type FusedActivation = 'relu' | 'linear';

/**
 * `activation(x · kernel + bias)` as one fused kernel, with a gradient written for the wasm backend. The
 * stock gradient of `tf.fused.matMul` multiplies with transposed operands (`matMul(dy, w, false, true)`,
 * `matMul(x, dy, true, false)`) and reduces the bias gradient with `sum(dy, 0)`. On wasm only the plain
 * product takes XNNPACK's fast path; the transposed ones and the column sum run scalar loops and were 60 %
 * of a training step's kernel time on a 30-40-10-40-30 network at batch 256 (bench/dense-gradient.ts).
 * Here the transposes are explicit (a cheap copy), and the bias gradient is `ones(1, n) · dy`. The values
 * are the same products, summed in another order, so they agree to float32 rounding.
 */
function denseOp(activation: FusedActivation, isInputConstant: boolean) {
  return tf.customGrad(((x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor1D, save: tf.GradSaveFunc) => {
    const y = tf.fused.matMul({ a: x, b: kernel, bias, activation });
    // The gradient reads the kernel from this closure instead of `save`: tfjs keeps a saved tensor as a clone,
    // which on wasm is a copy (Identity) of the whole kernel, every step. Safe because the kernel is a weight
    // variable, or a tensor of the caller, that outlives the gradient (tf.grad / variableGrads run the forward
    // and the backward pass in one call). The input and output are saved: read from the closure, a layer's
    // input (the previous layer's output) had been disposed when the gradient ran (dense-op.test.ts).
    save([x, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
        const [input, w, output] = [saved[0], kernel, saved[1]];
        // ReLU's derivative from its output: y > 0 exactly where the pre-activation is (0 at 0, as tfjs).
        const g = activation === 'relu' ? tf.mul(dy, tf.step(output)) : dy;
        // A constant input (the batch itself) needs no gradient: zeros instead of its product, which on a wide
        // first layer is a sixth of a training step's arithmetic.
        const dx = isInputConstant ? tf.zerosLike(input) : tf.matMul(g, tf.transpose(w));
        const dw = tf.matMul(tf.transpose(input), g);
        const [rows, units] = g.shape as [number, number];
        const db = tf.reshape(tf.matMul(tf.ones([1, rows]), g), [units]);
        return [dx, dw, db];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad<tf.Tensor2D>>[0]);
}

const OPS: Record<FusedActivation, ReturnType<typeof denseOp>> = { relu: denseOp('relu', false), linear: denseOp('linear', false) };
/** The same ops for a constant input: gradients reach the kernel and bias only. */
const CONSTANT_INPUT_OPS: Record<FusedActivation, ReturnType<typeof denseOp>> = { relu: denseOp('relu', true), linear: denseOp('linear', true) };

/**
 * The dense layer with the gradient above, on any backend (what {@link dense} uses on wasm; tests check its
 * gradient on whichever backend they run).
 * @internal
 */
export function denseWithProductGradient(x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor1D, activation: FusedActivation, isInputConstant = false): tf.Tensor2D {
  return (isInputConstant ? CONSTANT_INPUT_OPS : OPS)[activation](x, kernel, bias) as tf.Tensor2D;
}

/**
 * A dense layer's forward pass: on wasm through the gradient above, on native TensorFlow as its own kernel
 * ({@link nativeDense}: a tfjs kernel costs more there than these products), elsewhere `tf.fused.matMul`
 * itself (the cpu backend's kernels take transposed operands directly, so the copies would only add work
 * there). `isInputConstant` (default false) promises that nothing differentiates with respect to `x` (a
 * training step's first layer, whose input is the batch): on wasm its gradient is then zeros, not a
 * product (the native kernel skips it by itself). Leave it false wherever a gradient with respect to the
 * input is taken (the code Jacobian).
 */
export function dense(x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor1D, activation: FusedActivation, isInputConstant = false): tf.Tensor2D {
  if (isNativeBackend()) return nativeDense(x, kernel, bias, activation);
  if (tf.getBackend() !== 'wasm') return tf.fused.matMul({ a: x, b: kernel, bias, activation }) as tf.Tensor2D;
  return denseWithProductGradient(x, kernel, bias, activation, isInputConstant);
}
