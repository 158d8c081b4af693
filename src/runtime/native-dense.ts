import * as tf from './tf.js';
import { NATIVE_BACKEND, nativeOps, registeredOnce } from './native-ops.js';

/** The activations {@link nativeDense} fuses into its kernel. */
export type NativeDenseActivation = 'relu' | 'linear';

const KERNEL = 'LatentflowDense';

/**
 * `activation(x · kernel + bias)` on the native backend as one tfjs kernel of two or three TensorFlow ops
 * (`BatchMatMulV2` on 2-D operands, `BiasAdd`, `Relu`). `tf.fused.matMul` costs about ten tfjs kernels
 * there (tfjs-node composes it from a 3-D `matMul` with its Reshapes, an `add` and the activation), and its
 * gradient ten more
 * (tfjs-node's `Step`, ReLU's derivative, alone is six TensorFlow ops). The gradient here: `ReluGrad`, then
 * per input one op (a product with a transposed operand, `BiasAddGrad`), each run only when the tape needs
 * that input, so a first layer, whose input is the batch, skips its input gradient. Same products and
 * sums as the stock gradient. Not differentiable twice (the gradient's ops are not recorded).
 */
export function nativeDense(x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor1D, activation: NativeDenseActivation): tf.Tensor2D {
  ensureRegistered();
  return tf.engine().runKernel(KERNEL, { x, kernel, bias }, { activation }) as tf.Tensor2D;
}

const ensureRegistered = registeredOnce(
  {
    kernelName: KERNEL,
    backendName: NATIVE_BACKEND,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const ops = nativeOps(backend as tf.KernelBackend);
      const { x, kernel, bias } = inputs as Record<'x' | 'kernel' | 'bias', tf.TensorInfo>;
      const product = ops.matMul(x, kernel);
      const z = ops.biasAdd(product, bias);
      product.dispose();
      if ((attrs as { activation: NativeDenseActivation }).activation === 'linear') return z;
      const y = ops.elementwise('Relu', z);
      z.dispose();
      return y;
    },
  },
  {
    kernelName: KERNEL,
    inputsToSave: ['x', 'kernel'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [x, kernel, y] = saved;
      const ops = nativeOps();
      // ReLU's derivative from its output: y > 0 exactly where the pre-activation is (0 at 0, as tfjs).
      const g = (attrs as { activation: NativeDenseActivation }).activation === 'relu' ? ops.reluGrad(dy as tf.Tensor, y) : (dy as tf.Tensor);
      return {
        x: () => ops.matMul(g, kernel, false, true),
        kernel: () => ops.matMul(x, g, true, false),
        bias: () => ops.biasAddGrad(g),
      };
    },
  },
);
