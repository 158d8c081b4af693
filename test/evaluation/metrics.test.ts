import { describe, expect, test } from 'vitest';
import { averagePrecision, rocAuc } from '../../src/evaluation/metrics.js';

describe('rocAuc', () => {
  test('is 1 when every positive outscores every negative, 0 when reversed', () => {
    expect(rocAuc([0.1, 0.2, 0.9, 0.8], [0, 0, 1, 1])).toBe(1);
    expect(rocAuc([0.9, 0.8, 0.1, 0.2], [0, 0, 1, 1])).toBe(0);
  });

  test('counts ties as one half', () => {
    expect(rocAuc([1, 1, 1, 1], [0, 1, 0, 1])).toBe(0.5);
    // pairs (pos, neg): (0.5 vs 0.5) = 0.5, (0.5 vs 0.1) = 1, (0.9 vs 0.5) = 1, (0.9 vs 0.1) = 1 -> 3.5 / 4
    expect(rocAuc([0.5, 0.1, 0.5, 0.9], [false, false, true, true])).toBe(0.875);
  });

  test('equals the pairwise definition on random scores with ties', () => {
    const scores = Array.from({ length: 60 }, (_, i) => ((i * 37) % 11) / 10);
    const labels = Array.from({ length: 60 }, (_, i) => ((i * 13) % 7 < 2 ? 1 : 0));
    let wins = 0;
    let pairs = 0;
    for (let i = 0; i < 60; i++) {
      for (let j = 0; j < 60; j++) {
        if (labels[i] === 1 && labels[j] === 0) {
          pairs++;
          wins += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
        }
      }
    }
    expect(rocAuc(scores, labels)).toBeCloseTo(wins / pairs, 12);
  });

  test('needs both classes and matching lengths', () => {
    expect(() => rocAuc([1, 2], [1, 1])).toThrow(RangeError);
    expect(() => rocAuc([1, 2], [1])).toThrow(RangeError);
  });
});

describe('averagePrecision', () => {
  test('matches scikit-learn average_precision_score, ties entering together', () => {
    expect(averagePrecision([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBeCloseTo(0.8333333333333333, 12);
    expect(averagePrecision([0.5, 0.5, 0.5, 0.1], [1, 0, 1, 0])).toBeCloseTo(2 / 3, 12);
    expect(averagePrecision([3, 2, 1], [true, true, false])).toBe(1);
    expect(averagePrecision([Infinity, 1, -Infinity], [0, 1, 0])).toBeCloseTo(0.5, 12);
  });

  test('rejects mismatched lengths, no positives and NaN scores', () => {
    expect(() => averagePrecision([1, 2], [1])).toThrow(RangeError);
    expect(() => averagePrecision([1, 2], [0, 0])).toThrow(/positive/);
    expect(() => averagePrecision([1, NaN], [0, 1])).toThrow(/NaN/);
  });
});
