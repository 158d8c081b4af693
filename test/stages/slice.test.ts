import type { RecordBatch } from 'apache-arrow';
import { describe, expect, test } from 'vitest';
import { AckService } from '../../src/contract/acks.js';
import { slice } from '../../src/stages/slice.js';
import { collect, fromArray, testContext } from '../helpers/context.js';
import { planeWithOutliers } from '../helpers/data.js';

const input: RecordBatch[] = planeWithOutliers(300, 6, 3, 100);

describe('slice', () => {
  test('passes rows [offset, offset + rows) across batch boundaries, in order', async () => {
    const out = await collect(slice.create(slice.params.parse({ offset: 150, rows: 120 }), testContext()).transform(fromArray(input)));
    expect(out.map((b) => b.numRows)).toEqual([50, 70]);
    expect(out.flatMap((b) => Array.from({ length: b.numRows }, (_, r) => b.getChild('id')!.get(r)))).toEqual(
      Array.from({ length: 120 }, (_, i) => `row-${150 + i}`),
    );
    const tail = await collect(slice.create(slice.params.parse({ offset: 250 }), testContext()).transform(fromArray(input)));
    expect(tail.reduce((n, b) => n + b.numRows, 0)).toBe(50);
  });

  test('stops pulling its input once the rows are through', async () => {
    let pulled = 0;
    let released = false;
    async function* source() {
      try {
        for (let i = 0; i < 1000; i++) {
          pulled++;
          yield input[i % 3];
        }
      } finally {
        released = true;
      }
    }
    const out = await collect(slice.create(slice.params.parse({ rows: 150 }), testContext()).transform(source()));
    expect(out.reduce((n, b) => n + b.numRows, 0)).toBe(150);
    expect(pulled).toBe(2);
    expect(released).toBe(true);
  });

  test('settles the batches it drops whole and leaves the ones it passes on to the sink', async () => {
    const acks = new AckService();
    const settled: number[] = [];
    const attached = input.map((b, i) => acks.attach(b, { settle: () => settled.push(i), fail: () => {} }));
    const out = await collect(slice.create(slice.params.parse({ offset: 150, rows: 100 }), testContext({ acks })).transform(fromArray(attached)));
    // Batch 0 (rows 0-99) is skipped whole; batches 1 and 2 pass in part and settle when the sink says so.
    expect(settled).toEqual([0]);
    for (const b of out) acks.settle(b);
    expect(settled).toEqual([0, 1, 2]);
  });
});
