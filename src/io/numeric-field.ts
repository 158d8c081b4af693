import { DataType, Field, Utf8, type Vector } from 'apache-arrow';
import { parseNumber } from './csv-types.js';

/**
 * Field metadata marking a Utf8 column as numbers kept as written ("numeric text"): csv-source gives it to
 * a column whose values are all numbers but are not all written the way float64 writes them back (ids with
 * leading zeros, 20-digit integers, `1.50`). Sinks write the text verbatim and keep the key, so the column
 * reads back the same; feature extraction, plots and reports read it as numbers.
 */
export const NUMERIC_KEY = 'latentflow.numeric';
/** The value of {@link NUMERIC_KEY} for numeric text. */
export const NUMERIC_TEXT = 'text';

/** A nullable Utf8 field marked as numeric text. */
export function numericTextField(name: string): Field {
  return new Field(name, new Utf8(), true, new Map([[NUMERIC_KEY, NUMERIC_TEXT]]));
}

/** True for a Utf8 field marked as numeric text. */
export function isNumericTextField(field: Field): boolean {
  return DataType.isUtf8(field.type) && field.metadata.get(NUMERIC_KEY) === NUMERIC_TEXT;
}

/** True for Arrow types whose values convert to a number without loss of meaning (ints, floats, decimals). */
export function isNumericType(type: DataType): boolean {
  return DataType.isInt(type) || DataType.isFloat(type) || DataType.isDecimal(type);
}

/** True for columns read as numbers: numeric Arrow types and numeric text. Use this, not the type alone. */
export function isNumericField(field: Field): boolean {
  return isNumericType(field.type) || isNumericTextField(field);
}

/**
 * Called with the row and text of a numeric-text cell that is not a number; it must throw (the caller
 * knows the batch, file and line to name).
 */
export type NotANumber = (row: number, text: string) => never;

/**
 * A reader giving row `i` of a numeric column (see {@link isNumericField}) as a float64, or null for a null:
 * ints (int64 through Number, the nearest double), floats, decimals (scaled: 12345 at scale 2 is 123.45)
 * and numeric text (parsed; a cell that is not a number goes to `bad`).
 */
export function numericReader(vector: Vector, field: Field, bad: NotANumber): (i: number) => number | null {
  const type = field.type as DataType;
  const hasNulls = vector.nullCount > 0;
  const isNull = (i: number) => hasNulls && !vector.isValid(i);
  if (isNumericTextField(field)) {
    return (i) => {
      if (isNull(i)) return null;
      const text = vector.get(i) as string;
      const x = parseNumber(text);
      return x === undefined ? bad(i, text) : x;
    };
  }
  if (DataType.isDecimal(type)) {
    const scale = 10 ** type.scale;
    return (i) => (isNull(i) ? null : Number(String(vector.get(i))) / scale);
  }
  if (DataType.isFloat(type) || DataType.isInt(type)) {
    // One typed-array read per value (bigint for 64-bit ints); `get` costs a visitor call per cell.
    const values = vector.data.length === 1 ? (vector.data[0].values as ArrayLike<number | bigint>) : (vector.toArray() as ArrayLike<number | bigint>);
    const isHalf = DataType.isFloat(type) && type.precision === 0;
    if (isHalf) return (i) => (isNull(i) ? null : (vector.get(i) as number));
    return (i) => {
      if (isNull(i)) return null;
      const raw = values[i];
      return typeof raw === 'bigint' ? Number(raw) : raw;
    };
  }
  throw new RangeError(`numericReader: column "${field.name}" of type ${String(type)} is not numeric`);
}
