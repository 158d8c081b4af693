import * as tf from '../../../src/runtime/tf.js';
import { beforeAll, describe, expect, test } from 'vitest';
import { Autoencoder } from '../../../src/models/autoencoder/autoencoder.js';
import { trimmedReconstructionLoss } from '../../../src/models/autoencoder/autoencoder-loss.js';
import type { Matrix } from '../../../src/models/matrix.js';
import { selectBackend } from '../../../src/runtime/backend.js';
import { helix } from '../synthetic.js';

beforeAll(async () => {
  await selectBackend();
});

describe('trimmedReconstructionLoss', () => {
  test('averages the best-rebuilt rows only, and the trimmed rows get no gradient', () => {
    const target = tf.tensor2d([[0, 0], [0, 0], [0, 0], [0, 0]]);
    // Per-row squared errors: 1, 4, 9, 100 (means over 2 features: 1, 4, 9, 100 with both features equal).
    const output = tf.variable(tf.tensor2d([[1, 1], [2, 2], [3, 3], [10, 10]]));
    try {
      const loss = trimmedReconstructionLoss('mse', 0.25);
      const { value, grads } = tf.variableGrads(() => loss({ target, output } as never), [output]);
      // trim 0.25 of 4 rows leaves out 1: the mean of 1, 4, 9.
      expect(value.dataSync()[0]).toBeCloseTo(14 / 3, 5);
      const g = grads[output.name].arraySync() as number[][];
      // d/d out of mean over kept rows of mean_j (out_j)^2 = 2·out / (2 features · 3 rows).
      expect(g[0][0]).toBeCloseTo(2 / 6, 5);
      expect(g[2][1]).toBeCloseTo(6 / 6, 5);
      expect(g[3]).toEqual([0, 0]);
      value.dispose();
      Object.values(grads).forEach((t) => t.dispose());
    } finally {
      target.dispose();
      output.dispose();
    }
  });

  test('leaves out floor(trim · rows) rows of a batch: none of 2 rows at 0.49, one of 3 at 0.34', () => {
    const target = tf.tensor2d([[0], [0], [0]]);
    const output = tf.tensor2d([[1], [3], [5]]);
    try {
      const value = (t: number, rows: number) =>
        tf.tidy(() => trimmedReconstructionLoss('mse', t)({ target: tf.slice(target, 0, rows), output: tf.slice(output, 0, rows) } as never).dataSync()[0]);
      expect(value(0.49, 2)).toBeCloseTo(5, 5);
      expect(value(0.34, 3)).toBeCloseTo(5, 5);
      expect(value(0, 3)).toBeCloseTo(35 / 3, 5);
    } finally {
      target.dispose();
      output.dispose();
    }
  });
});

/** 900 helix rows plus 100 rows of one tight off-manifold cluster: anomalies a plain fit can learn to rebuild. */
function contaminated(): { x: Matrix; isAnomaly: boolean[] } {
  const inliers = helix(900, 6, 11, 0.02);
  const data = new Float32Array(1000 * 6);
  data.set(inliers.data);
  for (let r = 900; r < 1000; r++) for (let j = 0; j < 6; j++) data[r * 6 + j] = (j % 2 === 0 ? 2.5 : -2.5) + 0.01 * Math.sin(r * 7 + j);
  return { x: { data, rows: 1000, cols: 6 }, isAnomaly: Array.from({ length: 1000 }, (_, r) => r >= 900) };
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

describe('trim in training', () => {
  test('a trimmed fit does not learn a cluster of training anomalies; a plain fit does', async () => {
    const { x, isAnomaly } = contaminated();
    const ratio = async (trim: number) => {
      const ae = new Autoencoder(6, { codeSize: 1, hiddenUnits: [32], epochs: 150, batchSize: 100, learningRate: 3e-3, trim, scoreBy: 'reconstruction', seed: 3, validationSplit: 0 });
      try {
        await ae.fit(x);
        const s = Array.from(ae.score(x));
        return median(s.filter((_, i) => isAnomaly[i])) / median(s.filter((_, i) => !isAnomaly[i]));
      } finally {
        ae.dispose();
      }
    };
    const plain = await ratio(0);
    const trimmed = await ratio(0.15);
    expect(trimmed).toBeGreaterThan(20 * plain);
    expect(trimmed).toBeGreaterThan(100);
  }, 120_000);
});
