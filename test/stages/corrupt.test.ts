import { RecordBatch, Schema, Struct, Utf8, makeData, tableFromArrays, vectorFromArray } from 'apache-arrow';
import { describe, expect, it, test } from 'vitest';
import { DataError } from '../../src/errors.js';
import { numericTextField } from '../../src/io/numeric-field.js';
import { corrupt } from '../../src/stages/corrupt.js';
import { collect, fromArray, testContext } from '../helpers/context.js';
import { numbers, planeWithOutliers } from '../helpers/data.js';

/** corrupt reads numeric-text feature columns (Utf8 + latentflow.numeric=text) as numbers, as feature extraction does. */

function numericText(name: string, values: (string | null)[]): RecordBatch {
  const fields = [numericTextField(name)];
  const children = [vectorFromArray(values, new Utf8()).data[0]];
  return new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: values.length, nullCount: 0, children }));
}

const run = (batch: RecordBatch, params: Record<string, unknown>) =>
  collect(corrupt.create(corrupt.params.parse({ features: ['v'], ...params }), testContext({ stageId: 'noise' })).transform(fromArray([batch])));

describe('corrupt on numeric text', () => {
  it('reads "007", "1.50" and "-inf" as 7, 1.5 and -Infinity (clipped), keeping nulls', async () => {
    const [out] = await run(numericText('v', ['007', '1.50', '-inf', null, ' 2 ']), { noise: { type: 'gaussian', sigma: 1e-9 }, clip: [-5, 5] });
    const v = out.getChild('v')!;
    expect(String(v.type)).toBe('Float32');
    expect(v.get(0)).toBe(5);
    expect(v.get(1)).toBeCloseTo(1.5, 6);
    expect(v.get(2)).toBe(-5);
    expect(v.get(3)).toBeNull();
    expect(v.get(4)).toBeCloseTo(2, 6);
  });

  it('a numeric-text cell that is not a number is a DataError naming the row and column', async () => {
    const err = await run(numericText('v', ['1', 'n/a']), { noise: { type: 'gaussian', sigma: 0.1 } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect(err).toMatchObject({ column: 'v', row: 1, received: '"n/a"' });
  });
});

const FEATURES = ['f0', 'f1', 'f2', 'f3', 'f4', 'f5'];
const input: RecordBatch[] = planeWithOutliers(300, 6, 3, 100);

describe('corrupt', () => {
  const runPlane = async (params: Record<string, unknown>, batches: RecordBatch[] = input) =>
    collect(corrupt.create(corrupt.params.parse({ exclude: ['outlier'], ...params }), testContext({ stageId: 'noise' })).transform(fromArray(batches)));

  test('gaussian noise has the requested sd, keeps other columns and the clean copies, and does not depend on batch sizes', async () => {
    const out = await runPlane({ noise: { type: 'gaussian', sigma: 0.1 }, originalPrefix: 'clean_' });
    const diffs = out.flatMap((b) => FEATURES.flatMap((f) => numbers(b, f).map((v, r) => v - numbers(b, `clean_${f}`)[r])));
    const mean = diffs.reduce((a, b) => a + b, 0) / diffs.length;
    const sd = Math.sqrt(diffs.reduce((a, d) => a + (d - mean) ** 2, 0) / diffs.length);
    expect(diffs.length).toBe(1800);
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(sd).toBeGreaterThan(0.09);
    expect(sd).toBeLessThan(0.11);
    out.forEach((b, i) => {
      expect(numbers(b, 'clean_f0')).toEqual(numbers(input[i], 'f0'));
      expect(numbers(b, 'outlier')).toEqual(numbers(input[i], 'outlier'));
      expect(b.getChild('id')!.get(0)).toBe(input[i].getChild('id')!.get(0));
    });
    const whole = tableFromArrays(Object.fromEntries(input[0].schema.fields.map((f) => [f.name, input.flatMap((b) => Array.from(b.getChild(f.name)!.toArray() as ArrayLike<unknown>))])) as never);
    const oneBatch = await runPlane({ noise: { type: 'gaussian', sigma: 0.1 }, originalPrefix: 'clean_' }, whole.batches as unknown as RecordBatch[]);
    expect(numbers(oneBatch[0], 'f3')).toEqual(out.flatMap((b) => numbers(b, 'f3')));
  });

  test('masking noise zeroes about dropProbability of the values; clip bounds the output', async () => {
    const masked = await runPlane({ noise: { type: 'mask', dropProbability: 0.3 } });
    const values = masked.flatMap((b) => FEATURES.flatMap((f) => numbers(b, f)));
    const zeros = values.filter((v) => v === 0).length / values.length;
    expect(zeros).toBeGreaterThan(0.25);
    expect(zeros).toBeLessThan(0.35);
    const clipped = await runPlane({ noise: { type: 'gaussian', sigma: 1 }, clip: [-0.5, 0.5] });
    const all = clipped.flatMap((b) => FEATURES.flatMap((f) => numbers(b, f)));
    expect(Math.min(...all)).toBeGreaterThanOrEqual(-0.5);
    expect(Math.max(...all)).toBeLessThanOrEqual(0.5);
  });

  test('null feature values stay null', async () => {
    const table = tableFromArrays({ a: [1, null, 3] as never, b: Float64Array.from([1, 2, 3]) });
    const [out] = await collect(
      corrupt.create(corrupt.params.parse({ noise: { type: 'gaussian', sigma: 0.1 } }), testContext()).transform(fromArray(table.batches as unknown as RecordBatch[])),
    );
    expect(out.getChild('a')!.get(1)).toBeNull();
    expect(out.getChild('a')!.nullCount).toBe(1);
  });
});
