import * as tf from '../../../src/runtime/tf.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Autoencoder, type AutoencoderState } from '../../../src/models/autoencoder/autoencoder.js';
import { resolveAutoencoderConfig } from '../../../src/models/autoencoder/autoencoder-config.js';
import { fitScoringStats, ScoringTensors } from '../../../src/models/autoencoder/autoencoder-scoring.js';
import type { ScoringStats } from '../../../src/models/autoencoder/score-by.js';
import type { Matrix } from '../../../src/models/matrix.js';
import { selectBackend } from '../../../src/runtime/backend.js';
import { helix, sameBits } from '../synthetic.js';
import { roundTrip } from './round-trip.js';

beforeAll(async () => {
  await selectBackend();
});

function seeded(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32) - 0.5;
}

describe('scoring statistics (standardized residuals, code Mahalanobis)', () => {
  // Feature 0 is always rebuilt to within 0.01, feature 1 to within 1; codes are 2-D with very different spreads.
  const rand = seeded(3);
  const rows = 500;
  const x = new Float32Array(rows * 2);
  const recon = new Float32Array(rows * 2);
  const code = new Float32Array(rows * 2);
  for (let r = 0; r < rows; r++) {
    x[r * 2] = rand();
    x[r * 2 + 1] = rand();
    recon[r * 2] = x[r * 2] + 0.02 * rand();
    recon[r * 2 + 1] = x[r * 2 + 1] + 2 * rand();
    code[r * 2] = 10 * rand();
    code[r * 2 + 1] = 0.1 * rand();
  }
  const stats = fitScoringStats('standardized-code', { data: x, rows, cols: 2 }, { data: recon, rows, cols: 2 }, { data: code, rows, cols: 2 }) as Required<ScoringStats>;
  const tensors = new ScoringTensors(stats);
  afterAll(() => tensors.dispose());
  const score = (by: 'standardized' | 'standardized-code', xs: number[][], recons: number[][], codes: number[][]) =>
    tf.tidy(() => tensors.score(by, tf.tensor2d(xs), tf.tensor2d(codes), tf.tensor2d(recons)).dataSync());

  test('residual scales are the per-feature RMS training errors', () => {
    expect(stats.residualScale[0]).toBeCloseTo(0.02 / Math.sqrt(12), 3);
    expect(stats.residualScale[1]).toBeCloseTo(2 / Math.sqrt(12), 1);
  });

  test('standardized: an error of 0.1 on the normally-perfect feature outranks the same error on the noisy one', () => {
    const [onPerfect, onNoisy] = score('standardized', [[0, 0], [0, 0]], [[0.1, 0], [0, 0.1]], [[0, 0], [0, 0]]);
    expect(onPerfect).toBeGreaterThan(10 * onNoisy);
  });

  test('standardized-code: with equal residuals, a code 3 sd out along the narrow code unit outranks 0.3 sd along the wide one', () => {
    const [narrow, wide] = score('standardized-code', [[0, 0], [0, 0]], [[0, 0], [0, 0]], [[0, 3 * 0.1 / Math.sqrt(12)], [0.3 * 10 / Math.sqrt(12), 0]]);
    expect(narrow).toBeGreaterThan(50 * wide);
  });

  test('standardized-code averages about 1 over the training rows', () => {
    const xs = Array.from({ length: rows }, (_, r) => [x[r * 2], x[r * 2 + 1]]);
    const rs = Array.from({ length: rows }, (_, r) => [recon[r * 2], recon[r * 2 + 1]]);
    const cs = Array.from({ length: rows }, (_, r) => [code[r * 2], code[r * 2 + 1]]);
    const s = Array.from(score('standardized-code', xs, rs, cs));
    expect(s.reduce((a, b) => a + b, 0) / rows).toBeCloseTo(1, 2);
  });
});

