import { RecordBatch, Schema, Struct, Utf8, makeData, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/errors.js';
import { numericTextField } from '../../src/io/numeric-field.js';
import { corrupt } from '../../src/stages/corrupt.js';
import { collect, fromArray, testContext } from '../helpers/context.js';

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
