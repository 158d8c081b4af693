import { DataType, makeData, makeVector, type Data, type Vector } from 'apache-arrow';
import { DataError } from '../errors.js';
import { isFixedWidth } from './fixed-width.js';

/** `makeData` for props whose buffers are chosen by type at run time (see take-rows.ts). */
const make = makeData as unknown as (props: Record<string, unknown>) => Data;

/**
 * Concatenates the pieces of one column (same type) into one Data at the buffer level, so values survive
 * exactly (the same types and rules as `takeData`): fixed-width buffers back to back, validity bits, utf8/
 * binary offsets rebased, dictionary indices shifted onto the pieces' dictionaries laid end to end (shared
 * when all pieces share one dictionary), struct and list children recursively. Other layouts are a
 * DataError naming the column.
 */
export function concatData(parts: readonly Data[], column: string): Data {
  if (parts.length === 1) return parts[0];
  const type = parts[0].type as DataType;
  const length = parts.reduce((n, d) => n + d.length, 0);
  if (DataType.isNull(type)) return makeData({ type, length, nullCount: length });
  const nulls = concatValidity(parts, length);
  if (DataType.isBool(type)) {
    const bits = new Uint8Array((length + 7) >> 3);
    let at = 0;
    for (const d of parts) {
      const v = makeVector(d);
      for (let i = 0; i < d.length; i++, at++) if (v.get(i) === true) bits[at >> 3] |= 1 << (at & 7);
    }
    return make({ type, length, data: bits, ...nulls });
  }
  if (DataType.isDictionary(type)) {
    const dictionaries: Vector[] = [];
    const shifts: number[] = [];
    let size = 0;
    for (const d of parts) {
      const known = dictionaries.indexOf(d.dictionary!);
      if (known >= 0) {
        shifts.push(shifts[known]);
        continue;
      }
      dictionaries.push(d.dictionary!);
      shifts.push(size);
      size += d.dictionary!.length;
    }
    // Only each piece's own rows: a builder's buffer is padded past its length (and a slice's runs on).
    const indices = concatFixed(parts.map((d) => (d.values as Typed).subarray(0, d.length)));
    let at = 0;
    parts.forEach((d, k) => {
      const shift = shifts[k];
      for (let i = 0; i < d.length; i++, at++) if (shift !== 0) indices[at] = (Number(indices[at]) + shift) as never;
    });
    const dictionary = dictionaries.length === 1 ? dictionaries[0] : dictionaries[0].concat(...dictionaries.slice(1));
    return make({ type, length, data: indices, dictionary, ...nulls });
  }
  if (isFixedWidth(type)) {
    return make({ type, length, data: concatFixed(parts.map((d) => (d.values as Typed).subarray(0, d.length * d.stride))), ...nulls });
  }
  if (DataType.isUtf8(type) || DataType.isBinary(type) || DataType.isLargeUtf8(type) || DataType.isLargeBinary(type)) {
    const isLarge = DataType.isLargeUtf8(type) || DataType.isLargeBinary(type);
    const valueOffsets = isLarge ? new BigInt64Array(length + 1) : new Int32Array(length + 1);
    const chunks: Uint8Array[] = [];
    let row = 0;
    let end = 0;
    for (const d of parts) {
      const offsets = d.valueOffsets as Int32Array | BigInt64Array;
      const start = Number(offsets[0]);
      chunks.push((d.values as Uint8Array).subarray(start, Number(offsets[d.length])));
      for (let i = 1; i <= d.length; i++) {
        const at = end + Number(offsets[i]) - start;
        if (isLarge) (valueOffsets as BigInt64Array)[row + i] = BigInt(at);
        else (valueOffsets as Int32Array)[row + i] = at;
      }
      row += d.length;
      end += Number(offsets[d.length]) - start;
    }
    return make({ type, length, valueOffsets, data: Buffer.concat(chunks), ...nulls });
  }
  if (DataType.isStruct(type)) {
    const children = type.children.map((f, c) => concatData(parts.map((d) => d.children[c]), `${column}.${f.name}`));
    return make({ type, length, children, ...nulls });
  }
  throw new DataError(`cannot join batches with a ${String(type)} column exactly; read with a batchRows that matches the file, or cast the column`, {
    column,
    expected: 'a column of a primitive, string, binary, dictionary or struct type',
    received: String(type),
  });
}

/** One validity bitmap over all parts, or none when no part has a null. */
function concatValidity(parts: readonly Data[], length: number): { nullBitmap: Uint8Array; nullCount: number } | { nullCount: 0 } {
  if (parts.every((d) => d.nullCount === 0)) return { nullCount: 0 };
  const bits = new Uint8Array((length + 7) >> 3);
  let nullCount = 0;
  let at = 0;
  for (const d of parts) {
    for (let i = 0; i < d.length; i++, at++) {
      if (d.getValid(i)) bits[at >> 3] |= 1 << (at & 7);
      else nullCount++;
    }
  }
  return { nullBitmap: bits, nullCount };
}

/** Any typed array (the buffers of fixed-width columns). */
interface Typed {
  readonly length: number;
  [i: number]: number | bigint;
  subarray(start: number, end: number): Typed;
  set(source: Typed, at: number): void;
}

function concatFixed(parts: readonly Typed[]): Typed {
  const Ctor = (parts[0] as unknown as { constructor: new (n: number) => Typed }).constructor;
  const out = new Ctor(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
