import * as tf from './tf.js';
import { nativeOps } from './native-ops.js';

/** Adam's moments over all variables as one vector each, as `FusedAdam` keeps them. */
export interface FlatMoments {
  m: tf.Tensor1D;
  v: tf.Tensor1D;
}

/** The numbers of one Adam step, with the bias corrections folded in by the caller. */
export interface AdamStepScalars {
  beta1: number;
  beta2: number;
  /** Learning rate times √(1−β₂ᵗ)/(1−β₁ᵗ). */
  learningRate: number;
  /** ε·√(1−β₂ᵗ), added to √v. */
  epsilon: number;
  /** Coupled L2 decay, >= 0. */
  weightDecay: number;
}

/**
 * `FusedAdam`'s step as TensorFlow ops called straight on the native backend: the same update, op for op
 * (concatenate the gradients, the moment updates, `lr·m/(√v + ε)`, split, subtract), without a tfjs op
 * around each TensorFlow op, which there costs more than the op (native-ops.ts). The int32 shape tensors
 * that `Reshape`, `ConcatV2` and `SplitV` take are uploaded once for a variable list and kept; so are the
 * β constants. Call `step` inside `tf.tidy`; `dispose()` frees what is kept.
 */
export class NativeAdamStep {
  private readonly kept: tf.Tensor[] = [];
  private readonly flatShape: tf.Tensor1D;
  private readonly axis: tf.Scalar;
  private readonly sizes: tf.Tensor1D;
  /** Per variable, its shape as an int32 tensor, or undefined for a vector (no reshape needed). */
  private readonly shapes: (tf.Tensor1D | undefined)[];
  private readonly constants = new Map<number, tf.Scalar>();

  constructor(private readonly variables: readonly tf.Variable[]) {
    this.flatShape = this.keep(tf.tensor1d([-1], 'int32'));
    this.axis = this.keep(tf.scalar(0, 'int32'));
    this.sizes = this.keep(tf.tensor1d(variables.map((v) => v.size), 'int32'));
    this.shapes = variables.map((v) => (v.rank === 1 ? undefined : this.keep(tf.tensor1d(v.shape, 'int32'))));
  }

  /** True when this step was built for exactly `variables`, in order. */
  isFor(variables: readonly tf.Variable[]): boolean {
    return variables.length === this.variables.length && variables.every((v, i) => v === this.variables[i]);
  }

  /**
   * Applies one step to the variables given `grads` (one per variable, same order) and the previous
   * moments (undefined at the first step); returns the new moments, tracked by the active scope.
   */
  step(grads: readonly tf.Tensor[], previous: FlatMoments | undefined, s: AdamStepScalars): FlatMoments {
    const ops = nativeOps();
    const flat = (ts: readonly tf.Tensor[]): tf.Tensor =>
      ops.concat1d(ts.map((t, i) => (this.shapes[i] === undefined ? t : ops.reshape(t, this.flatShape))), this.axis);
    let g = flat(grads);
    if (s.weightDecay > 0) g = ops.elementwise('Add', g, ops.elementwise('Mul', flat(this.variables), this.constant(s.weightDecay)));
    const gScaled = ops.elementwise('Mul', g, this.constant(1 - s.beta1));
    const g2Scaled = ops.elementwise('Mul', ops.elementwise('Square', g), this.constant(1 - s.beta2));
    const m = previous === undefined ? gScaled : ops.elementwise('Add', ops.elementwise('Mul', previous.m, this.constant(s.beta1)), gScaled);
    const v = previous === undefined ? g2Scaled : ops.elementwise('Add', ops.elementwise('Mul', previous.v, this.constant(s.beta2)), g2Scaled);
    // The two per-step numbers are uploaded each step (a scalar each); everything else is kept.
    const epsilon = tf.scalar(s.epsilon);
    const learningRate = tf.scalar(s.learningRate);
    const update = ops.elementwise('Mul', ops.elementwise('RealDiv', m, ops.elementwise('Add', ops.elementwise('Sqrt', v), epsilon)), learningRate);
    const parts = ops.split1d(update, this.sizes, this.axis, this.variables.length);
    this.variables.forEach((variable, i) => {
      const shape = this.shapes[i];
      variable.assign(ops.elementwise('Sub', variable, shape === undefined ? parts[i] : ops.reshape(parts[i], shape)));
    });
    return { m: m as tf.Tensor1D, v: v as tf.Tensor1D };
  }

  dispose(): void {
    this.kept.forEach((t) => t.dispose());
    this.constants.clear();
  }

  /** A kept float32 scalar of `value`, uploaded once. */
  private constant(value: number): tf.Scalar {
    let c = this.constants.get(value);
    if (c === undefined) this.constants.set(value, (c = this.keep(tf.scalar(value))));
    return c;
  }

  private keep<T extends tf.Tensor>(t: T): T {
    this.kept.push(tf.keep(t));
    return t;
  }
}
