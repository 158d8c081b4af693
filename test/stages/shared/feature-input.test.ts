import { describe, expect, it } from 'vitest';
import { fitDetector } from '../../../src/index.js';
import { rocAuc } from '../../../src/evaluation/metrics.js';
import { deviceTable, labels } from '../../helpers/mixed-data.js';

/**
 * Issue 16: a mixed-type fit sees anomalies that only a category x number combination shows. The same
 * seeded data: numeric features alone score near chance, the mixed default (features: auto) finds them.
 */
const train = deviceTable(3000, 0, 1);
const test = deviceTable(2000, 0.05, 2);
const model = {};

describe('mixed-type features', () => {
  it('numeric-only scoring is near chance on a category x number anomaly, features: auto reaches ROC-AUC >= 0.95', async () => {
    const numeric = await fitDetector(train, { exclude: ['label'], model, seed: 7 });
    const mixed = await fitDetector(train, { features: 'auto', exclude: ['label', 'id'], model, seed: 7 });
    try {
      expect(numeric.features).toEqual(['value', 'noise']);
      expect(mixed.features).toEqual(['device', 'value', 'noise']);
      const y = labels(test);
      const numericAuc = rocAuc(numeric.score(test), y);
      const mixedAuc = rocAuc(mixed.score(test), y);
      expect(Math.abs(numericAuc - 0.5)).toBeLessThan(0.1);
      expect(mixedAuc).toBeGreaterThanOrEqual(0.95);
    } finally {
      numeric.dispose();
      mixed.dispose();
    }
  }, 120_000);

  it('PCA on the encoded matrix: the linear baseline fits and scores the same mixed columns', async () => {
    const pca = await fitDetector(train, { type: 'pca', features: 'auto', exclude: ['label', 'id'], seed: 7 });
    try {
      expect(pca.features).toEqual(['device', 'value', 'noise']);
      const scores = pca.score(test);
      expect(scores.every((s) => Number.isFinite(s))).toBe(true);
      expect(rocAuc(scores, labels(test))).toBeGreaterThan(0.5);
    } finally {
      pca.dispose();
    }
  }, 60_000);
});
