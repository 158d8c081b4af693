import * as tf from '../../../src/runtime/tf.js';
import { beforeAll, describe, expect, test } from 'vitest';
import { Autoencoder, type AutoencoderConfig } from '../../../src/models/autoencoder/autoencoder.js';
import { resolveAutoencoderConfig } from '../../../src/models/autoencoder/autoencoder-config.js';
import { DenseNetwork } from '../../../src/models/autoencoder/dense-network.js';
import type { Matrix } from '../../../src/models/matrix.js';
import { selectBackend } from '../../../src/runtime/backend.js';
import { gaussianMatrix, helix, meanOf } from '../synthetic.js';
import { columnMeans, meanAbs, meanRowSquaredDistance, subspaceSplit, withGaussianNoise, withMasking } from '../variant-data.js';

/**
 * Each regularised variant against the plain model with the same architecture, data and seed: the variant
 * must show the property it exists for. During development seeds 1-3 were checked; the margins in the
 * comments are the worst of those runs.
 */
beforeAll(async () => {
  await selectBackend();
});

/** These properties compare reconstruction errors, so `score` is asked for the mean squared error. */
async function fitted(d: number, config: AutoencoderConfig, x: Matrix): Promise<Autoencoder> {
  const ae = new Autoencoder(d, { scoreBy: 'reconstruction', ...config });
  await ae.fit(x);
  return ae;
}

describe('deep (stacked) autoencoders', () => {
  test('sandwich shapes: a 3-layer encoder with its mirror, and an asymmetric decoder, train and keep their widths', async () => {
    const x = helix(300, 12, 1);
    const mirror = await fitted(12, { hiddenUnits: [32, 16, 8], codeSize: 2, epochs: 2, batchSize: 64 }, x);
    const asymmetric = await fitted(12, { hiddenUnits: [24, 12], codeSize: 3, decoderUnits: [6], epochs: 2, batchSize: 64 }, x);
    try {
      expect(mirror.layerUnits).toEqual([12, 32, 16, 8, 2, 8, 16, 32, 12]);
      expect(asymmetric.layerUnits).toEqual([12, 24, 12, 3, 6, 12]);
      // Kernels and biases of every Dense layer, in order.
      expect(mirror.getWeights().filter((_, i) => i % 2 === 0).map((w) => w.length)).toEqual([12 * 32, 32 * 16, 16 * 8, 8 * 2, 2 * 8, 8 * 16, 16 * 32, 32 * 12]);
      expect(mirror.encode(x).cols).toBe(2);
      expect(asymmetric.reconstruct(x).cols).toBe(12);
      expect(mirror.score(x).every(Number.isFinite)).toBe(true);
    } finally {
      mirror.dispose();
      asymmetric.dispose();
    }
  });
});

describe('sparse autoencoder, L1', () => {
  // Seeds 1-3: mean |code| 0.39-0.43x the plain model's; error +0.0025..+0.0029 (data variance ~1).
  test('mean code activation on test rows is under half the plain model’s, reconstruction error at most 0.005 higher', async () => {
    const [train, test_] = subspaceSplit(2);
    const base: AutoencoderConfig = { hiddenUnits: [16], codeSize: 6, codeActivation: 'relu', epochs: 25, batchSize: 64, learningRate: 1e-2, earlyStopping: false, seed: 2 };
    const plain = await fitted(10, base, train);
    const sparse = await fitted(10, { ...base, sparsity: { type: 'l1', weight: 3e-3 } }, train);
    try {
      const plainActivation = meanAbs(plain.encode(test_).data);
      const sparseActivation = meanAbs(sparse.encode(test_).data);
      expect(sparseActivation).toBeLessThan(0.5 * plainActivation);
      expect(meanOf(sparse.score(test_))).toBeLessThan(meanOf(plain.score(test_)) + 0.005);
    } finally {
      plain.dispose();
      sparse.dispose();
    }
  });
});

describe('sparse autoencoder, KL', () => {
  // Seeds 1-3: KL model unit means 0.063-0.113, plain model unit means 0.403 and up (target 0.05).
  test('the mean activation of every sigmoid code unit moves from near 0.5 to near the target 0.05', async () => {
    const [train, test_] = subspaceSplit(1);
    const base: AutoencoderConfig = { hiddenUnits: [16], codeSize: 6, codeActivation: 'sigmoid', epochs: 40, batchSize: 64, learningRate: 1e-2, earlyStopping: false, seed: 1 };
    const plain = await fitted(10, base, train);
    const sparse = await fitted(10, { ...base, sparsity: { type: 'kl', target: 0.05, weight: 0.1 } }, train);
    try {
      const plainMeans = columnMeans(plain.encode(test_));
      const sparseMeans = columnMeans(sparse.encode(test_));
      for (const m of plainMeans) expect(m).toBeGreaterThan(0.3);
      for (const m of sparseMeans) expect(Math.abs(m - 0.05)).toBeLessThan(0.1);
      expect(Math.max(...sparseMeans.map((m) => Math.abs(m - 0.05)))).toBeLessThan(Math.min(...plainMeans.map((m) => Math.abs(m - 0.05))));
    } finally {
      plain.dispose();
      sparse.dispose();
    }
  });
});

