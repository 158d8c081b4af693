// TensorFlow ops called straight on the native backend (@tensorflow/tfjs-node), for the few composite
// kernels latentflow registers there (native-dense.ts, native-mse.ts). Why: on that backend a
// tfjs op costs about 45 us of CPU before TensorFlow runs anything (op wrapper, engine bookkeeping, kernel
// lookup, and often Reshapes with an uploaded shape tensor: tfjs' matMul reshapes both operands to 3-D and
// back), while the TensorFlow op behind it costs 5-20 us (`npx tsx bench/native-op-cost.ts`). A kernel
// that runs several TensorFlow ops pays the first cost once.
import * as tf from './tf.js';

/**
 * The part of tfjs-node's `NodeJSKernelBackend` the native modules use (it exports no types for it): tfjs
 * ops on tensors, and its binding on raw TensorFlow handles.
 */
export interface NativeBackend {
  binding: {
    TF_FLOAT: number;
    TF_INT32: number;
    TF_INT64: number;
    TF_ATTR_TYPE: number;
    TF_ATTR_BOOL: number;
    TF_ATTR_INT: number;
    TF_ATTR_STRING: number;
    TF_ATTR_SHAPE: number;
    createTensor(shape: number[], dtype: number, values: Int32Array): number;
    executeOp(name: string, attrs: { name: string; type: number; value: unknown }[], inputs: number[], outputs: number): { id: number; shape: number[]; dtype: number }[];
    tensorDataSync(id: number): BigInt64Array;
    deleteTensor(id: number): void;
  };
  executeSingleOutput(name: string, attrs: NativeAttr[], inputs: tf.TensorInfo[]): tf.Tensor;
  executeMultipleOutputs(name: string, attrs: NativeAttr[], inputs: tf.TensorInfo[], outputs: number): tf.Tensor[];
  getInputTensorIds(tensors: tf.TensorInfo[]): number[];
  createOutputTensor(metadata: { id: number; shape: number[]; dtype: number }): tf.Tensor;
}

/** One attribute of a TensorFlow op, as tfjs-node's binding takes it. */
interface NativeAttr {
  name: string;
  type: number;
  value: number | boolean;
}

/**
 * Fewest multiply-adds (rows x inner x columns) for which {@link NativeOps.matMul} takes oneDNN's kernel:
 * between the wide autoencoder's 0.5 M (64 x 256 x 30, faster in Eigen) and 12.8 M (64 x 784 x 256, faster
 * in oneDNN).
 */
export const ONEDNN_MIN_MACS = 2_000_000;

/** Name of the native backend as TensorFlow.js registers it. */
export const NATIVE_BACKEND = 'tensorflow';

/** True when the active backend is native TensorFlow, where the kernels of this folder are registered. */
export function isNativeBackend(): boolean {
  return tf.getBackend() === NATIVE_BACKEND;
}

/**
 * Registers a native kernel and its gradient on first use, so importing a module that defines one costs
 * nothing on the other backends.
 */
export function registeredOnce(kernel: tf.KernelConfig, gradient: tf.GradConfig): () => void {
  let isRegistered = false;
  return () => {
    if (isRegistered) return;
    isRegistered = true;
    tf.registerKernel(kernel);
    tf.registerGradient(gradient);
  };
}

const OPS = new WeakMap<object, NativeOps>();

/** The {@link NativeOps} of `backend` (a kernel's `args.backend`, or the registered native backend). */
export function nativeOps(backend: tf.KernelBackend | undefined = tf.findBackend(NATIVE_BACKEND) ?? undefined): NativeOps {
  if (backend === undefined) throw new Error('native ops: the tensorflow backend is not registered');
  let ops = OPS.get(backend);
  if (ops === undefined) OPS.set(backend, (ops = new NativeOps(backend)));
  return ops;
}

/**
 * TensorFlow ops on float32 tensors of the native backend. Every result is a new tensor tracked by the
 * active `tf.tidy` scope, as a kernel's own outputs are; intermediate ones are the caller's to dispose.
 */
export class NativeOps {
  private readonly backend: NativeBackend;
  private readonly floatType: NativeAttr;

  constructor(backend: tf.KernelBackend) {
    this.backend = backend as unknown as NativeBackend;
    this.floatType = { name: 'T', type: this.backend.binding.TF_ATTR_TYPE, value: this.backend.binding.TF_FLOAT };
  }

  /** A binary or unary elementwise op (`Add`, `Sub`, `Mul`, `RealDiv`, `Sqrt`, `Square`, …), with broadcasting. */
  elementwise(name: string, ...inputs: tf.TensorInfo[]): tf.Tensor {
    return this.backend.executeSingleOutput(name, [this.floatType], inputs);
  }

