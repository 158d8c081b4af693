import { describe, expect, it } from 'vitest';
import { columnErrors, layoutBlocks, slotWeights, type ColumnEncoding } from '../../src/models/feature-encoding.js';

const columns: ColumnEncoding[] = [
  { column: 'city', kind: 'categorical', method: 'one-hot', categories: Array.from({ length: 37 }, (_, i) => `c${i}`), buckets: 0, seen: [] },
  { column: 'amount', kind: 'numeric' },
  { column: 'at', kind: 'timestamp', cyclic: ['hourOfDay', 'dayOfWeek'] },
  { column: 'flag', kind: 'boolean' },
];

describe('feature encoding layout', () => {
  it('puts numeric blocks (numbers, then timestamp sin/cos) first, then 0/1 blocks, each column once', () => {
    const { blocks, width, numericWidth } = layoutBlocks(columns);
    expect(blocks.map((b) => [b.column, b.loss, b.start, b.width])).toEqual([
      ['amount', 'numeric', 0, 1],
      ['at', 'numeric', 1, 4],
      ['city', 'categorical', 5, 40],
      ['flag', 'binary', 45, 1],
    ]);
    expect(width).toBe(46);
    expect(numericWidth).toBe(5);
  });

  it('weighs every original column the same: a 40-slot one-hot block sums to one cross-entropy, a 4-slot timestamp averages', () => {
    const { blocks, width } = layoutBlocks(columns);
    const w = slotWeights(blocks, width);
    // Unit element loss in every slot gives a column error of 1 for every column, whatever its width.
    const perSlot = { data: new Float32Array(width).fill(1).map((v, j) => v * (blocks.find((b) => j >= b.start && j < b.start + b.width)!.loss === 'categorical' ? 1 / 40 : 1)), rows: 1, cols: width };
    const errors = columnErrors(perSlot, { blocks, width }, ['city', 'amount', 'at', 'flag']);
    expect(Array.from(errors.data)).toEqual([1, 1, 1, 1].map((v) => expect.closeTo(v, 6)));
    expect(w[1]).toBeCloseTo(0.25, 9);
    expect(w[5]).toBe(1);
  });

  it('returns column errors in the order asked for (the model features), not slot order', () => {
    const { blocks, width } = layoutBlocks(columns);
    const data = new Float32Array(width);
    data[0] = 2; // amount
    data[45] = 3; // flag
    const errors = columnErrors({ data, rows: 1, cols: width }, { blocks, width }, ['flag', 'amount', 'city', 'at']);
    expect(Array.from(errors.data)).toEqual([3, 2, 0, 0]);
  });
});
