import { temporalFormatter } from './arrow-text.js';
import { canonicalDecimalValue, isCanonicalDecimal } from './canonical-decimal.js';
import { Bool, DataType, Float32, Float64, Int32, Int64, Precision, Utf8, makeData, type Data, type Vector } from 'apache-arrow';

/**
 * Column types a CSV column can be read as. `float64` is what inference gives numbers (integers included,
 * so no value is ever truncated); the others are only used when declared in the source's `columns`.
 */
export const CSV_COLUMN_TYPES = ['float64', 'float32', 'int32', 'int64', 'bool', 'string'] as const;
export type CsvColumnType = (typeof CSV_COLUMN_TYPES)[number];

/**
 * The types a CSV column is read as: a declarable {@link CsvColumnType}, or `numeric-text`, which only
 * inference gives: every value in the inference window is a number, but at least one is not written the way
 * float64 would write it back (`00017`, `1.50`, `1e3`, a 20-digit id), so the column keeps the exact text (a
 * Utf8 column marked as numeric, see {@link numericTextField}) instead of a float64 that would change it.
 */
export type CsvReadType = CsvColumnType | 'numeric-text';

/** What a cell must look like for each type, as printed in a DataError's `expected`. */
export const EXPECTED_TEXT: Record<CsvReadType, string> = {
  'numeric-text': 'a number (the column holds numbers as written, e.g. ids with leading zeros)',
  float64: 'float64 (a decimal number, NaN or Infinity)',
  float32: 'float32 (a decimal number, NaN or Infinity)',
  int32: 'int32 (an integer from -2147483648 to 2147483647)',
  int64: 'int64 (an integer from -9223372036854775808 to 9223372036854775807)',
  bool: 'bool (true, false, 1 or 0)',
  string: 'string',
};

/** The Arrow type a CSV column type is read into. */
export function arrowTypeOf(type: CsvReadType): DataType {
  switch (type) {
    case 'numeric-text':
    case 'float64':
      return new Float64();
    case 'float32':
      return new Float32();
    case 'int32':
      return new Int32();
    case 'int64':
      return new Int64();
    case 'bool':
      return new Bool();
    case 'string':
      return new Utf8();
  }
}

// Plain decimals only: no hex, no binary, no thousands separators, no empty string (Number('') is 0).
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const SPECIAL = /^([+-]?)(nan|inf|infinity)$/i;
const INTEGER = /^[+-]?\d+$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * The number a cell holds, or undefined when it is not one. Accepts decimals with an optional exponent and
 * (any case, optional sign) `NaN`, `Inf`, `Infinity`; surrounding spaces are ignored. The result is the
 * correctly rounded float64 of the text, so writing it back with `String(x)` gives the same value.
 */
export function parseNumber(text: string): number | undefined {
  const s = hasOuterSpace(text) ? text.trim() : text;
  if (DECIMAL.test(s)) return Number(s);
  const special = SPECIAL.exec(s);
  if (special === null) return undefined;
  if (special[2].toLowerCase() === 'nan') return Number.NaN;
  return special[1] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
}

/** True when `text` starts or ends with whitespace (cheaper than always trimming). */
function hasOuterSpace(text: string): boolean {
  return text.length > 0 && (text.charCodeAt(0) <= 32 || text.charCodeAt(text.length - 1) <= 32);
}

/** True for the texts `bool` columns accept: true/false/1/0 in any case. */
function parseBool(text: string): boolean | undefined {
  const s = text.trim().toLowerCase();
  if (s === 'true' || s === '1') return true;
  if (s === 'false' || s === '0') return false;
  return undefined;
}

/**
 * Infers a column's type from the cells of the inference window: float64 when every non-null cell is a
 * number written as float64 writes it back (also when every cell is null, as pandas does; the caller warns
 * about those); numeric-text when every non-null cell is a number but some are written otherwise (so
 * reading them as float64 and writing them out would change the text); otherwise string.
 */
export function inferColumnType(cells: readonly string[], isNull: (cell: string) => boolean): CsvReadType {
  let isCanonical = true;
  for (const cell of cells) {
    if (isNull(cell) || isCanonicalDecimal(cell)) continue;
    const x = parseNumber(cell);
    if (x === undefined) return 'string';
    if (isCanonical && formatFloat64(x) !== cell) isCanonical = false;
  }
  return isCanonical ? 'float64' : 'numeric-text';
}

/**
 * How a number cell read as float64 relates to its text: `canonical` when writing the value back gives the
 * same text; `respelled` when it gives another spelling of the same decimal number (`2.0`, `2.50`, `1e3`,
 * `+5`, ` 5`, `nan`); `value-changing` when the text names something float64 does not keep: a leading zero
 * in the integer part (`007`, an id, not the number 7) or more significant digits than float64 holds, so
 * that the decimal written back differs (`12345678901234567891` -> `12345678901234567000`).
 */
