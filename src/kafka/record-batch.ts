import { Bool, Field, Float64, Int32, Int64, RecordBatch, Schema, Struct, TimestampMillisecond, Utf8, makeData, type Data, type DataType } from 'apache-arrow';
import type { ColumnKind } from '../models/feature-encoding.js';
import type { DecodedRecords, FeatureMapping, InputRecord } from './record-codec.js';

/** Names of the columns a Kafka batch carries besides the features. */
export interface KafkaColumns {
  /** Record key as UTF-8 text, null when the record has none. */
  key: string;
  topic: string;
  /** Partition, int32. */
  partition: string;
  /** Offset, int64. */
  offset: string;
  /** Record timestamp, timestamp[ms]. */
  timestamp: string;
  /** The record's value, the JSON text as received (sinks write it back with the new fields appended). */
  value: string;
}

/** The Kafka column names with an optional prefix (`kafka_` gives `kafka_key`, `kafka_offset`...). */
export function kafkaColumns(prefix = ''): KafkaColumns {
  return {
    key: `${prefix}key`,
    topic: `${prefix}topic`,
    partition: `${prefix}partition`,
    offset: `${prefix}offset`,
    timestamp: `${prefix}timestamp`,
    value: `${prefix}value`,
  };
}

/**
 * The prefix of the Kafka columns for a batch carrying `features`: none, unless a feature has a Kafka
 * column's name (a `timestamp` or `key` field is common), then `kafka_` (with more `_` in front until no
 * name is shared). The Kafka columns never leave the pipeline, so the prefix changes no output.
 */
export function freeColumnPrefix(features: readonly string[]): string {
  const taken = new Set(features);
  const isFree = (prefix: string) => !Object.values(kafkaColumns(prefix)).some((name) => taken.has(name));
  if (isFree('')) return '';
  let prefix = 'kafka_';
  while (!isFree(prefix)) prefix = `_${prefix}`;
  return prefix;
}

/**
 * The accepted records of one batch as an Arrow record batch: the Kafka columns, then one column per
 * feature (named after the feature), row order kept: float64 for a numeric feature, bool for a boolean,
 * timestamp[ms] for a timestamp, utf8 (nullable) for a categorical one. Keys and values are copied byte for byte into
 * Utf8 columns (no decoding). `metadata` becomes the schema metadata.
 */
export function toRecordBatch(
  records: readonly InputRecord[],
  decoded: DecodedRecords,
  mapping: FeatureMapping,
  names: KafkaColumns,
  metadata: Map<string, string>,
): RecordBatch {
  const rows = decoded.accepted.map((i) => records[i]);
  const n = rows.length;
  const partitions = new Int32Array(n);
  const offsets = new BigInt64Array(n);
  const timestamps = new BigInt64Array(n);
  for (let r = 0; r < n; r++) {
    partitions[r] = rows[r].partition;
    offsets[r] = BigInt(rows[r].offset);
    timestamps[r] = BigInt(rows[r].timestamp);
  }
  const fields: Field[] = [
    new Field(names.key, new Utf8(), true),
    new Field(names.topic, new Utf8(), false),
    new Field(names.partition, new Int32(), false),
    new Field(names.offset, new Int64(), false),
    new Field(names.timestamp, new TimestampMillisecond(), false),
    new Field(names.value, new Utf8(), false),
  ];
  const children: Data[] = [
    utf8FromBytes(rows.map((r) => r.key)),
    utf8FromStrings(rows.map((r) => r.topic)),
    makeData({ type: new Int32(), length: n, data: partitions }),
    makeData({ type: new Int64(), length: n, data: offsets }),
    makeData({ type: new TimestampMillisecond(), length: n, data: timestamps }),
    utf8FromBytes(rows.map((r) => r.value)),
  ];
  const d = mapping.features.length;
  mapping.features.forEach((name, c) => {
    const texts = decoded.texts[c];
    if (texts !== undefined) {
      fields.push(new Field(name, new Utf8(), true));
      children.push(utf8FromBytes(texts.map((t) => (t === null ? null : Buffer.from(t, 'utf8')))));
      return;
    }
    const kind = mapping.kind === 'fields' ? mapping.kinds[c] : 'numeric';
    const column = featureColumn(kind, n, (r) => decoded.values[r * d + c]);
    fields.push(new Field(name, column.type, false));
    children.push(column);
  });
  const schema = new Schema(fields, metadata);
  return new RecordBatch(schema, makeData({ type: new Struct(fields), length: n, nullCount: 0, children }));
}

/** A non-null column of a numeric (float64), boolean (bool, from 0/1) or timestamp (timestamp[ms], from ms) feature. */
function featureColumn(kind: ColumnKind, n: number, value: (r: number) => number): Data<DataType> {
  if (kind === 'boolean') {
    const bits = new Uint8Array((n + 7) >> 3);
    for (let r = 0; r < n; r++) if (value(r) !== 0) bits[r >> 3] |= 1 << (r & 7);
    return makeData({ type: new Bool(), length: n, data: bits });
  }
  if (kind === 'timestamp') {
    const ms = new BigInt64Array(n);
    // Whole ms: timestamp[ms] holds integers, and a fractional epoch time has no sub-ms meaning here.
    for (let r = 0; r < n; r++) ms[r] = BigInt(Math.floor(value(r)));
    return makeData({ type: new TimestampMillisecond(), length: n, data: ms });
  }
  const column = new Float64Array(n);
  for (let r = 0; r < n; r++) column[r] = value(r);
  return makeData({ type: new Float64(), length: n, data: column });
}

/** A Utf8 column holding `values` byte for byte; null entries are nulls. */
export function utf8FromBytes(values: readonly (Uint8Array | null)[]): Data<Utf8> {
  const n = values.length;
  const offsets = new Int32Array(n + 1);
  let total = 0;
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === null) nulls++;
    else total += v.length;
    offsets[i + 1] = total;
  }
  const data = new Uint8Array(total);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v !== null) data.set(v, offsets[i]);
  }
  if (nulls === 0) return makeData({ type: new Utf8(), length: n, valueOffsets: offsets, data, nullCount: 0 });
  const bitmap = new Uint8Array((n + 7) >> 3);
  for (let i = 0; i < n; i++) if (values[i] !== null) bitmap[i >> 3] |= 1 << (i & 7);
  return makeData({ type: new Utf8(), length: n, valueOffsets: offsets, data, nullBitmap: bitmap, nullCount: nulls });
}

/** A non-null Utf8 column of `values`; runs of the same string (a topic name) are encoded once. */
function utf8FromStrings(values: readonly string[]): Data<Utf8> {
  let last: string | undefined;
  let lastBytes: Uint8Array = new Uint8Array(0);
  return utf8FromBytes(
    values.map((v) => {
      if (v !== last) {
        last = v;
        lastBytes = Buffer.from(v, 'utf8');
      }
      return lastBytes;
    }),
  );
}

/** The raw bytes of row `i` of a Utf8 column (a view, no copy), or null. */
export function utf8Bytes(data: Data<Utf8>, i: number): Uint8Array | null {
  if (data.nullCount > 0 && !data.getValid(i)) return null;
  const offsets = data.valueOffsets as Int32Array;
  return (data.values as Uint8Array).subarray(offsets[i], offsets[i + 1]);
}
