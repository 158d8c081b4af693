import {
  Bool,
  DataType,
  DateDay,
  Decimal,
  Dictionary,
  Field,
  Int32,
  Int64,
  RecordBatch,
  Schema,
  Struct,
  TimeUnit,
  Timestamp,
  Utf8,
  makeData,
  makeVector,
  vectorFromArray,
  type Data,
  type Vector,
} from 'apache-arrow';
import { planeWithOutliers } from '../helpers/data.js';

/**
 * Hostile inputs for the robustness suites (issue 11): column names that break naive code, and one column of
 * every Arrow type whose values a lossy copy changes. The numbers, ids and names are fixed so a failure
 * names the same cell every run.
 */

/** Column names taken from JavaScript's object prototype, unicode, separators, quotes and a line break. */
export const NASTY_NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'température', '名前 ☃', 'a,b "c"', 'line\nbreak'] as const;

/** The feature columns every hostile batch carries (float64, from {@link planeWithOutliers}). */
export const FEATURES = ['f0', 'f1', 'f2', 'f3', 'f4', 'f5'] as const;

/** 2^53 + 1: odd int64 values from here on have no float64 of their own, so a number copy merges ids. */
const BIG_ID = 9007199254740993n;

/**
 * The pass-through columns of a hostile batch, by name: int64 beyond 2^53, decimal(18, 2), timestamps in
 * ns with a zone and in µs without, date32, a dictionary, nulls in strings and bools, and a string column
 * under every nasty name.
 */
export function passThroughColumns(
  rows: number,
  firstRow = 0,
  dictionaryType = new Dictionary(new Utf8(), new Int32()),
  dictionaryShift = 0,
  dictionaries = new Map<number, Vector>(),
): Map<string, Data> {
  const columns = new Map<string, Data>();
  const int64 = new BigInt64Array(rows);
  const decimal = new Uint32Array(rows * 4);
  const tsNs = new BigInt64Array(rows);
  const tsUs = new BigInt64Array(rows);
  const days = new Int32Array(rows);
  const validity = new Uint8Array((rows + 7) >> 3);
  for (let i = 0; i < rows; i++) {
    const r = firstRow + i;
    int64[i] = BIG_ID + 2n * BigInt(r);
    // decimal(18, 2) little-endian 128-bit: r * 100 + 7 hundredths, i.e. r.07 (negative for odd rows).
    const cents = BigInt(r * 100 + 7) * (r % 2 === 0 ? 1n : -1n);
    const twos = BigInt.asUintN(128, cents);
    for (let w = 0; w < 4; w++) decimal[i * 4 + w] = Number((twos >> BigInt(32 * w)) & 0xffffffffn);
    // 2026-01-01T00:00:00Z plus r seconds and r+1 nanoseconds: sub-millisecond digits a ms copy loses.
    tsNs[i] = 1767225600n * 1_000_000_000n + BigInt(r) * 1_000_000_000n + BigInt(r + 1);
    tsUs[i] = 1767225600n * 1_000_000n + BigInt(r) * 1_000_123n;
    days[i] = 20454 + r;
    if (r % 5 !== 3) validity[i >> 3] |= 1 << (i & 7);
  }
  const nullCount = rows - Array.from({ length: rows }, (_, i) => (validity[i >> 3] >> (i & 7)) & 1).reduce((a, b) => a + b, 0);
  columns.set('id_int64', makeData({ type: new Int64(), length: rows, data: int64 }));
  columns.set('amount_dec', makeData({ type: new Decimal(2, 18, 128), length: rows, data: decimal }));
  columns.set('ts_ns_paris', makeData({ type: new Timestamp(TimeUnit.NANOSECOND, 'Europe/Paris'), length: rows, data: tsNs }));
  columns.set('ts_us', makeData({ type: new Timestamp(TimeUnit.MICROSECOND), length: rows, data: tsUs }));
  columns.set('day', makeData({ type: new DateDay(), length: rows, data: days }));
  // The same decoded values whatever the shift; a shifted dictionary orders them differently (a replacement).
  const regions = ['north', 'south', 'east', 'west'];
  const order = regions.map((_, k) => regions[(k + dictionaryShift) % regions.length]);
  // One vector per order: writers tell a replacement dictionary from the same one by identity.
  const dictionary = dictionaries.get(dictionaryShift) ?? vectorFromArray(order, new Utf8());
  dictionaries.set(dictionaryShift, dictionary);
  const keys = Int32Array.from({ length: rows }, (_, i) => order.indexOf(regions[(firstRow + i) % regions.length]));
  columns.set('region_dict', makeData({ type: dictionaryType, length: rows, data: keys, dictionary }));
  const notes = Array.from({ length: rows }, (_, i) => ((firstRow + i) % 5 === 3 ? null : `note ${firstRow + i} "q", x`));
  columns.set('note_nullable', vectorFromArray(notes, new Utf8()).data[0]);
  const flags = makeData({
    type: new Bool(),
    length: rows,
    data: Uint8Array.from({ length: (rows + 7) >> 3 }, (_, b) => 0b01010101 ^ b),
    nullBitmap: validity,
    nullCount,
  });
  columns.set('flag_nullable', flags);
  for (const name of NASTY_NAMES) columns.set(name, vectorFromArray(Array.from({ length: rows }, (_, i) => `${name}#${firstRow + i}`), new Utf8()).data[0]);
  return columns;
}

