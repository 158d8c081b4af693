import { describe, expect, it } from 'vitest';
import { fitDetector } from '../../../src/index.js';
import { DataError, ModelStateError } from '../../../src/errors.js';
import { calibrationState, splitCalibration } from '../../../src/stages/shared/calibration-split.js';
import { planeWithOutliers } from '../../helpers/data.js';

/** Rows whose single value is their global index, in parts of the given sizes. */
function indexedParts(sizes: number[]) {
  let at = 0;
  return sizes.map((rows) => {
    const data = Float32Array.from({ length: rows }, () => at++);
    return { data, rows, cols: 1 };
  });
}

describe('calibration split', () => {
  it('holds out floor(rows * fraction) rows: train and calibration partition the rows, each in input order', () => {
    const parts = indexedParts([7, 1, 12]);
    const { train, calibration } = splitCalibration(parts, 1, 0.3, 5);
    const trained = train.flatMap((p) => Array.from(p.data));
    const held = Array.from(calibration!.data);
    expect(held.length).toBe(6);
    expect([...trained, ...held].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(trained).toEqual([...trained].sort((a, b) => a - b));
    expect(held).toEqual([...held].sort((a, b) => a - b));
    expect(train.every((p) => p.rows > 0)).toBe(true);
  });

  it('the same seed holds out the same rows, another seed others; fraction 0 returns the parts themselves', () => {
    const parts = indexedParts([50, 50]);
    const held = (seed: number) => Array.from(splitCalibration(parts, 1, 0.2, seed).calibration!.data);
    expect(held(1)).toEqual(held(1));
    expect(held(2)).not.toEqual(held(1));
    const none = splitCalibration(parts, 1, 0, 1);
    expect(none.calibration).toBeUndefined();
    expect(none.train[0]).toBe(parts[0]);
  });

  it('too few rows for a calibration row and 2 training rows is a DataError naming calibrationSplit', () => {
    expect(() => splitCalibration(indexedParts([4]), 1, 0.2, 1)).toThrow(DataError);
    expect(() => splitCalibration(indexedParts([4]), 1, 0.2, 1)).toThrow(/calibrationSplit=0.2 of 4 valid training rows holds out 0/);
    expect(() => splitCalibration(indexedParts([2]), 1, 0.5, 1)).toThrow(/trains on 1/);
  });

  it('calibration scores are sorted; a non-finite one is a ModelStateError', () => {
    expect(calibrationState(Float32Array.from([3, 1, 2]), 0.1, 'pca')).toEqual({ fraction: 0.1, scores: [1, 2, 3] });
    expect(() => calibrationState([1, Number.NaN], 0.1, 'pca')).toThrow(ModelStateError);
  });

  it('a fit with calibrationSplit trains scaler and model on the rest and saves the held-out rows\' scores', async () => {
    const rows = planeWithOutliers(600, 0, 9, 100);
    const calibrated = await fitDetector(rows, { type: 'pca', exclude: ['outlier'], k: 2, calibrationSplit: 0.2 });
    const plain = await fitDetector(rows, { type: 'pca', exclude: ['outlier'], k: 2 });
    try {
      const d = calibrated.detector;
      expect(d.training.rows).toBe(480);
      expect(d.training.calibrationRows).toBe(120);
      expect((d.scaler.toJSON() as { count: number }).count).toBe(480);
      expect(d.calibration!.fraction).toBe(0.2);
      // Each saved score is the fitted model's score of one input row (a sub-multiset of all rows' scores).
      const all = Array.from(calibrated.score(rows)).sort((a, b) => a - b);
      const scores = d.calibration!.scores;
      expect(scores.length).toBe(120);
      let j = 0;
      for (const s of scores) {
        while (j < all.length && all[j] < s) j++;
        expect(all[j]).toBe(s);
        j++;
      }
      // Without calibrationSplit nothing is held out, as before the option.
      expect(plain.detector.training.rows).toBe(600);
      expect(plain.detector.calibration).toBeNull();
      expect(plain.detector.training).not.toHaveProperty('calibrationRows');
    } finally {
      calibrated.dispose();
      plain.dispose();
    }
  });
});
