import * as tf from './tf.js';
import { NATIVE_BACKEND, isNativeBackend, nativeOps, registeredOnce } from './native-ops.js';

const KERNEL = 'LatentflowMeanSquaredError';

/**
 * Mean over every element of `(target − output)²`, a scalar: `tf.mean(tf.squaredDifference(target, output))`.
 * On the native backend it is one tfjs kernel (`SquaredDifference`, `Mean`) whose gradient is
 * `2·dy/n · (output − target)` in two TensorFlow ops, instead of about a dozen tfjs kernels for the two
 * ops' stock gradients (native-ops.ts says why that matters); elsewhere it is those two ops.
 */
export function meanSquaredError(target: tf.Tensor, output: tf.Tensor): tf.Scalar {
  if (!isNativeBackend()) return tf.mean(tf.squaredDifference(target, output));
  ensureRegistered();
  return tf.engine().runKernel(KERNEL, { target, output }, {}) as tf.Scalar;
}

const ensureRegistered = registeredOnce(
  {
    kernelName: KERNEL,
    backendName: NATIVE_BACKEND,
    kernelFunc: ({ inputs, backend }) => {
      const ops = nativeOps(backend as tf.KernelBackend);
      const { target, output } = inputs as Record<'target' | 'output', tf.TensorInfo>;
      const squared = ops.elementwise('SquaredDifference', target, output);
      const axes = tf.tensor1d(target.shape.map((_, i) => i), 'int32');
      const mean = ops.meanAll(squared, axes);
      squared.dispose();
      axes.dispose();
      return mean;
    },
  },
  {
    kernelName: KERNEL,
    inputsToSave: ['target', 'output'],
    gradFunc: (dy, saved) => {
      const [target, output] = saved;
      const ops = nativeOps();
      const scale = tf.scalar(2 / target.size);
      // d/d output of mean((t − o)²) is 2(o − t)/n; the target's is its negative.
      const scaled = ops.elementwise('Mul', ops.elementwise('Sub', output, target), ops.elementwise('Mul', dy as tf.Tensor, scale));
      return { output: () => scaled, target: () => ops.elementwise('Neg', scaled) };
    },
  },
);
