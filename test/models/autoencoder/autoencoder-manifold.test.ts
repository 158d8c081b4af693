import { beforeAll, describe, expect, test } from 'vitest';
import { Autoencoder } from '../../../src/models/autoencoder/autoencoder.js';
import { rocAuc } from '../../../src/evaluation/metrics.js';
import { PcaModel } from '../../../src/models/pca.js';
import { Scaler } from '../../../src/models/scaler.js';
import { selectBackend } from '../../../src/runtime/backend.js';
import { helix, meanOf, subspaceWithOutliers } from '../synthetic.js';

beforeAll(async () => {
  await selectBackend();
});

describe('autoencoder versus PCA', () => {
  // The project's central claim: on a curved manifold a non-linear 1-D code beats the best linear 1-D code.
  // Checked for two seeds; during development seeds 1-4 gave ratios 0.010-0.063.
  test.each([1, 2])(
    'a 1-D code reconstructs held-out rows of a noisy helix in 8-D with under a quarter of PCA k=1 error (seed %i)',
    async (seed) => {
      const d = 8;
      const train = helix(1200, d, 100 + seed);
      const heldOut = helix(600, d, 200 + seed);
      const pca = new PcaModel({ k: 1 }).fit(train);
      const ae = new Autoencoder(d, {
        codeSize: 1,
        hiddenUnits: [32, 32],
        // The property is about reconstruction error, whatever the default score.
        scoreBy: 'reconstruction',
        epochs: 80,
        batchSize: 64,
        learningRate: 5e-3,
        earlyStopping: { patience: 10 },
        seed,
      });
      try {
        await ae.fit(train);
        const aeError = meanOf(ae.score(heldOut));
        const pcaError = meanOf(pca.score(heldOut));
        expect(pcaError).toBeGreaterThan(0.05); // the linear baseline really misses the curve
        expect(aeError).toBeLessThan(0.25 * pcaError);
        expect(ae.encode(heldOut).cols).toBe(1);
      } finally {
        ae.dispose();
      }
    },
  );

  test('injected outliers get the top scores: ROC-AUC > 0.95 for both the autoencoder and PCA', async () => {
    // 3 % contamination, trained on the contaminated data as in unsupervised use.
    const { x, labels } = subspaceWithOutliers(1500, 10, 3, 45, 11);
    const scaled = new Scaler('standard').fit(x).transform(x);
    const pca = new PcaModel({ k: 3 }).fit(scaled);
    const ae = new Autoencoder(10, { epochs: 40, batchSize: 64, learningRate: 3e-3, seed: 3 });
    try {
      await ae.fit(scaled);
      const aeAuc = rocAuc(ae.score(scaled), labels);
      const pcaAuc = rocAuc(pca.score(scaled), labels);
      expect(aeAuc).toBeGreaterThan(0.95);
      expect(pcaAuc).toBeGreaterThan(0.95);
    } finally {
      ae.dispose();
    }
  });
});
