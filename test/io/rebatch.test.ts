import { Int32, RecordBatch, Utf8, tableFromArrays, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { withMetadata } from '../../src/io/batch.js';
import { concatBatches, rebatch } from '../../src/io/rebatch.js';
import { batchOf } from '../connectors/helpers.js';
import { collect, fromArray } from '../helpers/context.js';

/** A batch of `n` rows whose `i` column counts on from `from`, tagged with metadata `tag`. */
function rows(from: number, n: number, tag = `from ${from}`): RecordBatch {
  const t = tableFromArrays({ i: Int32Array.from({ length: n }, (_, k) => from + k), x: Float64Array.from({ length: n }, (_, k) => (from + k) / 2) });
  const batch = t.batches[0] ?? new RecordBatch(t.schema, undefined);
  return withMetadata(batch as unknown as RecordBatch, new Map([['tag', tag]]));
}

const ids = (b: RecordBatch) => Array.from(b.getChild('i')!.toArray() as Int32Array);

describe('rebatch', () => {
  it.each([0, -1, 1.5, Number.NaN])('batchRows %s is a RangeError naming the value', async (bad) => {
    await expect(collect(rebatch(fromArray([rows(0, 2)]), bad))).rejects.toThrow(new RangeError(`rebatch: batchRows must be a positive integer, got ${bad}`));
  });

  it('cuts across input batches: every output but the last has exactly batchRows rows, in order', async () => {
    const out = await collect(rebatch(fromArray([rows(0, 3), rows(3, 5), rows(8, 1), rows(9, 4)]), 4));
    expect(out.map(ids)).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9, 10, 11],
      [12],
    ]);
    expect(out.map((b) => Array.from(b.getChild('x')!.toArray() as Float64Array))[2]).toEqual([4, 4.5, 5, 5.5]);
  });

  it('a pending tail completed exactly by the next batch is yielded, leaving nothing pending', async () => {
    const out = await collect(rebatch(fromArray([rows(0, 3), rows(3, 1), rows(4, 4)]), 4));
    expect(out.map(ids)).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
    ]);
  });

  it('a pending tail still short after the next batch keeps waiting', async () => {
    const out = await collect(rebatch(fromArray([rows(0, 1), rows(1, 1), rows(2, 1)]), 5));
    expect(out.map(ids)).toEqual([[0, 1, 2]]);
  });

  it('each output has the schema metadata of the batch its first row came from', async () => {
    const out = await collect(rebatch(fromArray([rows(0, 3, 'A'), rows(3, 6, 'B'), rows(9, 2, 'C')]), 4));
    expect(out.map((b) => [ids(b)[0], b.schema.metadata.get('tag')])).toEqual([
      [0, 'A'],
      [4, 'B'],
      [8, 'B'],
    ]);
  });

  it('an input batch of exactly batchRows passes through as it is; slices share the input buffers', async () => {
    const exact = rows(0, 4);
    const long = rows(4, 9);
    const out = await collect(rebatch(fromArray([exact, long]), 4));
    expect(out[0]).toBe(exact);
    const buffer = (b: RecordBatch) => (b.getChild('i')!.data[0].values as Int32Array).buffer;
    expect(buffer(out[1])).toBe(buffer(long));
    expect(buffer(out[2])).toBe(buffer(long));
    expect(out.map(ids)).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9, 10, 11],
      [12],
    ]);
  });

  it('zero-row batches among rows are dropped; a stream of only zero-row batches gives the first of them', async () => {
    const out = await collect(rebatch(fromArray([rows(0, 0, 'empty-1'), rows(0, 2), rows(2, 0, 'empty-2'), rows(2, 2)]), 3));
    expect(out.map(ids)).toEqual([[0, 1, 2], [3]]);
    const empties = await collect(rebatch(fromArray([rows(0, 0, 'first'), rows(0, 0, 'second')]), 3));
    expect(empties).toHaveLength(1);
    expect(empties[0].numRows).toBe(0);
    expect(empties[0].schema.metadata.get('tag')).toBe('first');
    // Rows that fill whole batches and then an empty batch: no trailing zero-row output, also when the
    // only output was joined from two inputs.
    const whole = await collect(rebatch(fromArray([rows(0, 3), rows(3, 0)]), 3));
    expect(whole.map((b) => b.numRows)).toEqual([3]);
    const joined = await collect(rebatch(fromArray([rows(0, 3), rows(3, 1), rows(4, 0)]), 4));
    expect(joined.map(ids)).toEqual([[0, 1, 2, 3]]);
  });
});

describe('concatBatches', () => {
  it('no batches is a RangeError; one batch is returned as it is', () => {
    expect(() => concatBatches([])).toThrow(new RangeError('concatBatches: no batches'));
    const one = rows(0, 2);
    expect(concatBatches([one])).toBe(one);
  });

  it('joins the rows in order under the first batch schema, nulls and text included', () => {
    const a = withMetadata(
      batchOf({ s: vectorFromArray(['a', null], new Utf8()), n: vectorFromArray([1, null], new Int32()) }),
      new Map([['tag', 'first']]),
    );
    const b = withMetadata(
      batchOf({ s: vectorFromArray([null, 'd', 'e'], new Utf8()), n: vectorFromArray([3, 4, null], new Int32()) }),
      new Map([['tag', 'second']]),
    );
    const out = concatBatches([a, b]);
    expect(out.numRows).toBe(5);
    expect(out.schema.metadata.get('tag')).toBe('first');
    expect(out.getChild('s')!.toJSON()).toEqual(['a', null, null, 'd', 'e']);
    expect(out.getChild('n')!.toJSON()).toEqual([1, null, 3, 4, null]);
    expect(out.getChild('n')!.nullCount).toBe(2);
    expect(String(out.schema.fields[1].type)).toBe(String(new Int32()));
    expect(out.schema.fields.map((f) => f.name)).toEqual(['s', 'n']);
  });

  it('a float column keeps NaN and -0', () => {
    const a = tableFromArrays({ x: Float64Array.from([Number.NaN]) }).batches[0] as unknown as RecordBatch;
    const b = tableFromArrays({ x: Float64Array.from([-0, 1]) }).batches[0] as unknown as RecordBatch;
    const x = Array.from(concatBatches([a, b]).getChild('x')!.toArray() as Float64Array);
    expect(x[0]).toBeNaN();
    expect(Object.is(x[1], -0)).toBe(true);
    expect(x[2]).toBe(1);
  });
});
