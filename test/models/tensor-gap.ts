import type * as tf from '../../src/runtime/tf.js';

/** Largest |a - b| over max(1, |b|), elementwise: how far a kernel's result is from the one it replaces. */
export function relativeGap(a: tf.Tensor, b: tf.Tensor): number {
  const x = a.dataSync();
  const y = b.dataSync();
  let worst = 0;
  for (let i = 0; i < y.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]) / Math.max(1, Math.abs(y[i])));
  return worst;
}