export function numberSpelling(text: string, x: number): 'canonical' | 'respelled' | 'value-changing' {
  const written = formatFloat64(x);
  if (written === text) return 'canonical';
  const s = hasOuterSpace(text) ? text.trim() : text;
  if (!DECIMAL.test(s)) return 'respelled'; // NaN / Inf in another case or sign
  if (/^[+-]?0\d/.test(s)) return 'value-changing';
  return normalDecimal(s) === normalDecimal(written) ? 'respelled' : 'value-changing';
}

/** A decimal's sign, significant digits and exponent (`-1.50e2` -> `-15e1`), to compare decimals exactly. */
function normalDecimal(text: string): string {
  const m = /^([+-]?)(\d*)\.?(\d*)(?:[eE]([+-]?\d+))?$/.exec(text);
  if (m === null) return text;
  let digits = `${m[2]}${m[3]}`;
  let exponent = Number(m[4] ?? '0') - m[3].length;
  const lead = /^0*/.exec(digits)![0].length;
  digits = digits.slice(lead);
  const trail = /0*$/.exec(digits)![0].length;
  digits = digits.slice(0, digits.length - trail);
  exponent += trail;
  if (digits === '') return '0';
  return `${m[1] === '-' ? '-' : ''}${digits}e${exponent}`;
}

/**
 * Called for a cell of an inferred float64 column that is a number not written the way float64 writes it
 * back (see {@link numberSpelling}): `respelled` cells are kept as values (the caller counts them);
 * for a `value-changing` one the callback must throw.
 */
export type Respelled = (row: number, text: string, kind: 'respelled' | 'value-changing') => void;

/**
 * Called with the row index (in `cells`) and text of a cell that does not fit the column's type; it must
 * throw (the connector throws a DataError naming file, line and column).
 */
export type BadCell = (row: number, text: string) => never;

/** True when `cell` reads as null for a non-string column: it is in `nulls`, also after trimming spaces. */
export function isNullText(cell: string, nulls: ReadonlySet<string>): boolean {
  return nulls.has(cell) || (hasOuterSpace(cell) && nulls.has(cell.trim()));
}

/**
 * The value of a non-null cell of a float column that is not a canonical decimal: the exact parse, `bad`
 * when it is no number, and `respelled` (inferred float64 columns only) when it is a number float64 writes
 * otherwise.
 */
export function exactFloat(row: number, text: string, bad: BadCell, respelled?: Respelled): number {
  const x = parseNumber(text);
  if (x === undefined) bad(row, text);
  if (respelled !== undefined) {
    const kind = numberSpelling(text, x);
    if (kind !== 'canonical') respelled(row, text, kind);
  }
  return x;
}

/**
 * Builds the Arrow column for `cells` read as `type`. Cells in `nulls` become nulls (for non-string types
 * they are matched after trimming spaces, so ` NA ` is null too; string cells are kept verbatim).
 */
export function buildColumn(type: CsvReadType, cells: readonly string[], nulls: ReadonlySet<string>, bad: BadCell, respelled?: Respelled): Data {
  const n = cells.length;
  if (type === 'string') return utf8Column(cells, nulls);
  if (type === 'numeric-text') {
    // Null texts match after trimming, as for the numeric types; every other cell must be a number.
    const isNull = (c: string) => nulls.has(c) || (hasOuterSpace(c) && nulls.has(c.trim()));
    for (let i = 0; i < n; i++) if (!isNull(cells[i]) && parseNumber(cells[i]) === undefined) bad(i, cells[i]);
    return utf8Column(cells, { has: isNull });
  }
  const validity = new Uint8Array((n + 7) >> 3);
  let nullCount = 0;
  const isNullAt = (i: number): boolean => {
    if (isNullText(cells[i], nulls)) {
      nullCount++;
      return true;
    }
    validity[i >> 3] |= 1 << (i & 7);
    return false;
  };
  // Validity is only attached when some cell is null (Arrow allows omitting an all-valid bitmap).
  const bitmap = () => (nullCount > 0 ? { nullBitmap: validity, nullCount } : { nullCount: 0 });
  switch (type) {
    case 'float64':
    case 'float32': {
      const values = type === 'float64' ? new Float64Array(n) : new Float32Array(n);
      for (let i = 0; i < n; i++) {
        if (isNullAt(i)) continue;
        // Most cells are written as float64 writes them: their value is read from the characters, as Number() would.
        const x = canonicalDecimalValue(cells[i], 0, cells[i].length);
        values[i] = Number.isNaN(x) ? exactFloat(i, cells[i], bad, respelled) : x;
      }
      return values instanceof Float64Array
        ? makeData({ type: new Float64(), length: n, data: values, ...bitmap() })
        : makeData({ type: new Float32(), length: n, data: values, ...bitmap() });
    }
    case 'int32': {
      const values = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        if (isNullAt(i)) continue;
        const s = cells[i].trim();
        const x = INTEGER.test(s) ? Number(s) : Number.NaN;
        if (!(x >= -2147483648 && x <= 2147483647)) bad(i, cells[i]);
        values[i] = x;
      }
      return makeData({ type: new Int32(), length: n, data: values, ...bitmap() });
    }
    case 'int64': {
      const values = new BigInt64Array(n);
      for (let i = 0; i < n; i++) {
        if (isNullAt(i)) continue;
        const s = cells[i].trim();
        const x = INTEGER.test(s) ? BigInt(s) : undefined;
        if (x === undefined || x < INT64_MIN || x > INT64_MAX) bad(i, cells[i]);
        values[i] = x;
      }
      return makeData({ type: new Int64(), length: n, data: values, ...bitmap() });
    }
    case 'bool': {
      const bits = new Uint8Array((n + 7) >> 3);
      for (let i = 0; i < n; i++) {
        if (isNullAt(i)) continue;
        const b = parseBool(cells[i]);
        if (b === undefined) bad(i, cells[i]);
        if (b) bits[i >> 3] |= 1 << (i & 7);
      }
      return makeData({ type: new Bool(), length: n, data: bits, ...bitmap() });
    }
  }
}