describe('denoising autoencoder', () => {
  // A code of 8 for a curve in 12-D leaves the plain model room to copy noise; the denoising one learns not to.
  // Seeds 1-3: squared distance to the clean rows 0.37-0.46x the plain model's (Gaussian noise) and
  // 0.25-0.27x (masking); 0.14-0.16x the noise itself (Gaussian).
  const base: AutoencoderConfig = { hiddenUnits: [32], codeSize: 8, epochs: 20, batchSize: 64, learningRate: 1e-2, earlyStopping: false, seed: 3 };

  test('on inputs with Gaussian noise, its reconstructions are closer to the clean rows than the plain model’s', async () => {
    const train = helix(1000, 12, 3, 0.02);
    const clean = helix(400, 12, 103, 0.02);
    const noisy = withGaussianNoise(clean, 0.3, 7);
    const plain = await fitted(12, base, train);
    const denoising = await fitted(12, { ...base, denoising: { type: 'gaussian', sigma: 0.3 } }, train);
    try {
      const plainDistance = meanRowSquaredDistance(plain.reconstruct(noisy), clean);
      const denoisedDistance = meanRowSquaredDistance(denoising.reconstruct(noisy), clean);
      expect(denoisedDistance).toBeLessThan(0.6 * plainDistance);
      expect(denoisedDistance).toBeLessThan(0.25 * meanRowSquaredDistance(noisy, clean));
    } finally {
      plain.dispose();
      denoising.dispose();
    }
  });

  test('with masking noise, its reconstructions of masked inputs are closer to the clean rows than the plain model’s', async () => {
    const train = helix(1000, 12, 2, 0.02);
    const clean = helix(400, 12, 102, 0.02);
    const masked = withMasking(clean, 0.25, 8);
    const plain = await fitted(12, { ...base, seed: 2 }, train);
    const denoising = await fitted(12, { ...base, seed: 2, denoising: { type: 'mask', dropProbability: 0.25 } }, train);
    try {
      expect(meanRowSquaredDistance(denoising.reconstruct(masked), clean)).toBeLessThan(0.6 * meanRowSquaredDistance(plain.reconstruct(masked), clean));
    } finally {
      plain.dispose();
      denoising.dispose();
    }
  });

  test('noise is only drawn in training: scores, codes and reconstructions are the same on every call', async () => {
    const x = helix(200, 12, 5);
    const ae = await fitted(12, { ...base, epochs: 2, denoising: { type: 'mask', dropProbability: 0.5 } }, x);
    try {
      expect(Array.from(ae.score(x))).toEqual(Array.from(ae.score(x)));
      expect(Array.from(ae.reconstruct(x).data)).toEqual(Array.from(ae.reconstruct(x).data));
    } finally {
      ae.dispose();
    }
  });
});

describe('contractive autoencoder', () => {
  test('the closed-form Jacobian norm equals automatic differentiation for deep encoders and every activation', () => {
    const cases: AutoencoderConfig[] = [
      { hiddenUnits: [], codeActivation: 'sigmoid' },
      { hiddenUnits: [5], activation: 'tanh', codeActivation: 'sigmoid' },
      { hiddenUnits: [7, 5], activation: 'elu', codeActivation: 'relu' },
      { hiddenUnits: [30, 6], activation: 'selu', codeActivation: 'tanh' },
      { hiddenUnits: [20, 12, 9], activation: 'sigmoid', codeActivation: 'linear' },
    ];
    const x = gaussianMatrix(40, 8, 4);
    for (const options of cases) {
      const config = resolveAutoencoderConfig(8, { ...options, codeSize: 3, seed: 3 });
      const network = DenseNetwork.build(8, config);
      try {
        const closed = tf.tidy(() => network.codeJacobianSquaredNorm(tf.tensor2d(x.data, [x.rows, x.cols])).dataSync() as Float32Array);
        const ae = new Autoencoder(8, config);
        (ae as unknown as { network: DenseNetwork }).network = network;
        const auto = ae.codeJacobianSquaredNorm(x);
        for (let r = 0; r < x.rows; r++) expect(Math.abs(closed[r] - auto[r])).toBeLessThanOrEqual(1e-4 * auto[r] + 1e-9);
        expect(Math.max(...auto)).toBeGreaterThan(1e-5);
      } finally {
        network.dispose();
      }
    }
  });

  // Seeds 1-3: mean ‖J‖² 0.26-0.29x the plain model's, reconstruction error 0.94-1.03x.
  test('the encoder’s Jacobian norm on test rows is under 0.6x the plain model’s, at about the same error', async () => {
    const train = helix(1000, 10, 1, 0.05);
    const test_ = helix(400, 10, 101, 0.05);
    const base: AutoencoderConfig = { hiddenUnits: [32], codeSize: 4, codeActivation: 'sigmoid', epochs: 20, batchSize: 64, learningRate: 1e-2, earlyStopping: false, seed: 1 };
    const plain = await fitted(10, base, train);
    const contractive = await fitted(10, { ...base, contractive: { weight: 1e-2 } }, train);
    try {
      expect(meanOf(contractive.codeJacobianSquaredNorm(test_))).toBeLessThan(0.6 * meanOf(plain.codeJacobianSquaredNorm(test_)));
      expect(meanOf(contractive.score(test_))).toBeLessThan(1.5 * meanOf(plain.score(test_)));
    } finally {
      plain.dispose();
      contractive.dispose();
    }
  });
});
