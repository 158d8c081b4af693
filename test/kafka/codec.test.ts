import { RecordBatch } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { kafkaSource } from '../../src/connectors/kafka-source.js';
import { boolColumn, float32Column, withColumns } from '../../src/io/batch.js';
import { DLQ_HEADERS, deadLetterMessage, fieldNeedles, spliceJsonFields, takenField } from '../../src/kafka/output-codec.js';
import { kafkaColumns, toRecordBatch } from '../../src/kafka/record-batch.js';
import { decodeRecords, featureMapping, type InputRecord } from '../../src/kafka/record-codec.js';
import { encodeScored, shortestFloat32 } from '../../src/kafka/scored-messages.js';
import { formatFloat32 } from '../../src/io/csv-types.js';
import { seededRandom } from '../../src/models/random.js';

const record = (value: string | null, offset = 0, key: string | null = `k${offset}`): InputRecord => ({
  topic: 'in',
  partition: 2,
  offset: String(offset),
  timestamp: '1700000000000',
  key: key === null ? null : Buffer.from(key),
  value: value === null ? null : Buffer.from(value),
});

describe('decodeRecords', () => {
  const mapping = featureMapping(['a', 'b']);

  it('reads features by name and rejects each kind of bad record with its reason', () => {
    const records = [
      record('{"a": 1, "b": 2.5, "other": "x"}'),
      record('{"a": 1, '),
      record('[1, 2]'),
      record('{"a": 1}'),
      record('{"a": 1, "b": null}'),
      record('{"a": "1", "b": 2}'),
      record('{"a": 1e999, "b": 2}'),
      record(null),
      record(''),
    ];
    const d = decodeRecords(records, mapping);
    expect(d.accepted).toEqual([0]);
    expect(Array.from(d.values)).toEqual([1, 2.5]);
    expect(d.rejected.map((r) => [r.index, r.reason])).toEqual([
      [1, 'invalid-json'],
      [2, 'not-an-object'],
      [3, 'missing-field'],
      [4, 'missing-field'],
      [5, 'non-numeric'],
      [6, 'non-numeric'],
      [7, 'empty-value'],
      [8, 'empty-value'],
    ]);
    expect(d.rejected[4].detail).toContain('"a" should be a finite number, received "1"');
  });

  it('follows dotted paths and checks the dimension of a vector field', () => {
    const nested = decodeRecords([record('{"s": {"a": 3}, "b": 4}')], featureMapping(['a', 'b'], new Map([['a', 's.a']])));
    expect(Array.from(nested.values)).toEqual([3, 4]);
    const vector = featureMapping(['a', 'b', 'c'], undefined, 'x');
    const d = decodeRecords([record('{"x": [1, 2, 3]}'), record('{"x": [1, 2]}'), record('{"x": 5}'), record('{"y": 1}')], vector);
    expect(d.accepted).toEqual([0]);
    expect(d.rejected.map((r) => r.reason)).toEqual(['wrong-dimension', 'non-numeric', 'missing-field']);
    expect(d.rejected[0].detail).toContain('has 2 values, the model expects 3');
  });

  it('features and fields named __proto__ or constructor (from kafka-source YAML) read the declared fields; an absent one is missing', () => {
    const p = kafkaSource.params.parse(parse('{ brokers: [b:9092], topics: [t], groupId: g, features: [__proto__, constructor, toString], fields: { constructor: s.constructor } }'));
    const mapping = featureMapping(p.features, p.fields, p.vectorField);
    expect(mapping).toMatchObject({ paths: [['__proto__'], ['s', 'constructor'], ['toString']] });
    const d = decodeRecords([record('{"__proto__": 1.5, "s": {"constructor": 2}, "toString": 3}'), record('{"__proto__": 1, "s": {}, "toString": 3}'), record('{"s": {"constructor": 2}, "toString": 3}')], mapping);
    expect(d.accepted).toEqual([0]);
    expect(Array.from(d.values)).toEqual([1.5, 2, 3]);
    expect(d.rejected.map((r) => [r.reason, r.detail])).toEqual([
      ['missing-field', 'field "s.constructor" is missing'],
      ['missing-field', 'field "__proto__" is missing'],
    ]);
  });
});

