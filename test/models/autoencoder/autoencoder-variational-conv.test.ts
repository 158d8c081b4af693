import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DIGIT_SHAPE, loadDigits, sliceDigits } from '../../../bench/mnist-digits.js';
import { ModelStateError } from '../../../src/errors.js';
import { Autoencoder, type AutoencoderConfig } from '../../../src/models/autoencoder/autoencoder.js';
import { gaussian, seededRandom } from '../../../src/models/random.js';
import { selectBackend } from '../../../src/runtime/backend.js';
import { meanOf, sameBits } from '../synthetic.js';
import { columnMeans, columnVariances, gaussianFactors } from '../variant-data.js';

beforeAll(async () => {
  await selectBackend();
});

describe('variational autoencoder', () => {
  // Data made from two N(0, 1) factors; a 2-D code. Seeds 1-3 gave per dimension: mean(μ) within 0.05 of 0,
  // Var(μ) 0.63-0.74, E[σ²] 0.26-0.32 (so Var(z) = 0.98-1.03), mean KL 1.2-1.3 nats, 0.5-1.1 % of decoded
  // prior samples outside the per-feature training range.
  const x = gaussianFactors(1500, 1);
  let vae: Autoencoder;
  beforeAll(async () => {
    vae = new Autoencoder(8, { hiddenUnits: [32], codeSize: 2, variational: { beta: 1 }, scoreBy: 'reconstruction', epochs: 40, batchSize: 64, learningRate: 3e-3, earlyStopping: false, seed: 1 });
    await vae.fit(x);
  });
  afterAll(() => vae?.dispose());

  test('codes of the training rows, z ~ q(z|x), have mean near 0 and variance near 1 per dimension; μ alone carries most of it', () => {
    const { mean, logVar } = vae.encodeDistribution(x);
    const random = seededRandom(11);
    const z = { data: mean.data.map((m, i) => m + Math.exp(0.5 * logVar.data[i]) * gaussian(random)), rows: x.rows, cols: 2 };
    for (const m of columnMeans(z)) expect(Math.abs(m)).toBeLessThan(0.1);
    for (const v of columnVariances(z)) expect(Math.abs(v - 1)).toBeLessThan(0.15);
    // The code is used, not collapsed to the prior: most of each dimension's variance is between rows.
    for (const v of columnVariances(mean)) expect(v).toBeGreaterThan(0.5);
    // encode returns μ.
    expect(Array.from(vae.encode(x).data)).toEqual(Array.from(mean.data));
  });

  test('decoding samples from N(0, I) gives rows in the data’s range', () => {
    const random = seededRandom(5);
    const samples = vae.decode({ data: Float32Array.from({ length: 2000 }, () => gaussian(random)), rows: 1000, cols: 2 });
    let outside = 0;
    let farOutside = 0;
    for (let j = 0; j < 8; j++) {
      let lo = Infinity;
      let hi = -Infinity;
      for (let r = 0; r < x.rows; r++) {
        lo = Math.min(lo, x.data[r * 8 + j]);
        hi = Math.max(hi, x.data[r * 8 + j]);
      }
      const margin = 0.25 * (hi - lo);
      for (let r = 0; r < samples.rows; r++) {
        const v = samples.data[r * 8 + j];
        if (v < lo || v > hi) outside++;
        if (v < lo - margin || v > hi + margin) farOutside++;
      }
    }
    expect(outside / samples.data.length).toBeLessThan(0.03);
    expect(farOutside).toBe(0);
  });

  test('the KL term is > 0 for every row and the elbo score is reconstruction + beta * KL / d', () => {
    const kl = vae.klDivergence(x);
    expect(Math.min(...kl)).toBeGreaterThan(0);
    expect(meanOf(kl)).toBeGreaterThan(0.5);
    const elbo = new Autoencoder(8, { ...vae.config, variational: { beta: 1, scoreBy: 'elbo' } });
    // Same weights, other score: graft the fitted network (tests only).
    (elbo as unknown as { network: unknown }).network = (vae as unknown as { network: unknown }).network;
    const reconstruction = vae.score(x);
    const scores = elbo.score(x);
    for (const r of [0, 10, 999]) expect(scores[r]).toBeCloseTo(reconstruction[r] + kl[r] / 8, 5);
    expect(Array.from(elbo.score(x))).toEqual(Array.from(scores));
  });

  test('scores use μ, never a sample: repeated calls are bitwise identical', () => {
    expect(sameBits(vae.score(x), vae.score(x))).toBe(true);
    expect(sameBits(vae.reconstruct(x).data, vae.reconstruct(x).data)).toBe(true);
  });

  test('encodeDistribution and klDivergence on a deterministic model throw ModelStateError', async () => {
    const plain = new Autoencoder(8, { codeSize: 2, epochs: 1 });
    await plain.fit(x);
    try {
      expect(() => plain.klDivergence(x)).toThrow(ModelStateError);
      expect(() => plain.encodeDistribution(x)).toThrow(/needs a variational model/);
    } finally {
      plain.dispose();
    }
  });
});

describe('convolutional autoencoder', () => {
  // 400 training digits, 200 held out, 8 epochs, the same code size, activation (ELU: with ReLU some conv
  // units die early and the result varies by seed) and optimiser settings for both. Seeds 1-3: conv error
  // 25.0-26.4 vs dense 27.6-28.6 (sum of squared pixel errors per digit).
  test('on digit images: under a fifth of the parameters of the dense 784-128-32 model, and a held-out error no worse', async () => {
    const digits = loadDigits();
    const train = sliceDigits(digits, 0, 400).x;
    const heldOut = sliceDigits(digits, 9000, 9200).x;
    const base: AutoencoderConfig = {
      codeSize: 32,
      activation: 'elu',
      loss: 'bce',
      outputActivation: 'sigmoid',
      epochs: 8,
      batchSize: 32,
      learningRate: 3e-3,
      validationSplit: 0,
      earlyStopping: false,
      scoreBy: 'reconstruction' as const,
      seed: 1,
    };
    const dense = new Autoencoder(784, { ...base, hiddenUnits: [128] });
    const conv = new Autoencoder(784, { ...base, convolutional: { shape: DIGIT_SHAPE, filters: [16, 8] } });
    try {
      await dense.fit(train);
      await conv.fit(train);
      expect(conv.parameterCount).toBeLessThan(0.2 * dense.parameterCount);
      const denseError = 784 * meanOf(dense.score(heldOut));
      const convError = 784 * meanOf(conv.score(heldOut));
      expect(convError).toBeLessThanOrEqual(denseError);
      expect(conv.encode(heldOut).cols).toBe(32);
      expect(conv.reconstruct(heldOut).data.every((v) => v >= 0 && v <= 1)).toBe(true);
    } finally {
      dense.dispose();
      conv.dispose();
    }
  });
});