  /**
   * `op(a) · op(b)` of two matrices, no reshapes (the ops take transposed operands themselves). Products
   * of at least {@link ONEDNN_MIN_MACS} multiply-adds run `BatchMatMulV2` on 2-D operands, which this build
   * hands to oneDNN; smaller ones `BatchMatMulV3`, which it leaves to Eigen: a oneDNN call costs about
   * 80 us whatever the size, so the wide autoencoder's 64 x 256 x 30 products took 80 us there against
   * 14-17 us in Eigen, while its 64 x 784 x 256 ones took 170-210 us against 150-550 (load 6,
   * `LATENTFLOW_BACKEND=tensorflow npx tsx bench/native-op-cost.ts`). Not
   * `MatMul`: the oneDNN `MatMul` kernel of the TensorFlow 2.21 wheel corrupted the heap in a training loop
   * (glibc "corrupted size vs. prev_size", aborting inside MklMatMulOp::MklBlasGemm; seen when a CPU
   * profiler's signals ran beside it); the batch-matmul kernels never did in the same runs.
   */
  matMul(a: tf.TensorInfo, b: tf.TensorInfo, transposeA = false, transposeB = false): tf.Tensor {
    const { TF_ATTR_BOOL } = this.backend.binding;
    const [m, k] = transposeA ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
    const n = transposeB ? b.shape[0] : b.shape[1];
    const adjoints = [
      { name: 'adj_x', type: TF_ATTR_BOOL, value: transposeA },
      { name: 'adj_y', type: TF_ATTR_BOOL, value: transposeB },
    ];
    if (m * k * n >= ONEDNN_MIN_MACS) return this.backend.executeSingleOutput('BatchMatMulV2', [this.floatType, ...adjoints], [a, b]);
    const types = ['Ta', 'Tb', 'Tout'].map((name) => ({ ...this.floatType, name }));
    return this.backend.executeSingleOutput('BatchMatMulV3', [...types, ...adjoints], [a, b]);
  }

  /** `x` (rows x n) plus the length-n `bias` on every row. */
  biasAdd(x: tf.TensorInfo, bias: tf.TensorInfo): tf.Tensor {
    return this.elementwise('BiasAdd', x, bias);
  }

  /** The column sums of `dy` (rows x n): the gradient of {@link biasAdd} for its bias. */
  biasAddGrad(dy: tf.TensorInfo): tf.Tensor {
    return this.elementwise('BiasAddGrad', dy);
  }

  /** `dy` where `features` > 0, else 0: ReLU's gradient, from its input or (the same mask) its output. */
  reluGrad(dy: tf.TensorInfo, features: tf.TensorInfo): tf.Tensor {
    return this.elementwise('ReluGrad', dy, features);
  }

  /** Mean over every element of `x`; `axes` is an int32 tensor listing all of its axes. */
  meanAll(x: tf.TensorInfo, axes: tf.TensorInfo): tf.Tensor {
    const { TF_ATTR_BOOL, TF_ATTR_TYPE, TF_INT32 } = this.backend.binding;
    return this.backend.executeSingleOutput(
      'Mean',
      [{ name: 'keep_dims', type: TF_ATTR_BOOL, value: false }, this.floatType, { name: 'Tidx', type: TF_ATTR_TYPE, value: TF_INT32 }],
      [x, axes],
    );
  }

  /** `x` with the shape held by the int32 tensor `shape` (same data, no copy in TensorFlow). */
  reshape(x: tf.TensorInfo, shape: tf.TensorInfo): tf.Tensor {
    const { TF_ATTR_TYPE, TF_INT32 } = this.backend.binding;
    return this.backend.executeSingleOutput('Reshape', [this.floatType, { name: 'Tshape', type: TF_ATTR_TYPE, value: TF_INT32 }], [x, shape]);
  }

  /** The 1-D tensors `parts` end to end; `axis` is the int32 scalar 0. */
  concat1d(parts: tf.TensorInfo[], axis: tf.TensorInfo): tf.Tensor {
    const { TF_ATTR_INT, TF_ATTR_TYPE, TF_INT32 } = this.backend.binding;
    return this.backend.executeSingleOutput(
      'ConcatV2',
      [this.floatType, { name: 'N', type: TF_ATTR_INT, value: parts.length }, { name: 'Tidx', type: TF_ATTR_TYPE, value: TF_INT32 }],
      [...parts, axis],
    );
  }

  /** The 1-D `x` cut into `count` consecutive pieces of the lengths in the int32 tensor `sizes`; `axis` is the int32 scalar 0. */
  split1d(x: tf.TensorInfo, sizes: tf.TensorInfo, axis: tf.TensorInfo, count: number): tf.Tensor[] {
    const { TF_ATTR_INT, TF_ATTR_TYPE, TF_INT32 } = this.backend.binding;
    return this.backend.executeMultipleOutputs(
      'SplitV',
      [this.floatType, { name: 'Tlen', type: TF_ATTR_TYPE, value: TF_INT32 }, { name: 'num_split', type: TF_ATTR_INT, value: count }],
      [x, sizes, axis],
      count,
    );
  }
}
