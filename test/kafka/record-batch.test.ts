import { Bool, DataType, Float64, makeVector, Table, TimestampMillisecond, Utf8, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { encodeBatch, fitEncoding, resolveColumnKinds } from '../../src/io/feature-encoder.js';
import { encodingParam } from '../../src/io/feature-options.js';
import { freeColumnPrefix, kafkaColumns, toRecordBatch } from '../../src/kafka/record-batch.js';
import { decodeRecords, featureMapping, type InputRecord } from '../../src/kafka/record-codec.js';
import type { ColumnKind } from '../../src/models/feature-encoding.js';
import { seededRandom } from '../../src/models/random.js';

/** toRecordBatch with declared feature kinds (issue 16): the Arrow columns a mixed-type model reads, no broker. */

const record = (value: string, offset: number): InputRecord => ({ topic: 'in', partition: 1, offset: String(offset), timestamp: '1700000000000', key: null, value: Buffer.from(value) });
const features = ['device', 'reading', 'isOn', 'at'];
const kinds = new Map<string, ColumnKind>([
  ['device', 'categorical'],
  ['isOn', 'boolean'],
  ['at', 'timestamp'],
]);
const mapping = featureMapping(features, undefined, undefined, kinds);

describe('toRecordBatch with feature kinds', () => {
  it('gives utf8 (nulls kept), float64, bool and timestamp[ms] feature columns of the accepted records, in order', () => {
    const records = [
      record('{"device": "A", "reading": 1.5, "isOn": true, "at": "2026-01-01T12:00:00Z"}', 10),
      record('{"device": {"no": 1}, "reading": 1, "isOn": true, "at": 0}', 11),
      record('{"device": null, "reading": -2, "isOn": false, "at": 1767268800000.7}', 12),
    ];
    const decoded = decodeRecords(records, mapping);
    const batch = toRecordBatch(records, decoded, mapping, kafkaColumns(), new Map());
    expect(batch.numRows).toBe(2);
    const type = (name: string) => batch.schema.fields.find((f) => f.name === name)!.type as DataType;
    expect(DataType.isUtf8(type('device'))).toBe(true);
    expect(DataType.isFloat(type('reading'))).toBe(true);
    expect(DataType.isBool(type('isOn'))).toBe(true);
    expect(DataType.isTimestamp(type('at'))).toBe(true);
    expect(batch.schema.fields.find((f) => f.name === 'device')!.nullable).toBe(true);
    expect(batch.getChild('device')!.toArray()).toEqual(['A', null]);
    expect(Array.from(batch.getChild('reading')!.toArray() as Float64Array)).toEqual([1.5, -2]);
    expect([batch.getChild('isOn')!.get(0), batch.getChild('isOn')!.get(1)]).toEqual([true, false]);
    // Whole ms: the fraction of an epoch-ms number is dropped.
    expect([0, 1].map((r) => Number(batch.getChild('at')!.get(r)))).toEqual([Date.parse('2026-01-01T12:00:00Z'), 1767268800000]);
    expect(Array.from(batch.getChild('offset')!.toArray() as BigInt64Array)).toEqual([10n, 12n]);
  });

  it('a mixed-type encoding reads a Kafka batch exactly as it reads a file table of the same values (same matrix, same unknown count)', () => {
    const random = seededRandom(5);
    const n = 200;
    const rows = Array.from({ length: n }, (_, r) => ({
      device: r % 17 === 0 ? null : ['A', 'B', 'C'][Math.floor(random() * 3)],
      reading: Math.round((random() * 10 - 5) * 1000) / 1000,
      isOn: random() < 0.3,
      at: 1767225600000 + Math.floor(random() * 7 * 86_400_000),
    }));
    const table = new Table({
      device: vectorFromArray(rows.map((x) => x.device), new Utf8()),
      reading: makeVector(Float64Array.from(rows.map((x) => x.reading))),
      isOn: vectorFromArray(rows.map((x) => x.isOn), new Bool()),
      at: vectorFromArray(rows.map((x) => x.at), new TimestampMillisecond()),
    });
    const [fileBatch] = table.batches;
    const columns = resolveColumnKinds(fileBatch.schema, 'auto', new Map(), [], fileBatch);
    expect(columns.map((c) => `${c.column}:${c.kind}`)).toEqual(['device:categorical', 'reading:numeric', 'isOn:boolean', 'at:timestamp']);
    const { encoding } = fitEncoding([fileBatch], columns, encodingParam.parse(undefined));

    // The same rows as JSON (times as ISO text for half of them), plus one device never seen at fit.
    const json = [...rows, { ...rows[0], device: 'Z' }].map((x, r) => JSON.stringify({ ...x, at: r % 2 === 0 ? new Date(x.at).toISOString() : x.at }));
    const records = json.map((v, r) => record(v, r));
    const decoded = decodeRecords(records, mapping);
    expect(decoded.rejected).toEqual([]);
    const kafkaBatch = toRecordBatch(records, decoded, mapping, kafkaColumns(), new Map());

    const fromFile = encodeBatch(fileBatch, 0, encoding, 'error');
    const fromKafka = encodeBatch(kafkaBatch, 0, encoding, 'error');
    expect(fromKafka.matrix.cols).toBe(encoding.width);
    expect(Array.from(fromKafka.matrix.data.subarray(0, n * encoding.width))).toEqual(Array.from(fromFile.matrix.data));
    expect(fromFile.unknownValues).toBe(0);
    expect(fromKafka.unknownValues).toBe(1);
  });
});

describe('freeColumnPrefix', () => {
  it('is empty unless a feature has a Kafka column name, then kafka_ (more _ in front while still taken)', () => {
    expect(freeColumnPrefix(['reading', 'device'])).toBe('');
    expect(freeColumnPrefix(['timestamp', 'reading'])).toBe('kafka_');
    expect(freeColumnPrefix(['key', 'kafka_value', '_kafka_offset'])).toBe('__kafka_');
    for (const f of [['timestamp'], ['key', 'kafka_value', '_kafka_offset']]) {
      const names = Object.values(kafkaColumns(freeColumnPrefix(f)));
      expect(names.some((n) => f.includes(n))).toBe(false);
    }
  });
});
