import { DataType, makeData, makeVector, type Data } from 'apache-arrow';
import { DataError } from '../errors.js';
import { isFixedWidth } from './fixed-width.js';

/**
 * Copies the rows at `indices` of one Arrow column at the buffer level, so every value survives exactly:
 * fixed-width values (ints of every width, int64 as raw bits, floats, decimals, dates, times, timestamps,
 * durations, intervals, fixed-size binary) by index and stride, validity bits, bools bit by bit, utf8/binary
 * as offsets + bytes, dictionary indices with the dictionary shared (not decoded), struct and list children
 * recursively. Rebuilding through `vectorFromArray(column.get(i))` would lose timestamp units finer than ms,
 * decimal scales and dictionaries. A layout not listed here (unions, views, run-end encoding) is a
 * DataError naming the column, never a lossy copy.
 */
export function takeData(data: Data, indices: readonly number[], column: string): Data {
  const type = data.type as DataType;
  const length = indices.length;
  if (DataType.isNull(type)) return makeData({ type, length, nullCount: length });
  const validity = takeValidity(data, indices);
  const nulls = validity === undefined ? { nullCount: 0 } : validity;
  if (DataType.isBool(type)) {
    const vector = makeVector(data);
    const bits = new Uint8Array((length + 7) >> 3);
    indices.forEach((i, k) => {
      if (vector.get(i) === true) bits[k >> 3] |= 1 << (k & 7);
    });
    return makeData({ type, length, data: bits, ...nulls });
  }
  if (DataType.isDictionary(type)) {
    return make({ type, length, data: takeFixed(data.values, 1, indices), dictionary: data.dictionary, ...nulls });
  }
  if (isFixedWidth(type)) {
    const values = takeFixed(data.values, data.stride, indices);
    return make({ type, length, data: values, ...nulls });
  }
  if (DataType.isUtf8(type) || DataType.isBinary(type) || DataType.isLargeUtf8(type) || DataType.isLargeBinary(type)) {
    const { valueOffsets, data: bytes } = takeVariable(data.valueOffsets, data.values, indices);
    return make({ type, length, valueOffsets, data: bytes, ...nulls });
  }
  if (DataType.isStruct(type)) {
    const children = data.children.map((child, c) => takeData(child, indices, `${column}.${type.children[c].name}`));
    return makeData({ type, length, children, ...nulls });
  }
  if (DataType.isFixedSizeList(type)) {
    const size = type.listSize;
    const childRows = indices.flatMap((i) => Array.from({ length: size }, (_, j) => i * size + j));
    return makeData({ type, length, child: takeData(data.children[0], childRows, `${column}[]`), ...nulls });
  }
  if (DataType.isList(type) || DataType.isMap(type)) {
    const offsets = data.valueOffsets as Int32Array;
    const valueOffsets = new Int32Array(length + 1);
    const childRows: number[] = [];
    indices.forEach((i, k) => {
      for (let j = offsets[i]; j < offsets[i + 1]; j++) childRows.push(j);
      valueOffsets[k + 1] = childRows.length;
    });
    const child = takeData(data.children[0], childRows, `${column}[]`);
    return make({ type, length, valueOffsets, child, ...nulls });
  }
  throw new DataError(`cannot copy rows of a ${String(type)} column exactly (dropping rows with onMissing: drop needs a row copy); use onMissing: error or impute, or cast the column`, {
    column,
    expected: 'a column of a primitive, string, binary, dictionary, struct or list type',
    received: String(type),
  });
}

/** A validity bitmap for the taken rows, or undefined when none of them is null. */
function takeValidity(data: Data, indices: readonly number[]): { nullBitmap: Uint8Array; nullCount: number } | undefined {
  if (data.nullCount === 0) return undefined;
  const bits = new Uint8Array((indices.length + 7) >> 3);
  let nullCount = 0;
  indices.forEach((i, k) => {
    if (data.getValid(i)) bits[k >> 3] |= 1 << (k & 7);
    else nullCount++;
  });
  return nullCount === 0 ? undefined : { nullBitmap: bits, nullCount };
}

/**
 * `makeData` for props whose buffers are chosen by type at run time (its overloads are typed per type, and
 * the type here is only known to be one of a group).
 */
const make = makeData as unknown as (props: Record<string, unknown>) => Data;

/** Any typed array (the buffers of fixed-width columns). */
interface Typed {
  readonly length: number;
  [i: number]: number | bigint;
  subarray(start: number, end: number): Typed;
  set(source: Typed, at: number): void;
}

/** The `stride` elements of each taken row of a fixed-width buffer (already sliced to the data's rows). */
function takeFixed(values: Typed, stride: number, indices: readonly number[]): Typed {
  const Ctor = (values as unknown as { constructor: new (n: number) => Typed }).constructor;
  const out = new Ctor(indices.length * stride);
  if (stride === 1) indices.forEach((i, k) => (out[k] = values[i]));
  else indices.forEach((i, k) => out.set(values.subarray(i * stride, (i + 1) * stride), k * stride));
  return out;
}

/** Offsets and bytes of the taken rows of a variable-width column (32- or 64-bit offsets). */
function takeVariable(offsets: Int32Array | BigInt64Array, bytes: Uint8Array, indices: readonly number[]): { valueOffsets: Int32Array | BigInt64Array; data: Uint8Array } {
  const at = (i: number) => Number(offsets[i]);
  let total = 0;
  for (const i of indices) total += at(i + 1) - at(i);
  const data = new Uint8Array(total);
  const isLarge = offsets instanceof BigInt64Array;
  const valueOffsets = isLarge ? new BigInt64Array(indices.length + 1) : new Int32Array(indices.length + 1);
  let end = 0;
  indices.forEach((i, k) => {
    data.set(bytes.subarray(at(i), at(i + 1)), end);
    end += at(i + 1) - at(i);
    if (isLarge) (valueOffsets as BigInt64Array)[k + 1] = BigInt(end);
    else (valueOffsets as Int32Array)[k + 1] = end;
  });
  return { valueOffsets, data };
}
