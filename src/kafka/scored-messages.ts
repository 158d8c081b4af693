import { DataType, Precision, type Data, type Field, type RecordBatch, type Utf8, type Vector } from 'apache-arrow';
import type { Message } from 'kafkajs';
import { formatFloat32, formatFloat64 } from '../io/csv-types.js';
import { jsonFormatter, jsonRowFormatter } from './json-values.js';
import { fieldNeedles, spliceJsonFields, takenField, toBuffer } from './output-codec.js';
import { utf8Bytes, type KafkaColumns } from './record-batch.js';

/** Which columns of a scored batch become what in the output records. */
export interface ScoredEncoding {
  /** The Kafka columns (key and value are read from them when present). */
  names: KafkaColumns;
  /** Score column: appended to the JSON value, and rows where it is not finite are reported apart. */
  scoreColumn: string;
  /** Boolean flag column: appended, and true rows also go to the anomalies list. */
  flagColumn: string;
  /** More columns appended to the JSON value after score and flag (the latent code z0..). */
  extraColumns: readonly string[];
  /** Also write rows without a finite score (their score as null) instead of only listing them. */
  keepUnscorable?: boolean;
  /**
   * The input records behind the batch's rows, in row order, when the caller has them (the monitor): their
   * key and value Buffers are used as they are, instead of views made of the Arrow key and value columns.
   */
  rows?: readonly { key: Buffer | null; value: Buffer | null }[];
  /**
   * Per row, 1 when the record's JSON object already has one of the appended names at its top level (from
   * `decodeRecords(..., reservedFields)`): then the byte search for the names is skipped.
   */
  taken?: Uint8Array;
}

/** The output records of one batch. */
export interface EncodedBatch {
  /** One per row with a finite score, in row order (key = the record's key). */
  scored: Message[];
  /** The flagged rows among them (the same bytes). */
  anomalies: Message[];
  /** Rows whose score is missing or not finite (NaN, ±Infinity); left out of `scored` unless kept. */
  unscorable: number[];
  /**
   * Rows whose JSON object already has a top-level field named like one of the appended columns, with that
   * name: left out of `scored`, because writing them would replace the record's own value.
   */
  collisions: { row: number; field: string }[];
}

/**
 * Turns a scored batch into Kafka messages. A batch from `kafka-source` (it has the value column) keeps
 * each record's original JSON bytes and gets score, flag and extra columns spliced in before the closing
 * brace (a record that already has a field of one of those names is listed in `collisions`, never
 * overwritten); any other batch is written as one JSON object per row with every column, each value as exact as
 * the file sinks write it (see `jsonFormatter`: int64 and decimals as exact number tokens, timestamps as ISO
 * 8601, numeric text verbatim). The key comes from the key column when there is one.
 */
export function encodeScored(batch: RecordBatch, enc: ScoredEncoding): EncodedBatch {
  const score = batch.getChild(enc.scoreColumn);
  const flag = batch.getChild(enc.flagColumn);
  const extras = enc.extraColumns
    .map((name) => ({ name, vector: batch.getChild(name), field: batch.schema.fields.find((f) => f.name === name) }))
    .filter((e): e is { name: string; vector: Vector; field: Field } => e.vector !== null && e.field !== undefined);
  const keyData = singleData(batch.getChild(enc.names.key), 'utf8');
  const valueData = singleData(batch.getChild(enc.names.value), 'utf8');
  const appended = [enc.scoreColumn, enc.flagColumn, ...extras.map((e) => e.name)].filter((n) => batch.getChild(n) !== null);
  const needles = fieldNeedles(appended);
  const scoreAt = score !== null ? numberReader(score) : undefined;
  const flagAt = flag !== null ? boolReader(flag) : undefined;
  // The JSON text appended to each record, built by concatenation (this loop runs per record).
  const scoreKey = `${JSON.stringify(enc.scoreColumn)}:`;
  const flagKey = `${scoreAt !== undefined ? ',' : ''}${JSON.stringify(enc.flagColumn)}:`;
  const extraParts = extras.map((e, k) => ({ key: `${scoreAt !== undefined || flagAt !== undefined || k > 0 ? ',' : ''}${JSON.stringify(e.name)}:`, text: extraText(e.vector, e.field) }));
  // Rows without JSON bytes of their own are written whole; the formatter is built on first use.
  let wholeRow: ((i: number) => string) | undefined;
  const out: EncodedBatch = { scored: [], anomalies: [], unscorable: [], collisions: [] };
  for (let i = 0; i < batch.numRows; i++) {
    let scoreText = '';
    if (scoreAt !== undefined) {
      const s = scoreAt.value(i);
      if (s === null || !Number.isFinite(s)) {
        out.unscorable.push(i);
        if (enc.keepUnscorable !== true) continue;
        scoreText = 'null';
      } else {
        scoreText = scoreAt.format(s);
      }
    }
    const isAnomaly = flagAt !== undefined && flagAt(i);
    let value: Buffer;
    const row = enc.rows?.[i];
    if (row !== undefined && row.value !== null && enc.taken !== undefined) {
      if (enc.taken[i] === 1) {
        out.collisions.push({ row: i, field: takenField(row.value, appended, needles)! });
        continue;
      }
      let fields = scoreAt !== undefined ? scoreKey + scoreText : '';
      if (flagAt !== undefined) fields += flagKey + (isAnomaly ? 'true' : 'false');
      for (const e of extraParts) fields += e.key + e.text(i);
      value = spliceJsonFields(row.value, fields);
    } else if (valueData !== undefined) {
      const bytes = toBuffer(utf8Bytes(valueData, i) ?? new Uint8Array())!;
      const field = takenField(bytes, appended, needles);
      if (field !== undefined) {
        out.collisions.push({ row: i, field });
        continue;
      }
      let fields = scoreAt !== undefined ? scoreKey + scoreText : '';
      if (flagAt !== undefined) fields += flagKey + (isAnomaly ? 'true' : 'false');
      for (const e of extraParts) fields += e.key + e.text(i);
      value = spliceJsonFields(bytes, fields);
    } else {
      wholeRow ??= jsonRowFormatter(batch.schema.fields.map((field, c) => ({ name: field.name, vector: batch.getChildAt(c)!, field })));
      value = Buffer.from(wholeRow(i), 'utf8');
    }
    const key = row !== undefined ? row.key : keyData !== undefined ? toBuffer(utf8Bytes(keyData, i)) : null;
    const message: Message = { key, value };
    out.scored.push(message);
    if (isAnomaly) out.anomalies.push(message);
  }
  return out;
}

