import {
  Bool,
  DateDay,
  Decimal,
  Field,
  Float16,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  LargeUtf8,
  TimestampMillisecond,
  Uint64,
  Uint8,
  Utf8,
  makeData,
  makeVector,
  vectorFromArray,
  type DataType,
  type Vector,
} from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { NUMERIC_KEY, NUMERIC_TEXT, isNumericField, isNumericTextField, isNumericType, numericReader, numericTextField } from '../../src/io/numeric-field.js';

const noBad = (row: number, text: string): never => {
  throw new Error(`unexpected bad cell ${row}: ${text}`);
};

/** Every row of `vector` through its numeric reader. */
function readAll(vector: Vector, field: Field = new Field('x', vector.type, vector.nullCount > 0)): (number | null)[] {
  const read = numericReader(vector, field, noBad);
  return Array.from({ length: vector.length }, (_, i) => read(i));
}

/** A 128-bit decimal vector holding the unscaled `values`. */
function decimalVector(values: bigint[], scale: number): Vector {
  const words = new Uint32Array(values.length * 4);
  values.forEach((v, i) => {
    const u = BigInt.asUintN(128, v);
    for (let k = 0; k < 4; k++) words[i * 4 + k] = Number((u >> BigInt(32 * k)) & 0xffffffffn);
  });
  return makeVector(makeData({ type: new Decimal(scale, 20, 128), length: values.length, data: words }));
}

describe('numeric text fields', () => {
  it('numericTextField is a nullable Utf8 field carrying the numeric-text key', () => {
    const field = numericTextField('id');
    expect(field.name).toBe('id');
    expect(String(field.type)).toBe('Utf8');
    expect(field.nullable).toBe(true);
    expect([...field.metadata]).toEqual([['latentflow.numeric', 'text']]);
    expect([NUMERIC_KEY, NUMERIC_TEXT]).toEqual(['latentflow.numeric', 'text']);
    expect(isNumericTextField(field)).toBe(true);
  });

  it('only a Utf8 field whose key says "text" is numeric text', () => {
    expect(isNumericTextField(new Field('a', new Utf8(), true))).toBe(false);
    expect(isNumericTextField(new Field('a', new Utf8(), true, new Map([[NUMERIC_KEY, 'other']])))).toBe(false);
    expect(isNumericTextField(new Field('a', new Utf8(), true, new Map([['other.key', NUMERIC_TEXT]])))).toBe(false);
    expect(isNumericTextField(new Field('a', new LargeUtf8(), true, new Map([[NUMERIC_KEY, NUMERIC_TEXT]])))).toBe(false);
    expect(isNumericTextField(new Field('a', new Float64(), true, new Map([[NUMERIC_KEY, NUMERIC_TEXT]])))).toBe(false);
  });
});

describe('isNumericType / isNumericField', () => {
  it.each<[string, DataType]>([
    ['Int8', new Int8()],
    ['Int64', new Int64()],
    ['Uint8', new Uint8()],
    ['Float16', new Float16()],
    ['Float32', new Float32()],
    ['Float64', new Float64()],
    ['Decimal', new Decimal(2, 10, 128)],
  ])('%s is numeric', (_name, type) => {
    expect(isNumericType(type)).toBe(true);
    expect(isNumericField(new Field('x', type, true))).toBe(true);
  });

  it.each<[string, DataType, boolean]>([
    ['Bool', new Bool(), false],
    ['Utf8', new Utf8(), true],
    ['DateDay', new DateDay(), false],
    ['Timestamp', new TimestampMillisecond(), false],
  ])('%s is not numeric; a field of it is only when it is Utf8 marked numeric text', (_name, type, isTextWhenMarked) => {
    expect(isNumericType(type)).toBe(false);
    expect(isNumericField(new Field('x', type, true))).toBe(false);
    expect(isNumericField(new Field('x', type, true, new Map([[NUMERIC_KEY, NUMERIC_TEXT]])))).toBe(isTextWhenMarked);
  });
});

describe('numericReader', () => {
  it('reads floats and ints as numbers, nulls as null', () => {
    expect(readAll(vectorFromArray([1.5, null, -2.25], new Float64()))).toEqual([1.5, null, -2.25]);
    expect(readAll(vectorFromArray([0.5, 3], new Float32()))).toEqual([0.5, 3]);
    expect(readAll(vectorFromArray([-3, null, 7], new Int16()))).toEqual([-3, null, 7]);
  });

  it('reads 64-bit ints as the nearest number (a number, not a bigint)', () => {
    const values = readAll(vectorFromArray([2n ** 53n + 1n, -5n, null], new Int64()));
    expect(values).toEqual([2 ** 53, -5, null]);
    expect(values.map((v) => typeof v)).toEqual(['number', 'number', 'object']);
    expect(readAll(vectorFromArray([2n ** 64n - 1n], new Uint64()))).toEqual([2 ** 64]);
  });

  it('reads half floats as their values, not their 16-bit patterns', () => {
    expect(readAll(vectorFromArray([1.5, null, -2], new Float16()))).toEqual([1.5, null, -2]);
  });

  it('reads a vector of several chunks and a sliced vector at the right rows', () => {
    const chunked = vectorFromArray([1, 2], new Int32()).concat(vectorFromArray([3, null, 5], new Int32()));
    expect(chunked.data).toHaveLength(2);
    expect(readAll(chunked)).toEqual([1, 2, 3, null, 5]);
    const big = vectorFromArray([10n, 20n], new Int64()).concat(vectorFromArray([30n], new Int64()));
    expect(readAll(big)).toEqual([10, 20, 30]);
    const sliced = vectorFromArray([1, null, 3, 4, 5], new Float64()).slice(1, 4);
    expect(readAll(sliced)).toEqual([null, 3, 4]);
  });

  it('scales decimals: 12345 at scale 2 is 123.45, negatives included', () => {
    expect(readAll(decimalVector([12345n, -12345n, 7n], 2))).toEqual([123.45, -123.45, 0.07]);
    expect(readAll(decimalVector([42n], 0))).toEqual([42]);
  });

  it('parses numeric text, nulls as null', () => {
    const vector = vectorFromArray(['007', null, '1.50', '-2e3'], new Utf8());
    expect(readAll(vector, numericTextField('id'))).toEqual([7, null, 1.5, -2000]);
  });

  it('a numeric-text cell that is not a number goes to `bad` with its row and text', () => {
    const vector = vectorFromArray(['1', '2', 'n/a'], new Utf8());
    const calls: [number, string][] = [];
    const read = numericReader(vector, numericTextField('id'), (row, text) => {
      calls.push([row, text]);
      throw new RangeError(`bad ${row}`);
    });
    expect(read(1)).toBe(2);
    expect(() => read(2)).toThrow('bad 2');
    expect(calls).toEqual([[2, 'n/a']]);
  });

  it('a column that is not numeric is a RangeError naming it and its type', () => {
    expect(() => numericReader(vectorFromArray([true], new Bool()), new Field('flag', new Bool(), false), noBad)).toThrow(
      new RangeError('numericReader: column "flag" of type Bool is not numeric'),
    );
    // Unmarked text is not numeric either.
    expect(() => numericReader(vectorFromArray(['1'], new Utf8()), new Field('t', new Utf8(), false), noBad)).toThrow(
      'numericReader: column "t" of type Utf8 is not numeric',
    );
  });
});
