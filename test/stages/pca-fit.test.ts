import { describe, expect, test } from 'vitest';
import { fitDetector } from '../../src/index.js';
import { planeWithOutliers } from '../helpers/data.js';
import { relativeError } from '../models/synthetic.js';

// 600 rows as 12 batches of 50, and the same rows as one batch.
const many = planeWithOutliers(600, 12, 21, 50);
const one = planeWithOutliers(600, 12, 21, 600);

describe('pca-fit', () => {
  test('fits batch by batch (standard scaler): 12 batches give the one-batch fit scores and threshold within 1e-6 relative', async () => {
    expect([many.length, one.length]).toEqual([12, 1]);
    const a = await fitDetector(many, { type: 'pca', exclude: ['outlier'], scaler: 'standard', k: 2 });
    const b = await fitDetector(one, { type: 'pca', exclude: ['outlier'], scaler: 'standard', k: 2 });
    try {
      expect(relativeError(a.score(one), b.score(one))).toBeLessThan(1e-6);
      expect(Math.abs((a.threshold?.threshold as number) / (b.threshold?.threshold as number) - 1)).toBeLessThan(1e-6);
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  test('with the robust scaler (all rows at once) 12 batches give the one-batch fit scores bit for bit', async () => {
    const a = await fitDetector(many, { type: 'pca', exclude: ['outlier'], k: 2 });
    const b = await fitDetector(one, { type: 'pca', exclude: ['outlier'], k: 2 });
    try {
      expect(Array.from(a.score(one))).toEqual(Array.from(b.score(one)));
    } finally {
      a.dispose();
      b.dispose();
    }
  });
});
