import { DataType, type Field, type RecordBatch, type Schema, type Vector } from 'apache-arrow';
import { DataError } from '../errors.js';
import {
  type ColumnEncoding,
  type ColumnKind,
  type FeatureEncoding,
  layoutBlocks,
} from '../models/feature-encoding.js';
import { rowLocation } from './batch-meta.js';
import type { EncodingOptions, FitFeatures, KindOverrides } from './feature-options.js';
import { applyMissingPolicy, checkPresent, type ExtractedFeatures, FLOAT32_MAX, float32Overflow, isNumericField, missingValueError, type MissingPolicy, numericColumnReader } from './features.js';

/**
 * Arrow columns of any usable kind -> one Float32 matrix, by a {@link FeatureEncoding} fitted on the
 * training batches (the layout and the meaning of every slot are in models/feature-encoding.ts).
 *
 * - numeric: the value (scaled later, with the other numeric slots);
 * - boolean: 0/1 (Arrow bool, a number != 0, or the text true/false/1/0/yes/no);
 * - timestamp: sin/cos of each cyclic feature (UTC), never the time as a plain number;
 * - categorical: one-hot (kept categories, other, unknown, null) or hashed (buckets, unknown, null); a null
 *   is its own slot, never a missing value.
 * Null/NaN numbers, booleans and timestamps follow the missing-value policy, as numeric features always did.
 */

/** A feature column and its kind, before fitting; `isDeclared` when the user named it (never skipped). */
export interface KindedColumn {
  column: string;
  kind: ColumnKind;
  isDeclared: boolean;
}

/** The kind `auto` gives a field, or undefined when it cannot be a feature (lists, structs, binary...). */
export function detectKind(field: Field): ColumnKind | undefined {
  if (isNumericField(field)) return 'numeric';
  const type = field.type as DataType;
  if (DataType.isBool(type)) return 'boolean';
  if (DataType.isTimestamp(type) || DataType.isDate(type)) return 'timestamp';
  if (DataType.isUtf8(type) || DataType.isLargeUtf8(type) || DataType.isDictionary(type)) return 'categorical';
  return undefined;
}

/**
 * The feature columns and their kinds: `features` selects (numeric / auto / a list), `kinds` overrides the
 * kind and adds the columns it names, `exclude` removes columns from numeric and auto. With `sample` (the
 * first training batch), auto reads a text column of ISO 8601 times as a timestamp. A named column that is
 * missing, or has no usable kind, is a DataError naming it.
 */
export function resolveColumnKinds(schema: Schema, features: FitFeatures, kinds: KindOverrides, exclude: readonly string[], sample?: RecordBatch): KindedColumn[] {
  checkPresent(schema, [...(Array.isArray(features) ? features : []), ...kinds.keys()]);
  const chosen: KindedColumn[] = [];
  for (const f of schema.fields) {
    const declared = kinds.get(f.name);
    const isListed = Array.isArray(features) ? features.includes(f.name) : false;
    const detected = detectKind(f) === 'categorical' && sample !== undefined && isIsoTimeText(sample, f.name) ? 'timestamp' : detectKind(f);
    const isSelected =
      declared !== undefined ||
      isListed ||
      (features === 'numeric' && detected === 'numeric' && !exclude.includes(f.name)) ||
      (features === 'auto' && detected !== undefined && !exclude.includes(f.name));
    if (!isSelected) continue;
    const kind = declared ?? detected;
    if (kind === undefined) {
      throw new DataError('feature column has no usable kind; declare it in `kinds` (numeric, boolean, categorical, timestamp) or leave it out of `features`', {
        column: f.name,
        expected: 'a number, boolean, text, dictionary, timestamp or date column',
        received: String(f.type),
      });
    }
    if (kind === 'numeric' && !isNumericField(f)) {
      throw new DataError('feature column is not numeric; declare its kind in `kinds` (boolean, categorical, timestamp) or leave it out', {
        column: f.name,
        expected: 'int, float, decimal or numeric-text column',
        received: String(f.type),
      });
    }
    chosen.push({ column: f.name, kind, isDeclared: declared !== undefined || isListed });
  }
  if (chosen.length === 0) {
    throw new DataError(`no ${features === 'auto' ? 'usable' : 'numeric'} feature columns in the input`, {
      expected: 'at least one feature column',
      received: schema.fields.map((f) => `${f.name}:${f.type}`).join(', ') || 'no columns',
    });
  }
  return chosen;
}

/** ISO 8601 date or date-time text, as CSV files hold timestamps. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
/** Values of a text column looked at to tell times from categories. */
const TIME_SAMPLE_ROWS = 100;