describe('mahalanobis: reconstruction error plus the floored Mahalanobis distance along the manifold', () => {
  // Reconstructions spread along feature 0 with variance 9 and along feature 1 with variance 0.01.
  const rand = seeded(5);
  const rows = 2000;
  const recon = new Float32Array(rows * 2);
  for (let r = 0; r < rows; r++) {
    recon[r * 2] = 3 * Math.sqrt(12) * rand();
    recon[r * 2 + 1] = 0.1 * Math.sqrt(12) * rand();
  }
  const m = { data: recon, rows, cols: 2 };
  const stats = fitScoringStats('mahalanobis', m, m, { data: new Float32Array(rows), rows, cols: 1 }) as ScoringStats;
  const tensors = new ScoringTensors(stats);
  afterAll(() => tensors.dispose());
  const score = (xs: number[][], recons: number[][]) =>
    tf.tidy(() => tensors.score('mahalanobis', tf.tensor2d(xs), tf.tensor2d([[0], [0]]), tf.tensor2d(recons)).dataSync());

  test('a wide direction is divided by its variance; a narrow one only by the floor of 1', () => {
    // 6 out along the wide axis (2 sd) scores like 2² = 4; 1 out along the narrow axis (10 sd) scores 1², not 10².
    const [wide, narrow] = score([[6, 0], [0, 1]], [[6, 0], [0, 1]]);
    expect(wide * 2).toBeCloseTo(4, 1);
    expect(narrow * 2).toBeCloseTo(1, 1);
  });

  test('the squared reconstruction error adds to the distance along the manifold', () => {
    const [rebuilt, offManifold] = score([[0, 0], [0, 0.5]], [[0, 0], [0, 0]]);
    expect(rebuilt).toBeCloseTo(0, 3);
    expect(offManifold).toBeCloseTo(0.25 / 2, 3);
  });
});

