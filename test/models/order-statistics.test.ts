import { describe, expect, test } from 'vitest';
import { countAtMost, countBelow, quantileSorted } from '../../src/models/order-statistics.js';

describe('quantileSorted', () => {
  test('interpolates linearly between closest ranks (numpy default)', () => {
    const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(quantileSorted(sorted, 0)).toBe(1);
    expect(quantileSorted(sorted, 1)).toBe(10);
    expect(quantileSorted(sorted, 0.5)).toBe(5.5);
    expect(quantileSorted(sorted, 0.8)).toBeCloseTo(8.2, 12);
  });
});

describe('countAtMost / countBelow', () => {
  test('count the values at or below, and strictly below, any value of a sorted array with ties', () => {
    const sorted = [1, 2, 2, 2, 5];
    expect([0, 1, 2, 3, 5, 9].map((v) => countAtMost(sorted, v))).toEqual([0, 1, 4, 4, 5, 5]);
    expect([0, 1, 2, 3, 5, 9].map((v) => countBelow(sorted, v))).toEqual([0, 0, 1, 4, 4, 5]);
    expect(countAtMost([], 1)).toBe(0);
  });
});