/**
 * Whether the first non-null values of a text column in `sample` are all ISO 8601 times: CSV sources give
 * timestamps as text, and `auto` must read them as times (cyclic features), not as categories.
 */
function isIsoTimeText(sample: RecordBatch, name: string): boolean {
  const vector = columnOf(sample, name);
  if (!DataType.isUtf8(vector.type) && !DataType.isLargeUtf8(vector.type)) return false;
  let seen = 0;
  for (let r = 0; r < sample.numRows && seen < TIME_SAMPLE_ROWS; r++) {
    const v: unknown = vector.get(r);
    if (v === null || v === undefined) continue;
    if (!ISO_TIME.test(String(v)) || !Number.isFinite(Date.parse(String(v)))) return false;
    seen++;
  }
  return seen > 0;
}

/** Categorical values are keyed by their text: an integer code 3 and the text "3" are the same category. */
function categoryKey(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

/**
 * Fits the encoding of `columns` on the training batches. One-hot when at most `maxOneHot` categories
 * are frequent (seen in at least `minCategoryShare` of the rows) and the rare rest, folded into "other",
 * covers under half the non-null rows (nulls have their own slot); otherwise the column is hashed into `hashBuckets`. Under `features: auto`, a text column whose distinct values exceed half the rows (an id)
 * is left out and named in `skipped`; a declared one is always kept.
 */
export function fitEncoding(
  batches: readonly RecordBatch[],
  columns: readonly KindedColumn[],
  options: EncodingOptions,
): { encoding: FeatureEncoding; skipped: string[] } {
  const rows = batches.reduce((n, b) => n + b.numRows, 0);
  const encoded: ColumnEncoding[] = [];
  const skipped: string[] = [];
  for (const c of columns) {
    if (c.kind === 'numeric' || c.kind === 'boolean') encoded.push({ column: c.column, kind: c.kind });
    else if (c.kind === 'timestamp') {
      if (options.cyclic.length === 0) {
        throw new DataError('a timestamp feature needs cyclic features (encoding.cyclic: [hourOfDay, dayOfWeek]); a time is never used as a plain number. Set encoding.cyclic, or exclude the column', {
          column: c.column,
          expected: 'encoding.cyclic with at least one of hourOfDay, dayOfWeek',
          received: '[]',
        });
      }
      encoded.push({ column: c.column, kind: 'timestamp', cyclic: [...options.cyclic] });
    } else {
      const counts = new Map<string, number>();
      batches.forEach((batch) => {
        const vector = columnOf(batch, c.column);
        for (let r = 0; r < batch.numRows; r++) {
          const key = categoryKey(vector.get(r));
          if (key !== null) counts.set(key, (counts.get(key) ?? 0) + 1);
        }
      });
      if (!c.isDeclared && counts.size > Math.max(options.maxOneHot, rows / 2)) {
        skipped.push(c.column);
        continue;
      }
      const byCount = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      const minCount = Math.max(1, options.minCategoryShare * rows);
      const kept = byCount.filter(([, n]) => n >= minCount).map(([k]) => k);
      const keptRows = byCount.filter(([, n]) => n >= minCount).reduce((sum, [, n]) => sum + n, 0);
      // One "other" slot for most of the rows would lose what the column says: hash such a column instead.
      const valued = byCount.reduce((sum, [, n]) => sum + n, 0);
      if (kept.length <= options.maxOneHot && valued - keptRows < valued / 2) {
        const keptSet = new Set(kept);
        const rare = [...counts.keys()].filter((k) => !keptSet.has(k)).sort();
        encoded.push({ column: c.column, kind: 'categorical', method: 'one-hot', categories: kept, buckets: 0, seen: rare });
      } else {
        encoded.push({ column: c.column, kind: 'categorical', method: 'hash', categories: [], buckets: options.hashBuckets, seen: [...counts.keys()].sort() });
      }
    }
  }
  if (encoded.length === 0) {
    throw new DataError('no usable feature columns in the input (every text column looks like an id); name the columns in `features` or `kinds`', {
      expected: 'at least one feature column',
      received: `skipped ${skipped.join(', ')}`,
    });
  }
  return { encoding: { version: 1, columns: encoded, onUnknown: options.onUnknown, ...layoutBlocks(encoded) }, skipped };
}

function columnOf(batch: RecordBatch, name: string): Vector {
  const at = batch.schema.fields.findIndex((f) => f.name === name);
  if (at < 0) {
    throw new DataError(`missing feature column "${name}"`, {
      expected: `column ${name}`,
      received: batch.schema.fields.map((f) => `${f.name}:${f.type}`).join(', ') || 'no columns',
    });
  }
  return batch.getChildAt(at)!;
}

/** 32-bit FNV-1a of the UTF-16 code units of `text`: a stable bucket whatever the platform. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** 1970-01-01 was a Thursday (day 4, Sunday = 0). */
const EPOCH_WEEKDAY = 4;

/** The cyclic slots of a time in ms since the epoch (UTC): per feature sin then cos of its angle. */
function cyclicSlots(ms: number, cyclic: readonly string[], out: Float32Array, at: number): void {
  const dayMs = ((ms % DAY_MS) + DAY_MS) % DAY_MS;
  cyclic.forEach((feature, i) => {
    const turn =
      feature === 'hourOfDay'
        ? dayMs / HOUR_MS / 24
        : // The fractional day keeps Monday 23:59 next to Tuesday 00:00.
          ((((Math.floor(ms / DAY_MS) + EPOCH_WEEKDAY) % 7) + 7) % 7 + dayMs / DAY_MS) / 7;
    out[at + 2 * i] = Math.sin(2 * Math.PI * turn);
    out[at + 2 * i + 1] = Math.cos(2 * Math.PI * turn);
  });
}

const TRUE_TEXT = new Set(['true', '1', 'yes']);
const FALSE_TEXT = new Set(['false', '0', 'no']);

/** The 0/1 a boolean feature's text stands for (true/false, 1/0, yes/no, any case, trimmed), or undefined. */
export function booleanText(text: string): 0 | 1 | undefined {
  const t = text.trim().toLowerCase();
  return TRUE_TEXT.has(t) ? 1 : FALSE_TEXT.has(t) ? 0 : undefined;
}

/** Reads row values of one column as what its kind needs; null for a missing value; bad values throw located DataErrors. */
type Reader = (row: number) => number | null;

function booleanReader(batch: RecordBatch, batchIndex: number, name: string): Reader {
  const vector = columnOf(batch, name);
  const field = batch.schema.fields.find((f) => f.name === name)!;
  if (isNumericField(field)) {
    const read = numericColumnReader(batch, batchIndex, name);
    return (r) => {
      const v = read(r);
      return v === null || Number.isNaN(v) ? null : v !== 0 ? 1 : 0;
    };
  }
  return (r) => {
    const v: unknown = vector.get(r);
    if (v === null || v === undefined) return null;
    if (typeof v === 'boolean') return v ? 1 : 0;
    const bit = booleanText(String(v));
    if (bit !== undefined) return bit;
    throw new DataError('boolean feature value is not true/false; fix the value or declare the column categorical', {
      ...rowLocation(batch, batchIndex, r),
      column: name,
      expected: 'true/false, 1/0 or yes/no',
      received: JSON.stringify(v),
    });
  };
}

function timestampReader(batch: RecordBatch, batchIndex: number, name: string): Reader {
  const vector = columnOf(batch, name);
  const type = vector.type as DataType;
  const isTemporal = DataType.isTimestamp(type) || DataType.isDate(type);
  if (!isTemporal && !DataType.isUtf8(type) && !DataType.isLargeUtf8(type) && !DataType.isDictionary(type)) {
    throw new DataError('a timestamp feature must be a timestamp, date or ISO 8601 text column; a number is never read as a time', {
      column: name,
      expected: 'timestamp, date or text column',
      received: String(type),
    });
  }
  return (r) => {
    const v: unknown = vector.get(r);
    if (v === null || v === undefined) return null;
    // Arrow gives timestamps and dates as float64 ms (or a Date); text is parsed as ISO 8601.
    const ms = v instanceof Date ? v.getTime() : isTemporal ? Number(v) : Date.parse(String(v));
    if (!Number.isFinite(ms)) {
      throw new DataError('timestamp feature value is not a time; fix the value (ISO 8601, e.g. 2026-01-01T12:00:00Z) or leave the column out', {
        ...rowLocation(batch, batchIndex, r),
        column: name,
        expected: 'a timestamp',
        received: JSON.stringify(String(v)),
      });
    }
    return ms;
  };
}

/** What {@link encodeBatch} returns: the matrix, as `extractFeatures` does, and the unknown categorical values met. */
export interface EncodedFeatures extends ExtractedFeatures {
  /** Categorical values (in kept rows) never seen at fit, put in their column's unknown slot. */
  unknownValues: number;
}

/**
 * Encodes the feature columns of `batch` by `encoding`. `imputeValues[c]` (one per encoded column, in
 * `encoding.columns` order) fills a missing numeric / boolean value under `impute`; a missing timestamp gets
 * 0 in every cyclic slot (the centre of the circle: no time of day preferred). Under `onUnknown: error` an
 * unseen category throws a DataError naming the row and column.
 */
export function encodeBatch(
  batch: RecordBatch,
  batchIndex: number,
  encoding: FeatureEncoding,
  policy: MissingPolicy,
  imputeValues?: ArrayLike<number>,
): EncodedFeatures {
  const rows = batch.numRows;
  const width = encoding.width;
  const data = new Float32Array(rows * width);
  const unknownRows = new Uint8Array(rows);
  let bad: Uint8Array | null = null;
  const markMissing = (r: number, column: string, expected: string, received: string): boolean => {
    if (policy === 'error') throw missingValueError(batch, batchIndex, r, column, expected, received);
    bad ??= new Uint8Array(rows);
    bad[r] = 1;
    if (policy === 'impute' && !imputeValues) throw new RangeError('encodeBatch: impute policy needs imputeValues');
    return policy === 'impute';
  };
  encoding.columns.forEach((c, ci) => {
    const block = encoding.blocks.find((b) => b.column === c.column)!;
    const at = block.start;
    if (c.kind === 'numeric' || c.kind === 'boolean') {
      const read = c.kind === 'numeric' ? numericColumnReader(batch, batchIndex, c.column) : booleanReader(batch, batchIndex, c.column);
      for (let r = 0; r < rows; r++) {
        const v = read(r);
        if (v !== null && Number.isFinite(v)) {
          if (Math.abs(v) > FLOAT32_MAX) throw float32Overflow(batch, batchIndex, r, c.column, v);
          data[r * width + at] = v;
        } else if (markMissing(r, c.column, c.kind === 'numeric' ? 'finite number' : 'true or false', v === null ? 'null' : String(v))) {
          data[r * width + at] = imputeValues![ci];
        }
      }
    } else if (c.kind === 'timestamp') {
      const read = timestampReader(batch, batchIndex, c.column);
      for (let r = 0; r < rows; r++) {
        const ms = read(r);
        if (ms !== null) cyclicSlots(ms, c.cyclic, data, r * width + at);
        else markMissing(r, c.column, 'a timestamp', 'null');
      }
    } else {
      const vector = columnOf(batch, c.column);
      const index = new Map(c.categories.map((k, i) => [k, i]));
      const seen = new Set(c.seen);
      const slotCount = c.method === 'one-hot' ? c.categories.length + 1 : c.buckets;
      const other = c.categories.length;
      for (let r = 0; r < rows; r++) {
        const key = categoryKey(vector.get(r));
        let slot: number;
        if (key === null) slot = slotCount + 1;
        else if (c.method === 'one-hot' && index.has(key)) slot = index.get(key)!;
        else if (seen.has(key)) slot = c.method === 'one-hot' ? other : fnv1a(key) % c.buckets;
        else {
          if (encoding.onUnknown === 'error') {
            throw new DataError('categorical value was not seen when the model was fitted; refit on data that has it, or fit with encoding.onUnknown: slot', {
              ...rowLocation(batch, batchIndex, r),
              column: c.column,
              expected: `one of the ${c.categories.length + c.seen.length} categories seen at fit`,
              received: JSON.stringify(key),
            });
          }
          unknownRows[r] = 1;
          slot = slotCount;
        }
        data[r * width + at + slot] = 1;
      }
    }
  });
  const extracted = applyMissingPolicy(data, rows, width, bad, policy);
  let unknownValues = 0;
  if (extracted.keptRows) for (const r of extracted.keptRows) unknownValues += unknownRows[r];
  else for (let r = 0; r < rows; r++) unknownValues += unknownRows[r];
  return { ...extracted, unknownValues };
}

/**
 * Training values `impute` fills in, one per encoded column: the finite mean of a numeric column, the share
 * of true of a boolean one; 0 for timestamps and categoricals (a timestamp imputes its cyclic slots with 0,
 * a categorical null is its own slot). A numeric or boolean column without a single value is a DataError.
 */
export function encodingImputeValues(batches: readonly RecordBatch[], encoding: FeatureEncoding): number[] {
  return encoding.columns.map((c) => {
    if (c.kind !== 'numeric' && c.kind !== 'boolean') return 0;
    let sum = 0;
    let count = 0;
    batches.forEach((batch, b) => {
      const read = c.kind === 'numeric' ? numericColumnReader(batch, b, c.column) : booleanReader(batch, b, c.column);
      for (let r = 0; r < batch.numRows; r++) {
        const v = read(r);
        if (v !== null && Number.isFinite(v) && Math.abs(v) <= FLOAT32_MAX) {
          sum += v;
          count++;
        }
      }
    });
    if (count === 0) {
      throw new DataError('column has no finite value to impute from', { column: c.column, expected: 'at least one value', received: 'only null/NaN' });
    }
    return sum / count;
  });
}
