import { describe, expect, test } from 'vitest';
import { quantileSorted } from '../../src/models/order-statistics.js';

describe('quantileSorted', () => {
  test('interpolates linearly between closest ranks (numpy default)', () => {
    const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(quantileSorted(sorted, 0)).toBe(1);
    expect(quantileSorted(sorted, 1)).toBe(10);
    expect(quantileSorted(sorted, 0.5)).toBe(5.5);
    expect(quantileSorted(sorted, 0.8)).toBeCloseTo(8.2, 12);
  });
});