describe('toRecordBatch', () => {
  it('keeps key, topic, partition, offset, timestamp and the value bytes, with one float64 column per feature', () => {
    const records = [record('{"a": 1, "b": 2}', 10), record('bad', 11), record('{"a": 3, "b": 4}', 12, null)];
    const mapping = featureMapping(['a', 'b']);
    const batch = toRecordBatch(records, decodeRecords(records, mapping), mapping, kafkaColumns(), new Map([['m', 'v']]));
    expect(batch.numRows).toBe(2);
    expect(batch.toArray().map((r) => r.toJSON())).toEqual([
      { key: 'k10', topic: 'in', partition: 2, offset: 10n, timestamp: 1700000000000, value: '{"a": 1, "b": 2}', a: 1, b: 2 },
      { key: null, topic: 'in', partition: 2, offset: 12n, timestamp: 1700000000000, value: '{"a": 3, "b": 4}', a: 3, b: 4 },
    ]);
    expect(batch.schema.metadata.get('m')).toBe('v');
  });
});

describe('spliceJsonFields', () => {
  it('splices fields before the closing brace, keeping the original bytes', () => {
    expect(spliceJsonFields(Buffer.from('{"id":"x", "v": 1.50}  \n'), '"score":0.5').toString()).toBe('{"id":"x", "v": 1.50,"score":0.5}');
    expect(spliceJsonFields(Buffer.from('{ }'), '"score":0.5').toString()).toBe('{ "score":0.5}');
    expect(spliceJsonFields(Buffer.from('{"é":"ü"}'), '"score":1').toString()).toBe('{"é":"ü","score":1}');
  });
});

describe('takenField', () => {
  const names = ['score', 'is_anomaly'];
  const needles = fieldNeedles(names);
  it('names the first output the record already has at its top level', () => {
    expect(takenField(Buffer.from('{"a": 1, "is_anomaly": false, "score": "old"}'), names, needles)).toBe('score');
    expect(takenField(Buffer.from('{"is_anomaly": 0}'), names, needles)).toBe('is_anomaly');
  });
  it('is no collision when the name only occurs nested or inside a string', () => {
    expect(takenField(Buffer.from('{"meta": {"score": 1}, "note": "\\"score\\" is high"}'), names, needles)).toBeUndefined();
    expect(takenField(Buffer.from('{"a": 1}'), names, needles)).toBeUndefined();
  });
  it('finds names that are object-property names without touching the prototype', () => {
    expect(takenField(Buffer.from('{"__proto__": 1}'), ['__proto__'], fieldNeedles(['__proto__']))).toBe('__proto__');
    expect(takenField(Buffer.from('{"a": 1, "b": "__proto__"}'), ['__proto__'], fieldNeedles(['__proto__']))).toBeUndefined();
  });
});

describe('encodeScored', () => {
  it('writes every row with score and flag, the flagged ones to the anomalies list, and sets aside non-finite scores', () => {
    const records = [record('{"a": 1, "b": 2}', 0), record('{"a": 3, "b": 4}', 1), record('{"a": 5, "b": 6}', 2)];
    const mapping = featureMapping(['a', 'b']);
    const base: RecordBatch = toRecordBatch(records, decodeRecords(records, mapping), mapping, kafkaColumns(), new Map());
    const batch = withColumns(base, [float32Column('score', new Float32Array([0.1, 2, Number.NaN])), boolColumn('is_anomaly', [false, true, true])]);
    const out = encodeScored(batch, { names: kafkaColumns(), scoreColumn: 'score', flagColumn: 'is_anomaly', extraColumns: [] });
    expect(out.scored.map((m) => [String(m.key), String(m.value)])).toEqual([
      ['k0', '{"a": 1, "b": 2,"score":0.1,"is_anomaly":false}'],
      ['k1', '{"a": 3, "b": 4,"score":2,"is_anomaly":true}'],
    ]);
    expect(out.anomalies.map((m) => String(m.key))).toEqual(['k1']);
    expect(out.unscorable).toEqual([2]);
    const kept = encodeScored(batch, { names: kafkaColumns(), scoreColumn: 'score', flagColumn: 'is_anomaly', extraColumns: [], keepUnscorable: true });
    expect(String(kept.scored[2].value)).toBe('{"a": 5, "b": 6,"score":null,"is_anomaly":true}');
    expect(out.collisions).toEqual([]);
  });

  it('never overwrites a field the record already has: such rows are listed as collisions, not written', () => {
    const records = [record('{"a": 1, "score": "mine"}', 0), record('{"a": 2, "n": {"score": 3}}', 1), record('{"a": 3, "is_anomaly": "x"}', 2)];
    const mapping = featureMapping(['a']);
    const base: RecordBatch = toRecordBatch(records, decodeRecords(records, mapping), mapping, kafkaColumns(), new Map());
    const batch = withColumns(base, [float32Column('score', new Float32Array([0.5, 1, 2])), boolColumn('is_anomaly', [true, true, false])]);
    const out = encodeScored(batch, { names: kafkaColumns(), scoreColumn: 'score', flagColumn: 'is_anomaly', extraColumns: [] });
    expect(out.collisions).toEqual([{ row: 0, field: 'score' }, { row: 2, field: 'is_anomaly' }]);
    // The nested "score" is the record's own and stays; only row 1 is written, and it alone is flagged.
    expect(out.scored.map((m) => String(m.value))).toEqual(['{"a": 2, "n": {"score": 3},"score":1,"is_anomaly":true}']);
    expect(out.anomalies.map((m) => String(m.key))).toEqual(['k1']);
  });
});