/**
 * A Utf8 column of `cells` (verbatim; exact matches of `nulls` are null), encoded in one native call: the
 * Arrow builder encodes string by string, which costs more than parsing the CSV.
 */
function utf8Column(cells: readonly string[], nulls: Pick<ReadonlySet<string>, 'has'>): Data {
  const n = cells.length;
  const offsets = new Int32Array(n + 1);
  const validity = new Uint8Array((n + 7) >> 3);
  let nullCount = 0;
  const kept: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const c = cells[i];
    if (nulls.has(c)) {
      nullCount++;
      kept[i] = '';
    } else {
      validity[i >> 3] |= 1 << (i & 7);
      kept[i] = c;
    }
  }
  const joined = kept.join('');
  const bytes = Buffer.from(joined, 'utf8');
  // All-ASCII text (the common case) has one byte per UTF-16 unit, so offsets follow string lengths.
  const ascii = bytes.length === joined.length;
  for (let i = 0, at = 0; i < n; i++) {
    at += ascii ? kept[i].length : Buffer.byteLength(kept[i], 'utf8');
    offsets[i + 1] = at;
  }
  const data = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
  return nullCount > 0
    ? makeData({ type: new Utf8(), length: n, valueOffsets: offsets, data, nullBitmap: validity, nullCount })
    : makeData({ type: new Utf8(), length: n, valueOffsets: offsets, data, nullCount: 0 });
}

/**
 * The shortest decimal text that reads back (parse as float64, then round to float32) as exactly `x`, a
 * float32 value. `String(x)` would print the float64 widening instead (0.1f -> 0.10000000149011612).
 */
export function formatFloat32(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(x.toPrecision(digits));
    // 9 significant digits always round-trip a float32, so the loop returns by then.
    if (Math.fround(candidate) === x) return String(candidate);
  }
  return String(x);
}

/** Shortest round-trip text of a float64 (`String(x)`), keeping the sign of zero. */
export function formatFloat64(x: number): string {
  return x === 0 && Object.is(x, -0) ? '-0' : String(x);
}

/**
 * A function giving the CSV text of row `i` of `column`, or null for a null. Numbers are written so that
 * reading them back gives the same value; int64 exactly; strings (numeric text too) verbatim; bools as
 * true/false; timestamps, dates and decimals as exact ISO 8601 / decimal text (see `arrow-text.ts`);
 * dictionary columns as their values; other types through `String(value)`.
 */
export function cellFormatter(column: Vector): (i: number) => string | null {
  const type = column.type as DataType;
  const data = column.data.length === 1 ? column.data[0] : undefined;
  // Fast path for single and double floats (half floats are stored as uint16 bits, so they take `get`).
  if (data !== undefined && DataType.isFloat(type) && type.precision !== Precision.HALF) {
    // Arrow JS keeps `values` already sliced to the data's rows; `offset` only applies to the bitmaps.
    const values = data.values as Float32Array | Float64Array;
    const hasNulls = data.nullCount > 0;
    const format = type.precision === Precision.SINGLE ? formatFloat32 : formatFloat64;
    return (i) => (hasNulls && !data.getValid(i) ? null : format(values[i]));
  }
  const temporal = temporalFormatter(column);
  if (temporal !== undefined) return temporal;
  return (i) => {
    const v: unknown = column.get(i);
    if (v === null || v === undefined) return null;
    if (typeof v === 'number') return formatFloat64(v);
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    if (typeof v === 'string') return v;
    if (typeof v === 'bigint') return v.toString();
    if (v instanceof Date) return v.toISOString();
    return String(v);
  };
}
