import { beforeAll, describe, expect, it } from 'vitest';
import { blockElementLoss, blockRowLoss } from '../../../src/models/autoencoder/autoencoder-loss.js';
import { layoutBlocks, type ColumnEncoding } from '../../../src/models/feature-encoding.js';
import { seededRandom } from '../../../src/models/random.js';
import { selectBackend } from '../../../src/runtime/backend.js';
import * as tf from '../../../src/runtime/tf.js';

/**
 * Mixed-type element losses, against a plain-JS reference per block. The layout has runs of adjacent
 * numeric, binary and categorical blocks: numeric and binary runs are computed as one slice each, and a
 * categorical block's softmax must never reach into its neighbour.
 */
const cat = (column: string, categories: string[]): ColumnEncoding => ({ column, kind: 'categorical', method: 'one-hot', categories, buckets: 0, seen: [] });
// Slot order puts the numeric blocks (a, b, t, c) first, then the others in column order (f1, f2, c1, c2).
const columns: ColumnEncoding[] = [
  { column: 'a', kind: 'numeric' },
  { column: 'f1', kind: 'boolean' },
  { column: 'b', kind: 'numeric' },
  { column: 't', kind: 'timestamp', cyclic: ['hourOfDay'] },
  { column: 'f2', kind: 'boolean' },
  cat('c1', ['x', 'y']),
  cat('c2', ['p', 'q', 'r']),
  { column: 'c', kind: 'numeric' },
];
const layout = layoutBlocks(columns);

/** Per-slot reference loss of one row (target t, output o, both of the layout's width). */
function referenceRow(t: Float32Array, o: Float32Array): number[] {
  const out = new Array<number>(layout.width);
  for (const b of layout.blocks) {
    const slots = Array.from({ length: b.width }, (_, j) => b.start + j);
    if (b.loss === 'numeric') for (const j of slots) out[j] = (t[j] - o[j]) ** 2;
    else if (b.loss === 'binary') for (const j of slots) out[j] = -(t[j] * Math.log(1 / (1 + Math.exp(-o[j]))) + (1 - t[j]) * Math.log(1 - 1 / (1 + Math.exp(-o[j]))));
    else {
      const logSum = Math.log(slots.reduce((s, j) => s + Math.exp(o[j]), 0));
      for (const j of slots) out[j] = -t[j] * (o[j] - logSum);
    }
  }
  return out;
}

/** Rows of targets (numbers, 0/1 flags, one-hot blocks) and of outputs (any real values). */
function data(rows: number, seed: number) {
  const random = seededRandom(seed);
  const t = new Float32Array(rows * layout.width);
  const o = new Float32Array(rows * layout.width);
  for (let r = 0; r < rows; r++) {
    for (const b of layout.blocks) {
      for (let j = b.start; j < b.start + b.width; j++) {
        o[r * layout.width + j] = 4 * random() - 2;
        if (b.loss !== 'categorical') t[r * layout.width + j] = b.loss === 'binary' ? (random() < 0.5 ? 1 : 0) : 3 * random() - 1.5;
      }
      if (b.loss === 'categorical') t[r * layout.width + b.start + Math.floor(random() * b.width)] = 1;
    }
  }
  return { t, o };
}

beforeAll(async () => {
  await selectBackend();
});

describe('mixed-type block losses', () => {
  it('blockElementLoss gives every slot its own block\'s loss (squared error, sigmoid CE, softmax CE within the block only)', () => {
    expect(layout.blocks.map((b) => b.loss)).toEqual(['numeric', 'numeric', 'numeric', 'numeric', 'binary', 'binary', 'categorical', 'categorical']);
    const rows = 20;
    const { t, o } = data(rows, 7);
    const got = tf.tidy(() => blockElementLoss(layout.blocks, tf.tensor2d(t, [rows, layout.width]), tf.tensor2d(o, [rows, layout.width])).dataSync());
    for (let r = 0; r < rows; r++) {
      const at = r * layout.width;
      const want = referenceRow(t.subarray(at, at + layout.width), o.subarray(at, at + layout.width));
      want.forEach((v, j) => expect(got[at + j], `row ${r} slot ${j}`).toBeCloseTo(v, 4));
    }
  });

  it('blockRowLoss is the mean over original columns of each column\'s loss (numeric: mean over its slots)', () => {
    const rows = 10;
    const { t, o } = data(rows, 11);
    const got = tf.tidy(() => blockRowLoss(layout.blocks, tf.tensor2d(t, [rows, layout.width]), tf.tensor2d(o, [rows, layout.width])).dataSync());
    for (let r = 0; r < rows; r++) {
      const at = r * layout.width;
      const slot = referenceRow(t.subarray(at, at + layout.width), o.subarray(at, at + layout.width));
      const perColumn = layout.blocks.map((b) => {
        const sum = slot.slice(b.start, b.start + b.width).reduce((s, v) => s + v, 0);
        return b.loss === 'numeric' ? sum / b.width : sum;
      });
      expect(got[r]).toBeCloseTo(perColumn.reduce((s, v) => s + v, 0) / columns.length, 4);
    }
  });
});