describe('deadLetterMessage', () => {
  it('keeps the original key, value and headers and adds the reason and the source position', () => {
    const m = deadLetterMessage({ ...record('nope', 42), headers: { trace: 'abc' } }, 'invalid-json', 'value is not JSON');
    expect(String(m.key)).toBe('k42');
    expect(String(m.value)).toBe('nope');
    expect(m.headers).toEqual({
      trace: 'abc',
      [DLQ_HEADERS.reason]: 'invalid-json',
      [DLQ_HEADERS.detail]: 'value is not JSON',
      [DLQ_HEADERS.sourceTopic]: 'in',
      [DLQ_HEADERS.sourcePartition]: '2',
      [DLQ_HEADERS.sourceOffset]: '42',
      [DLQ_HEADERS.sourceTimestamp]: '1700000000000',
    });
  });
});

describe('shortestFloat32', () => {
  it('gives the same text as formatFloat32 (the shortest that reads back as the same float32)', () => {
    const random = seededRandom(9);
    for (let i = 0; i < 50_000; i++) {
      const x = Math.fround(Math.exp((random() - 0.5) * 40) * (random() < 0.1 ? -1 : 1));
      expect(shortestFloat32(x)).toBe(formatFloat32(x));
    }
    for (const x of [0.1, 0.5, 1, 100, 1e-7, 3.4e38, 1.5e-45, -0, 0, 1.2e-38, 7e-39, 12345678, 9.999999].map(Math.fround)) expect(shortestFloat32(x)).toBe(formatFloat32(x));
  });
});

describe('the monitor fast path (record buffers, reserved fields seen while parsing)', () => {
  const mapping = featureMapping(['a', 'b']);
  const records = [record('{"a": 1, "b": 2}', 0), record('{"a": 3, "b": 4, "score": "old"}', 1), record('{"a": 5, "b": 6, "x": {"score": 1}}', 2)];

  it('decodeRecords marks records that already have a reserved top-level key (nested ones are not)', () => {
    const d = decodeRecords(records, mapping, ['score', 'is_anomaly']);
    expect(Array.from(d.taken!)).toEqual([0, 1, 0]);
    expect(decodeRecords(records, mapping).taken).toBeUndefined();
  });

  it('encodeScored with rows and taken writes the same bytes as the Arrow path and reuses the key Buffers', () => {
    const d = decodeRecords(records, mapping, ['score', 'is_anomaly']);
    const base = toRecordBatch(records, d, mapping, kafkaColumns(), new Map());
    const batch = withColumns(base, [float32Column('score', new Float32Array([0.1, 2, 0.3])), boolColumn('is_anomaly', [false, true, false])]);
    const enc = { names: kafkaColumns(), scoreColumn: 'score', flagColumn: 'is_anomaly', extraColumns: [] };
    const slow = encodeScored(batch, enc);
    const fast = encodeScored(batch, { ...enc, rows: d.accepted.map((i) => records[i]), taken: d.taken });
    // Both paths: the record with its own top-level "score" is a collision, the nested one keeps its bytes.
    expect(fast.scored.map((m) => String(m.value))).toEqual(slow.scored.map((m) => String(m.value)));
    expect(fast.scored.map((m) => String(m.value))).toEqual(['{"a": 1, "b": 2,"score":0.1,"is_anomaly":false}', '{"a": 5, "b": 6, "x": {"score": 1},"score":0.3,"is_anomaly":false}']);
    expect(fast.collisions).toEqual([{ row: 1, field: 'score' }]);
    expect(slow.collisions).toEqual(fast.collisions);
    expect(fast.scored[0].key).toBe(records[0].key);
    expect(fast.anomalies).toEqual([]);
  });
});