describe('Autoencoder scoreBy', () => {
  const data = helix(300, 6, 2);
  // The scoreBy rules alone: the code-neighbour blend of the default score is test/models/code-neighbors.test.ts.
  const config = { hiddenUnits: [12], codeSize: 2, epochs: 4, batchSize: 64, seed: 3, neighbors: null };

  test('scoreBy is validated and saved in params', () => {
    expect(() => resolveAutoencoderConfig(6, { scoreBy: 'nope' as never })).toThrow(/scoreBy/);
    expect(resolveAutoencoderConfig(6, { scoreBy: 'standardized' }).scoreBy).toBe('standardized');
  });

  test.each(['standardized', 'standardized-code', 'mahalanobis', 'balanced'] as const)('%s: save -> load gives bitwise-identical scores', async (scoreBy) => {
    const ae = new Autoencoder(6, { ...config, scoreBy });
    await ae.fit(data);
    const loaded = await roundTrip(ae);
    try {
      expect(loaded.config.scoreBy).toBe(scoreBy);
      expect(sameBits(loaded.score(data), ae.score(data))).toBe(true);
      expect(ae.scoring).not.toBeNull();
    } finally {
      ae.dispose();
      loaded.dispose();
    }
  });

  test('balanced is the default and averages 1 over the training rows', async () => {
    const ae = new Autoencoder(6, config);
    await ae.fit(data);
    try {
      expect(ae.config.scoreBy).toBe('balanced');
      const s = ae.score(data);
      expect(s.reduce((a, b) => a + b, 0) / s.length).toBeCloseTo(1, 3);
      expect(ae.scoring?.residualNorm).toBeGreaterThan(0);
    } finally {
      ae.dispose();
    }
  });

  /** Per row: the residual and manifold parts of `balanced`, each over its training mean. */
  function balancedParts(ae: Autoencoder, x: Matrix): { r: Float32Array; m: Float32Array } {
    const stats = ae.scoring as ScoringStats;
    const tensors = new ScoringTensors(stats);
    const recon = ae.reconstruct(x);
    try {
      return tf.tidy(() => {
        const p = tensors.parts(tf.tensor2d(x.data, [x.rows, x.cols]), tf.tensor2d(recon.data, [x.rows, x.cols]));
        return {
          r: tf.div(p.residual, stats.residualNorm as number).dataSync() as Float32Array,
          m: tf.div(p.manifold, stats.manifoldNorm as number).dataSync() as Float32Array,
        };
      });
    } finally {
      tensors.dispose();
    }
  }

  test('balanced weighs the residual 2/3 and the manifold distance 1/3, and saves the weight', async () => {
    const ae = new Autoencoder(6, config);
    await ae.fit(data);
    try {
      expect(ae.scoring?.manifoldWeight).toBeCloseTo(1 / 3, 12);
      const { r, m } = balancedParts(ae, data);
      const s = ae.score(data);
      for (let i = 0; i < 20; i++) expect(s[i]).toBeCloseTo((2 / 3) * r[i] + (1 / 3) * m[i], 4);
    } finally {
      ae.dispose();
    }
  });

  test('a balanced file saved without manifoldWeight scores with equal weights, as when it was written', async () => {
    const ae = new Autoencoder(6, config);
    await ae.fit(data);
    const loaded = await roundTrip(ae, (state) => {
      const { manifoldWeight: _dropped, ...scoring } = state.scoring as ScoringStats;
      return { ...state, scoring };
    });
    try {
      const { r, m } = balancedParts(ae, data);
      const s = loaded.score(data);
      for (let i = 0; i < 20; i++) expect(s[i]).toBeCloseTo(0.5 * r[i] + 0.5 * m[i], 4);
      await expect(roundTrip(ae, (state) => ({ ...state, scoring: { ...(state.scoring as ScoringStats), manifoldWeight: 1.5 } }))).rejects.toThrow(/scoring statistics/);
    } finally {
      ae.dispose();
      loaded.dispose();
    }
  });

  test('a file written before scoreBy existed loads as reconstruction (mean squared error), whatever the default', async () => {
    const ae = new Autoencoder(6, { ...config, scoreBy: 'reconstruction' });
    await ae.fit(data);
    const loaded = await roundTrip(ae, (state) => {
      const params = { ...state.params } as Partial<AutoencoderState['params']>;
      delete params.scoreBy;
      delete params.batchNorm;
      delete params.weightDecay;
      const { scoring: _dropped, ...old } = state;
      return { ...old, params: params as AutoencoderState['params'] };
    });
    try {
      expect(loaded.config.scoreBy).toBe('reconstruction');
      const errors = loaded.featureErrors(data);
      const scores = loaded.score(data);
      for (let r = 0; r < 5; r++) {
        let mean = 0;
        for (let j = 0; j < 6; j++) mean += errors.data[r * 6 + j] / 6;
        expect(scores[r]).toBeCloseTo(mean, 6);
      }
    } finally {
      ae.dispose();
      loaded.dispose();
    }
  });

  test('a standardized model whose saved statistics are missing is refused on load', async () => {
    const ae = new Autoencoder(6, { ...config, scoreBy: 'standardized-code' });
    await ae.fit(data);
    try {
      await expect(roundTrip(ae, (s) => ({ ...s, scoring: null }))).rejects.toThrow(/scoring statistics/);
    } finally {
      ae.dispose();
    }
  });
});

