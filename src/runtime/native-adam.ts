import * as tf from './tf.js';
import { NATIVE_BACKEND, type NativeBackend } from './native-ops.js';

/** The numbers of one Adam step `t`. */
export interface AdamStepScalars {
  beta1: number;
  beta2: number;
  /** Step size, > 0. */
  learningRate: number;
  /** Added to √v̂ (tfjs' convention); passed to TensorFlow as ε·√(1−β₂ᵗ), its convention for the same update. */
  epsilon: number;
  /** Coupled L2 decay, >= 0: the gradient becomes `gradient + weightDecay · w`. */
  weightDecay: number;
  /** 1 at the first step. */
  step: number;
}

let handles = 0;

/**
 * `FusedAdam`'s update on the native backend by TensorFlow's own fused kernel, `ResourceApplyAdam`, one
 * call per variable: the moment updates and the step in one pass over the weights. The same update as a
 * chain of elementwise ops over the concatenated gradients makes about 13 passes: for the wide
 * autoencoder's 418 k weights 5.4-7.3 ms a step as tfjs ops against 1.6-2.3 ms this way at load 5
 * (`LATENTFLOW_BACKEND=tensorflow npx tsx bench/native-adam.ts`), and 3.0 ms as raw TensorFlow ops. The kernel
 * works on TensorFlow resource variables: the moments live in two per weight (made at the first step,
 * zero), and each step assigns the tfjs variable's current value to a third, applies the update there
 * (TensorFlow copies a buffer another handle still reads, so the tfjs tensor is never changed in place)
 * and reads the result back into the tfjs variable. The same maths as `FusedAdam`: TensorFlow computes
 * lrₜ = lr·√(1−β₂ᵗ)/(1−β₁ᵗ) and w − lrₜ·m/(√v + ε̂); its moment update `m + (g − m)(1 − β₁)` equals
 * `β₁m + (1 − β₁)g` up to float rounding. Call `step` inside `tf.tidy`; `dispose()` destroys the resources.
 */
export class NativeAdamStep {
  private readonly backend: NativeBackend;
  /** Per variable: resource handles of the weights, the first and the second moment. */
  private readonly resources: { weight: number; m: number; v: number }[];
  private hasMoments = false;

  constructor(private readonly variables: readonly tf.Variable[]) {
    this.backend = tf.findBackend(NATIVE_BACKEND) as unknown as NativeBackend;
    this.resources = variables.map((v) => ({ weight: this.resource(v.shape), m: this.resource(v.shape), v: this.resource(v.shape) }));
  }

  /** True when this step was built for exactly `variables`, in order. */
  isFor(variables: readonly tf.Variable[]): boolean {
    return variables.length === this.variables.length && variables.every((v, i) => v === this.variables[i]);
  }

  /** Applies one step to the variables given `grads` (one per variable, same order). */
  step(grads: readonly tf.Tensor[], s: AdamStepScalars): void {
    const { binding } = this.backend;
    const float = { name: 'T', type: binding.TF_ATTR_TYPE, value: binding.TF_FLOAT };
    const dtype = { ...float, name: 'dtype' };
    const assign = (resource: number, value: tf.TensorInfo) =>
      binding.executeOp('AssignVariableOp', [dtype, { name: 'validate_shape', type: binding.TF_ATTR_BOOL, value: false }], [resource, ...this.backend.getInputTensorIds([value])], 0);
    if (!this.hasMoments) {
      this.variables.forEach((variable, i) => {
        const zeros = tf.zeros(variable.shape);
        assign(this.resources[i].m, zeros);
        assign(this.resources[i].v, zeros);
      });
      this.hasMoments = true;
    }
    const scalars = [s.beta1 ** s.step, s.beta2 ** s.step, s.learningRate, s.beta1, s.beta2, s.epsilon * Math.sqrt(1 - s.beta2 ** s.step)].map((x) => tf.scalar(x));
    const scalarIds = this.backend.getInputTensorIds(scalars);
    const decay = s.weightDecay > 0 ? tf.scalar(s.weightDecay) : undefined;
    const adamAttrs = [float, { name: 'use_locking', type: binding.TF_ATTR_BOOL, value: false }, { name: 'use_nesterov', type: binding.TF_ATTR_BOOL, value: false }];
    this.variables.forEach((variable, i) => {
      const { weight, m, v } = this.resources[i];
      const g = decay === undefined ? grads[i] : tf.add(grads[i], tf.mul(variable, decay));
      assign(weight, variable);
      binding.executeOp('ResourceApplyAdam', adamAttrs, [weight, m, v, ...scalarIds, ...this.backend.getInputTensorIds([g])], 0);
      const [read] = binding.executeOp('ReadVariableOp', [dtype], [weight], 1);
      variable.assign(this.backend.createOutputTensor(read));
    });
  }

  dispose(): void {
    const { binding } = this.backend;
    for (const r of this.resources) {
      for (const id of [r.weight, r.m, r.v]) {
        binding.executeOp('DestroyResourceOp', [{ name: 'ignore_lookup_error', type: binding.TF_ATTR_BOOL, value: true }], [id], 0);
        binding.deleteTensor(id);
      }
    }
    this.resources.length = 0;
  }

  /** A new float32 resource variable of `shape`, named uniquely in this process. */
  private resource(shape: number[]): number {
    const { binding } = this.backend;
    const [handle] = binding.executeOp(
      'VarHandleOp',
      [
        { name: 'container', type: binding.TF_ATTR_STRING, value: '' },
        { name: 'shared_name', type: binding.TF_ATTR_STRING, value: `latentflow_adam_${handles++}` },
        { name: 'dtype', type: binding.TF_ATTR_TYPE, value: binding.TF_FLOAT },
        { name: 'shape', type: binding.TF_ATTR_SHAPE, value: shape },
      ],
      [],
      1,
    );
    return handle.id;
  }
}
