import * as tf from '../../../src/runtime/tf.js';
import { beforeAll, describe, expect, test } from 'vitest';
import { DataError, ModelConfigError, ModelStateError } from '../../../src/errors.js';
import { Autoencoder } from '../../../src/models/autoencoder/autoencoder.js';
import { resolveAutoencoderConfig } from '../../../src/models/autoencoder/autoencoder-config.js';
import { CodeNeighbors, fitCodeNeighbors, NEIGHBOR_REFERENCE_ROWS } from '../../../src/models/autoencoder/code-neighbors.js';
import type { Matrix } from '../../../src/models/matrix.js';
import { gaussian, seededRandom } from '../../../src/models/random.js';
import { selectBackend } from '../../../src/runtime/backend.js';
import { helix, sameBits } from '../synthetic.js';
import { roundTrip } from './round-trip.js';

beforeAll(async () => {
  await selectBackend();
});

function randomCodes(rows: number, cols: number, seed: number): Matrix {
  const random = seededRandom(seed);
  return { data: Float32Array.from({ length: rows * cols }, () => gaussian(random)), rows, cols };
}

/** Independent reference: the k-th smallest Euclidean distance from each query row to the reference rows, in float64. */
function bruteKth(ref: Matrix, q: Matrix, k: number, leaveOut?: (i: number, j: number) => boolean): number[] {
  return Array.from({ length: q.rows }, (_, i) => {
    const d: number[] = [];
    for (let j = 0; j < ref.rows; j++) {
      if (leaveOut?.(i, j)) continue;
      let s = 0;
      for (let c = 0; c < q.cols; c++) s += (q.data[i * q.cols + c] - ref.data[j * ref.cols + c]) ** 2;
      d.push(Math.sqrt(s));
    }
    return d.sort((a, b) => a - b)[k - 1];
  });
}

describe('CodeNeighbors', () => {
  test('the distance is the k-th nearest reference code, also across query chunks', () => {
    const ref = randomCodes(300, 3, 1);
    const q = randomCodes(2500, 3, 2); // more than one 1024-row chunk
    const nn = new CodeNeighbors({ k: 5, weight: 0.5, codes: Array.from(ref.data), rows: ref.rows, scoreNorm: 1, distanceNorm: 1 });
    try {
      const got = nn.distances(q);
      const want = bruteKth(ref, q, 5);
      // float32 matmul form of the distance: absolute error well under the spacing of the codes
      got.forEach((v, i) => expect(v).toBeCloseTo(want[i], 3));
    } finally {
      nn.dispose();
    }
  });

  test('fit: the distance norm leaves each reference row out of its own neighbours; the score norm is the mean score', () => {
    const codes = randomCodes(200, 2, 3);
    const scores = Float32Array.from({ length: 200 }, (_, i) => 1 + (i % 7));
    const stats = fitCodeNeighbors({ k: 3, weight: 0.25 }, codes, scores, 9);
    expect(stats.rows).toBe(200);
    expect(stats.codes).toEqual(Array.from(codes.data));
    const own = bruteKth(codes, codes, 3, (i, j) => i === j);
    expect(stats.distanceNorm).toBeCloseTo(own.reduce((a, b) => a + b, 0) / own.length, 4);
    expect(stats.scoreNorm).toBeCloseTo(scores.reduce((a, b) => a + b, 0) / 200, 6);
    expect([stats.k, stats.weight]).toEqual([3, 0.25]);
  });

  test(`fit keeps at most ${NEIGHBOR_REFERENCE_ROWS} reference rows, a seeded sample of the training codes`, () => {
    const codes = randomCodes(NEIGHBOR_REFERENCE_ROWS + 500, 2, 4);
    const scores = new Float32Array(codes.rows).fill(1);
    const a = fitCodeNeighbors({ k: 5, weight: 0.5 }, codes, scores, 1);
    const b = fitCodeNeighbors({ k: 5, weight: 0.5 }, codes, scores, 1);
    const c = fitCodeNeighbors({ k: 5, weight: 0.5 }, codes, scores, 2);
    expect(a.rows).toBe(NEIGHBOR_REFERENCE_ROWS);
    expect(a.codes).toHaveLength(NEIGHBOR_REFERENCE_ROWS * 2);
    expect(a.codes).toEqual(b.codes);
    expect(a.codes).not.toEqual(c.codes);
    // Every kept code is a training code.
    const training = new Set(Array.from({ length: codes.rows }, (_, r) => `${codes.data[2 * r]},${codes.data[2 * r + 1]}`));
    for (let r = 0; r < a.rows; r++) expect(training.has(`${Math.fround(a.codes[2 * r])},${Math.fround(a.codes[2 * r + 1])}`)).toBe(true);
  });
});