/**
 * JSON text of an appended column's row: floats (the latent code) straight from the typed array in their
 * shortest text, any other type (an id, a timestamp) by the pass-through rules of `jsonFormatter`.
 */
function extraText(vector: Vector, field: Field): (i: number) => string {
  if (!DataType.isFloat(field.type)) return jsonFormatter(vector, field);
  const at = numberReader(vector);
  return (i) => {
    const v = at.value(i);
    return v === null || !Number.isFinite(v) ? 'null' : at.format(v);
  };
}

/** The one Data chunk of a Utf8 column, or undefined when the column is absent or not Utf8. */
function singleData(vector: Vector | null, kind: 'utf8'): Data<Utf8> | undefined {
  if (vector === null || kind !== 'utf8' || !DataType.isUtf8(vector.type)) return undefined;
  if (vector.data.length !== 1) throw new RangeError('encodeScored: expected single-chunk columns (a record batch)');
  return vector.data[0] as Data<Utf8>;
}

/**
 * Reads a numeric column's rows as numbers (straight from the typed array for single-chunk float columns)
 * and formats them as JSON: float32 in the shortest text that reads back as the same float32.
 */
function numberReader(vector: Vector): { value(i: number): number | null; format(x: number): string } {
  const type = vector.type as DataType;
  const isSingle = DataType.isFloat(type) && type.precision === Precision.SINGLE;
  const format = isSingle ? shortestFloat32 : formatFloat64;
  const data = vector.data.length === 1 ? vector.data[0] : undefined;
  if (data !== undefined && DataType.isFloat(type) && type.precision !== Precision.HALF) {
    const values = data.values as Float32Array | Float64Array;
    const hasNulls = data.nullCount > 0;
    return { value: (i) => (hasNulls && !data.getValid(i) ? null : values[i]), format };
  }
  return {
    value: (i) => {
      const v = vector.get(i) as number | bigint | null;
      return v === null ? null : Number(v);
    },
    format,
  };
}

/** Reads a boolean column (nulls read as false). */
function boolReader(vector: Vector): (i: number) => boolean {
  const data = vector.data.length === 1 ? vector.data[0] : undefined;
  if (data !== undefined && DataType.isBool(vector.type)) {
    const bits = data.values as Uint8Array;
    const offset = data.offset;
    const hasNulls = data.nullCount > 0;
    return (i) => (!hasNulls || data.getValid(i)) && ((bits[(offset + i) >> 3] >> ((offset + i) & 7)) & 1) === 1;
  }
  return (i) => vector.get(i) === true;
}

/**
 * `formatFloat32` (the shortest text that reads back as the same float32) with fewer tries. A float32 needs
 * 7 or 8 significant digits most of the time (about 30 % and 66 % of scores), rarely fewer or 9; and if d
 * digits read back, so do d + 1 (the d-digit text is also a (d + 1)-digit candidate, and the nearest one
 * is at least as close). So: try 7; if it reads back, go down while shorter ones do; else go up to 8, 9.
 * About two `toPrecision` calls per value instead of three.
 */
export function shortestFloat32(x: number): string {
  // Zero and non-finite values have their own spelling.
  if (x === 0 || !Number.isFinite(x)) return formatFloat32(x);
  let candidate = Number(x.toPrecision(7));
  if (Math.fround(candidate) === x) {
    for (let digits = 6; digits >= 1; digits--) {
      const shorter = Number(x.toPrecision(digits));
      if (Math.fround(shorter) !== x) break;
      candidate = shorter;
    }
    return String(candidate);
  }
  for (let digits = 8; digits <= 9; digits++) {
    candidate = Number(x.toPrecision(digits));
    if (Math.fround(candidate) === x) return String(candidate);
  }
  return formatFloat32(x);
}
