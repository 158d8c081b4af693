import * as tf from '../../../src/runtime/tf.js';
import { beforeAll, describe, expect, test } from 'vitest';
import { FusedAdam } from '../../../src/models/autoencoder/training-loop.js';
import { selectBackend } from '../../../src/runtime/backend.js';

beforeAll(async () => {
  await selectBackend();
});

/** Two variables of different shapes and a least-squares loss on fixed data. */
function problem(): { vars: tf.Variable[]; loss: () => tf.Scalar; dispose: () => void } {
  const x = tf.tensor2d([[1, 2], [3, -1], [0.5, 0.25], [-2, 1]]);
  const y = tf.tensor2d([[1], [-1], [0.5], [2]]);
  const w = tf.variable(tf.tensor2d([[0.3], [-0.2]]));
  const b = tf.variable(tf.tensor1d([0.1]));
  return {
    vars: [w, b],
    loss: () => tf.mean(tf.squaredDifference(tf.add(tf.matMul(x, w), b), y)) as tf.Scalar,
    dispose: () => [x, y, w, b].forEach((t) => t.dispose()),
  };
}

describe('FusedAdam', () => {
  test('matches tf.train.adam step for step (within 1e-5) and frees its tensors', () => {
    const a = problem();
    const b = problem();
    const reference = tf.train.adam(0.05);
    const fused = new FusedAdam(0.05);
    const before = tf.memory().numTensors;
    for (let step = 0; step < 30; step++) {
      tf.tidy(() => void reference.minimize(a.loss, false, a.vars));
      tf.tidy(() => void fused.minimize(b.loss, false, b.vars));
    }
    a.vars.forEach((v, i) => {
      const got = b.vars[i].dataSync();
      v.dataSync().forEach((value, j) => expect(got[j]).toBeCloseTo(value, 5));
    });
    fused.dispose();
    reference.dispose();
    // Only the reference optimizer's own slots may remain; the fused moments are freed.
    expect(tf.memory().numTensors).toBeLessThanOrEqual(before + 2 * a.vars.length + 2);
    a.dispose();
    b.dispose();
  });

  test('weight decay adds weightDecay · w to the gradient (one SGD-like first step equals Adam on the decayed loss)', () => {
    const a = problem();
    const b = problem();
    const decay = 0.3;
    const plain = new FusedAdam(0.01);
    const decayed = new FusedAdam(0.01, decay);
    // Adam on loss + decay/2·Σw² moves the weights like Adam with the decay added to the gradient.
    const penalised = () => tf.add(a.loss(), tf.mul(decay / 2, tf.addN(a.vars.map((v) => tf.sum(tf.square(v)))))) as tf.Scalar;
    for (let step = 0; step < 5; step++) {
      tf.tidy(() => void plain.minimize(penalised, false, a.vars));
      tf.tidy(() => void decayed.minimize(b.loss, false, b.vars));
    }
    a.vars.forEach((v, i) => {
      const got = b.vars[i].dataSync();
      v.dataSync().forEach((value, j) => expect(got[j]).toBeCloseTo(value, 5));
    });
    plain.dispose();
    decayed.dispose();
    a.dispose();
    b.dispose();
  });
});