describe('Autoencoder with code neighbours (the default)', () => {
  const data = helix(400, 6, 5);
  const config = { hiddenUnits: [16], codeSize: 2, epochs: 8, batchSize: 32, seed: 3 };

  test('is on by default with k 5 and share 1/2, and validated', () => {
    expect(resolveAutoencoderConfig(6).neighbors).toEqual({ k: 5, weight: 0.5 });
    expect(resolveAutoencoderConfig(6, { neighbors: null }).neighbors).toBeNull();
    // A score chosen by name is that score alone, unless neighbours are asked for too.
    expect(resolveAutoencoderConfig(6, { scoreBy: 'balanced' }).neighbors).toBeNull();
    expect(resolveAutoencoderConfig(6, { scoreBy: 'reconstruction', neighbors: {} }).neighbors).toEqual({ k: 5, weight: 0.5 });
    expect(resolveAutoencoderConfig(6, { variational: { scoreBy: 'elbo' } }).neighbors).toBeNull();
    expect(resolveAutoencoderConfig(6, { variational: { beta: 2 } }).neighbors).toEqual({ k: 5, weight: 0.5 });
    expect(resolveAutoencoderConfig(6, { neighbors: { k: 9 } }).neighbors).toEqual({ k: 9, weight: 0.5 });
    expect(() => resolveAutoencoderConfig(6, { neighbors: { weight: 1 } })).toThrow(ModelConfigError);
    expect(() => resolveAutoencoderConfig(6, { neighbors: { k: 0 } })).toThrow(/neighbors\.k/);
    expect(() => resolveAutoencoderConfig(6, { neighbors: { k: 2, far: 1 } as never })).toThrow(/far/);
  });

  test('the score is (1 − w) · own score / its training mean + w · k-th code distance / its training mean', async () => {
    const blended = new Autoencoder(6, config);
    const plain = new Autoencoder(6, { ...config, neighbors: null });
    try {
      await blended.fit(data);
      await plain.fit(data);
      // The neighbours change scoring only: the same seed trains the same network.
      expect(sameBits(blended.encode(data).data, plain.encode(data).data)).toBe(true);
      const stats = blended.neighbors!;
      const own = plain.score(data);
      expect(stats.scoreNorm).toBeCloseTo(own.reduce((a, b) => a + b, 0) / own.length, 4);
      const codes = plain.encode(data);
      const ref: Matrix = { data: Float32Array.from(stats.codes), rows: stats.rows, cols: 2 };
      const dist = bruteKth(ref, codes, 5);
      const got = blended.score(data);
      got.forEach((v, i) => expect(v).toBeCloseTo((0.5 * own[i]) / stats.scoreNorm + (0.5 * dist[i]) / stats.distanceNorm, 3));
      // A row far from every training code scores high even where the network rebuilds it as well as the others.
      expect(Math.max(...got)).toBeGreaterThan(Math.max(...Array.from(own, (v) => (0.5 * v) / stats.scoreNorm)));
    } finally {
      blended.dispose();
      plain.dispose();
    }
  });

  test('save/load keeps the scores bit for bit; scoring leaks no tensors', async () => {
    const model = new Autoencoder(6, config);
    await model.fit(data);
    const weights = model.getWeights();
    const loaded = await roundTrip(model);
    try {
      expect(weights.length).toBeGreaterThan(0);
      expect(model.toJSON().neighbors?.rows).toBe(400);
      expect(sameBits(loaded.score(data), model.score(data))).toBe(true);
      loaded.score(data);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) loaded.score(data);
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      loaded.dispose();
      model.dispose();
    }
  });

  test('a file written before the option loads without neighbours and scores as it did; damaged neighbours are refused', async () => {
    const model = new Autoencoder(6, config);
    const plain = new Autoencoder(6, { ...config, neighbors: null });
    await model.fit(data);
    await plain.fit(data);
    const old = await roundTrip(model, (state) => {
      const legacy = state as unknown as Record<string, unknown> & { params: Record<string, unknown> };
      delete legacy.neighbors;
      delete legacy.params.neighbors;
      return state;
    });
    try {
      expect(old.config.neighbors).toBeNull();
      expect(sameBits(old.score(data), plain.score(data))).toBe(true);
    } finally {
      old.dispose();
      plain.dispose();
    }
    try {
      await expect(roundTrip(model, (state) => ({ ...state, neighbors: { ...state.neighbors!, codes: state.neighbors!.codes.slice(1) } }))).rejects.toThrow(ModelStateError);
      await expect(roundTrip(model, (state) => ({ ...state, neighbors: null }))).rejects.toThrow(/disagree/);
    } finally {
      model.dispose();
    }
  });

  test('fit refuses no more rows than k, before training', async () => {
    const model = new Autoencoder(6, { ...config, neighbors: { k: 5 } });
    try {
      await expect(model.fit({ data: data.data.slice(0, 5 * 6), rows: 5, cols: 6 })).rejects.toThrow(DataError);
      expect(model.isFitted).toBe(false);
    } finally {
      model.dispose();
    }
  });
});