/** The names of {@link passThroughColumns}. */
export const PASS_THROUGH = [...passThroughColumns(1).keys()];

/**
 * {@link planeWithOutliers} batches (id, f0..f5, outlier) with every pass-through column added, so a stage
 * sees real features next to columns it must leave exactly as they are. With `isDictionaryShared` every batch
 * uses one dictionary (what an Arrow IPC file can hold); without it each batch orders its dictionary
 * differently, as Parquet row groups do, so a writer must handle replacement dictionaries.
 */
export function hostileBatches(rows = 300, batchRows = 100, isDictionaryShared = false): RecordBatch[] {
  let at = 0;
  // One schema for all batches, as a file source gives (Arrow tables refuse batches whose schemas differ).
  const dictionaryType = new Dictionary(new Utf8(), new Int32());
  const dictionaries = new Map<number, Vector>();
  let schema: Schema | undefined;
  return planeWithOutliers(rows, 6, 11, batchRows).map((batch, b) => {
    const extra = passThroughColumns(batch.numRows, at, dictionaryType, isDictionaryShared ? 0 : b, dictionaries);
    at += batch.numRows;
    // The plane's ids are dictionary-encoded with a new dictionary per batch; plain strings here.
    const ids = vectorFromArray(Array.from({ length: batch.numRows }, (_, i) => String(batch.getChild('id')!.get(i))), new Utf8()).data[0];
    const children = [ids, ...batch.data.children.slice(1), ...extra.values()];
    schema ??= new Schema([
      new Field('id', new Utf8(), false),
      ...batch.schema.fields.slice(1),
      ...[...extra].map(([name, data]) => new Field(name, data.type, true)),
    ]);
    return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: batch.numRows, nullCount: 0, children }));
  });
}

/**
 * Every cell of `vector` as an exact, comparable string: the raw value words for fixed-width types (so a
 * nanosecond or a 128-bit decimal digit that a number conversion would drop still counts), the text for
 * strings, the decoded value for dictionaries, `null` for nulls.
 */
export function rawCells(vector: Vector): string[] {
  const out: string[] = [];
  for (const data of vector.data) for (let i = 0; i < data.length; i++) out.push(rawCell(data, i));
  return out;
}

function rawCell(data: Data, i: number): string {
  if (!data.getValid(i)) return 'null';
  const type = data.type as DataType;
  if (DataType.isDictionary(type) || DataType.isUtf8(type) || DataType.isLargeUtf8(type) || DataType.isBool(type)) {
    return JSON.stringify(makeVector(data).get(i));
  }
  const stride = data.stride;
  const values = data.values as ArrayLike<number | bigint>;
  return Array.from({ length: stride }, (_, w) => String(values[i * stride + w])).join(':');
}

/** Type and cells of each named column over all `batches`, for comparing what went in with what came out. */
export function columnSnapshot(batches: readonly RecordBatch[], names: readonly string[]): Map<string, { type: string; cells: string[] }> {
  const out = new Map<string, { type: string; cells: string[] }>();
  for (const name of names) {
    const cells: string[] = [];
    let type = '';
    for (const batch of batches) {
      const column = batch.getChild(name);
      if (column === null) throw new Error(`column ${JSON.stringify(name)} is missing from a batch (columns: ${batch.schema.fields.map((f) => JSON.stringify(f.name)).join(', ')})`);
      type = typeName(column.type as DataType);
      cells.push(...rawCells(column));
    }
    out.set(name, { type, cells });
  }
  return out;
}

/** A type's full description: String(type) leaves out a timestamp's zone. */
function typeName(type: DataType): string {
  if (DataType.isTimestamp(type)) return `${String(type)}[${type.timezone ?? ''}]`;
  return String(type);
}

/** A CSV cell's text as csv-stringify would quote it. */
function csvCell(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * CSV text whose pass-through cells a number conversion would change: ids with leading zeros, integers of 20
 * digits that collide as float64, decimals spelled with trailing zeros, plus nasty column names. Features are
 * f0..f5 from {@link planeWithOutliers}, written canonically.
 */
export function hostileCsv(rows = 200): { text: string; passThrough: string[] } {
  const [batch] = planeWithOutliers(rows, Math.floor(rows / 50), 5, rows);
  const passThrough = ['zip', 'big_id', 'price', 'when', ...NASTY_NAMES];
  const header = [...passThrough, ...FEATURES].map(csvCell).join(',');
  const lines = [header];
  for (let r = 0; r < rows; r++) {
    const cells = [
      String(r).padStart(5, '0'),
      `1234567890123456789${r % 10}`,
      `${r}.${r % 2 === 0 ? '50' : '0'}`,
      `2026-01-01T00:00:${String(r % 60).padStart(2, '0')}.000+01:00`,
      ...NASTY_NAMES.map((n) => `${n} ${r}, "x"`),
      ...FEATURES.map((f) => String(batch.getChild(f)!.get(r))),
    ];
    lines.push(cells.map(csvCell).join(','));
  }
  return { text: `${lines.join('\n')}\n`, passThrough };
}
