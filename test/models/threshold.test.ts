import { describe, expect, test } from 'vitest';
import { DataError, ModelConfigError } from '../../src/errors.js';
import { fitThreshold, flagAnomalies, isAnomaly, type ThresholdRule } from '../../src/models/threshold.js';
import { gaussianMatrix } from './synthetic.js';

const scores = Float32Array.from(gaussianMatrix(2000, 1, 5).data, (v) => v * v);

describe('fitThreshold', () => {
  test('contamination 0.1 flags ~10% of the training scores', () => {
    const state = fitThreshold(scores, { method: 'contamination', value: 0.1 });
    const flagged = flagAnomalies(scores, state).reduce((n, f) => n + f, 0);
    expect(Math.abs(flagged / scores.length - 0.1)).toBeLessThan(0.002);
    expect(state).toMatchObject({ method: 'contamination', value: 0.1 });
  });

  test('contamination uses the (1 - value) quantile with linear interpolation, as PyOD does', () => {
    // numpy.percentile([1..10], 80) = 8.2
    const state = fitThreshold(Float32Array.from([10, 1, 9, 2, 8, 3, 7, 4, 6, 5]), { method: 'contamination', value: 0.2 });
    expect(state.threshold).toBeCloseTo(8.2, 10);
  });

  test('percentile 99 flags ~1% of the training scores', () => {
    const state = fitThreshold(scores, { method: 'percentile', value: 99 });
    const flagged = flagAnomalies(scores, state).reduce((n, f) => n + f, 0);
    expect(flagged).toBe(20);
  });

  test('mad: median + k * 1.4826 * MAD', () => {
    // median 3, absolute deviations [2, 1, 0, 1, 97] -> MAD 1
    const state = fitThreshold(Float32Array.from([1, 2, 3, 4, 100]), { method: 'mad', k: 3 });
    expect(state).toEqual({ method: 'mad', k: 3, threshold: 3 + 3 * 1.4826 });
  });

  test('fixed returns the value whatever the scores, even none', () => {
    expect(fitThreshold(new Float32Array(0), { method: 'fixed', value: 0.5 })).toEqual({ method: 'fixed', value: 0.5, threshold: 0.5 });
  });

  test('isAnomaly is strict: score > threshold', () => {
    expect(isAnomaly(0.5, 0.5)).toBe(false);
    expect(isAnomaly(0.50001, 0.5)).toBe(true);
    expect(isAnomaly(0.6, { method: 'fixed', value: 0.5, threshold: 0.5 })).toBe(true);
    expect(isAnomaly(NaN, 0.5)).toBe(false);
  });

  test.each<[string, ThresholdRule, string]>([
    ['contamination 0', { method: 'contamination', value: 0 }, 'value'],
    ['contamination above 0.5', { method: 'contamination', value: 0.7 }, 'value'],
    ['percentile above 100', { method: 'percentile', value: 101 }, 'value'],
    ['negative percentile', { method: 'percentile', value: -1 }, 'value'],
    ['non-finite fixed value', { method: 'fixed', value: Infinity }, 'value'],
    ['mad with k 0', { method: 'mad', k: 0 }, 'k'],
    ['mad without k', { method: 'mad' } as never, 'k'],
    ['an unknown method', { method: 'zscore', value: 3 } as never, 'method'],
  ])('invalid rule (%s) throws ModelConfigError naming the option', (_title, rule, option) => {
    try {
      fitThreshold(scores, rule);
      throw new Error('expected a ModelConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ModelConfigError);
      expect((error as ModelConfigError).option).toBe(option);
    }
  });

  test('empty or non-finite training scores throw a DataError', () => {
    expect(() => fitThreshold(new Float32Array(0), { method: 'percentile', value: 90 })).toThrow(DataError);
    expect(() => fitThreshold(Float32Array.from([1, NaN]), { method: 'mad', k: 3 })).toThrow(expect.objectContaining({ row: 1 }));
  });
});