describe('batchNorm and weightDecay', () => {
  function wave(rows: number, seed: number): Matrix {
    const rand = seeded(seed);
    const out = new Float32Array(rows * 6);
    for (let r = 0; r < rows; r++) {
      const a = 2 * rand();
      const b = 2 * rand();
      [a, b, a * b, Math.sin(3 * a), b * b, a - b].forEach((v, j) => (out[r * 6 + j] = v + 0.01 * rand()));
    }
    return { data: out, rows, cols: 6 };
  }
  const pyodLike = { hiddenUnits: [16], codeSize: 3, codeActivation: 'relu' as const, batchNorm: true, weightDecay: 1e-5, dropout: 0.2, epochs: 3, batchSize: 32, validationSplit: 0, earlyStopping: false as const };

  test('defaults are off and bad values are refused naming the option', () => {
    expect(resolveAutoencoderConfig(6)).toMatchObject({ batchNorm: false, weightDecay: 0 });
    expect(() => resolveAutoencoderConfig(6, { weightDecay: -1 })).toThrow(/weightDecay/);
    expect(() => resolveAutoencoderConfig(6, { batchNorm: 'yes' as never })).toThrow(/batchNorm/);
    expect(() => resolveAutoencoderConfig(6, { batchNorm: true, contractive: {} })).toThrow(/batchNorm/);
  });

  test('same seed gives bitwise-identical scores with batch norm, dropout and weight decay', async () => {
    const x = wave(300, 1);
    const scores: Float32Array[] = [];
    for (let i = 0; i < 2; i++) {
      const ae = new Autoencoder(6, { ...pyodLike, seed: 5 });
      await ae.fit(x);
      scores.push(ae.score(x));
      ae.dispose();
    }
    expect(sameBits(scores[0], scores[1])).toBe(true);
  });

  test('scoring uses the moving statistics: a row scores the same alone as in a batch', async () => {
    const x = wave(300, 2);
    const ae = new Autoencoder(6, { ...pyodLike, seed: 6 });
    await ae.fit(x);
    const all = ae.score(x);
    const one = ae.score({ data: x.data.slice(6 * 7, 6 * 8), rows: 1, cols: 6 });
    expect(one[0]).toBeCloseTo(all[7], 5);
    ae.dispose();
  });

  test('a batch-norm model saves and loads to bitwise-identical scores', async () => {
    const x = wave(200, 3);
    const ae = new Autoencoder(6, { ...pyodLike, seed: 7 });
    await ae.fit(x);
    const loaded = await roundTrip(ae);
    try {
      expect(loaded.config.batchNorm).toBe(true);
      expect(sameBits(loaded.score(x), ae.score(x))).toBe(true);
    } finally {
      ae.dispose();
      loaded.dispose();
    }
  });

  test('early stopping restores the batch-norm statistics with the best weights', async () => {
    const x = wave(300, 4);
    const config = { ...pyodLike, epochs: 12, validationSplit: 0.2, seed: 9 };
    const ae = new Autoencoder(6, { ...config, earlyStopping: { patience: 1 } });
    await ae.fit(x);
    const history = ae.history!;
    // Training did stop early, after an epoch worse than the best: the restore had something to undo.
    expect(history).toMatchObject({ stoppedEarly: true, stopReason: 'earlyStopping' });
    expect(history.epochs).toBeLessThan(12);
    expect(history.bestEpoch).toBeLessThan(history.epochs);
    // Reference: the same seed and data trained for exactly bestEpoch epochs (early stopping draws no random
    // numbers, so both fits see the same batches). Its weights, batch-norm moving mean and variance included
    // (getWeights returns the non-trainable ones too), are what the early-stopped model must hold.
    const reference = new Autoencoder(6, { ...config, epochs: history.bestEpoch, earlyStopping: false });
    await reference.fit(x);
    const loaded = await roundTrip(ae);
    try {
      const [got, want] = [ae.getWeights(), reference.getWeights()];
      expect(got.length).toBe(want.length);
      got.forEach((w, i) => expect(sameBits(w, want[i]), `weight ${i}`).toBe(true));
      expect(sameBits(ae.score(x), reference.score(x))).toBe(true);
      expect(sameBits(loaded.score(x), ae.score(x))).toBe(true);
    } finally {
      ae.dispose();
      reference.dispose();
      loaded.dispose();
    }
  });

  test('weight decay shrinks the weight norm against none, same seed and data', async () => {
    const x = wave(300, 4);
    const norms: number[] = [];
    for (const weightDecay of [0, 0.5]) {
      const ae = new Autoencoder(6, { hiddenUnits: [16], codeSize: 3, epochs: 5, batchSize: 32, validationSplit: 0, earlyStopping: false, weightDecay, seed: 8 });
      await ae.fit(x);
      norms.push(ae.getWeights().reduce((sum, a) => sum + a.reduce((t, v) => t + v * v, 0), 0));
      ae.dispose();
    }
    expect(norms[1]).toBeLessThan(0.9 * norms[0]);
  });
});
