import { Bool, Field, Float32, Float64, RecordBatch, Schema, Struct, Uint64, Utf8, makeData, makeVector, vectorFromArray, type Data } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { numericTextField } from '../../src/io/numeric-field.js';
import { boolColumn, float32Column, withColumns } from '../../src/io/batch.js';
import { kafkaColumns, toRecordBatch } from '../../src/kafka/record-batch.js';
import { decodeRecords, featureMapping } from '../../src/kafka/record-codec.js';
import { encodeScored } from '../../src/kafka/scored-messages.js';
import { passThroughColumns } from '../robustness/hostile-data.js';

/**
 * Records written to Kafka from a batch that did not come from Kafka (a file source, say) carry every
 * pass-through value as exactly as the file sinks write it: the JSON text is compared, since a JSON parser
 * that reads numbers as doubles would itself round the 64-bit ids.
 */

const ROWS = 4;

/** The hostile pass-through columns plus numeric text, uint64, float32/float64 specials, a score and a flag. */
function scoredBatch(): RecordBatch {
  const columns = passThroughColumns(ROWS);
  const fields = [...columns].map(([name, data]) => new Field(name, data.type, true));
  const extra: [Field, Data][] = [
    [numericTextField('zip'), vectorFromArray(['00017', '1.50', null, '12345678901234567890123'], new Utf8()).data[0]],
    [new Field('u64', new Uint64(), true), makeData({ type: new Uint64(), length: ROWS, data: new BigUint64Array([18446744073709551615n, 0n, 1n, 9007199254740993n]) })],
    [new Field('f32', new Float32(), true), makeData({ type: new Float32(), length: ROWS, data: new Float32Array([0.1, -0, 3.5, 1e-7]) })],
    [new Field('f64', new Float64(), true), makeData({ type: new Float64(), length: ROWS, data: new Float64Array([Number.NaN, Number.POSITIVE_INFINITY, 0.1, -2.5e-300]) })],
    [new Field('score', new Float32(), true), makeData({ type: new Float32(), length: ROWS, data: new Float32Array([0.25, 1.5, 0.1, 7]) })],
    [new Field('is_anomaly', new Bool(), true), makeData({ type: new Bool(), length: ROWS, data: new Uint8Array([0b0010]) })],
  ];
  const schema = new Schema([...fields, ...extra.map(([f]) => f)]);
  const children = [...columns.values(), ...extra.map(([, d]) => d)];
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: ROWS, nullCount: 0, children }));
}

const encode = (batch: RecordBatch) => encodeScored(batch, { names: kafkaColumns(), scoreColumn: 'score', flagColumn: 'is_anomaly', extraColumns: [] }).scored.map((m) => String(m.value));

describe('Kafka JSON of pass-through values', () => {
  it('int64/uint64 beyond 2^53 and decimals are exact number tokens, timestamps ISO 8601 at the unit, dates YYYY-MM-DD, numeric text verbatim', () => {
    const [row0, row1, , row3] = encode(scoredBatch());
    expect(row1).toBe(
      '{"id_int64":9007199254740995,"amount_dec":-1.07,"ts_ns_paris":"2026-01-01T00:00:01.000000002Z","ts_us":"2026-01-01T00:00:01.000123Z",' +
        '"day":"2026-01-02","region_dict":"south","note_nullable":"note 1 \\"q\\", x","flag_nullable":false,' +
        '"constructor":"constructor#1","__proto__":"__proto__#1","toString":"toString#1","hasOwnProperty":"hasOwnProperty#1",' +
        '"température":"température#1","名前 ☃":"名前 ☃#1","a,b \\"c\\"":"a,b \\"c\\"#1","line\\nbreak":"line\\nbreak#1",' +
        '"zip":"1.50","u64":0,"f32":-0,"f64":null,"score":1.5,"is_anomaly":true}',
    );
    expect(row0).toContain('"id_int64":9007199254740993,"amount_dec":0.07,');
    expect(row0).toContain('"zip":"00017","u64":18446744073709551615,"f32":0.1,"f64":null,"score":0.25,"is_anomaly":false}');
    // Row 3: the nulls of strings and bools, numeric text longer than a double, a float32 in its own digits.
    expect(row3).toContain('"note_nullable":null,"flag_nullable":null,');
    expect(row3).toContain('"zip":"12345678901234567890123","u64":9007199254740993,"f32":1e-7,"f64":-2.5e-300,');
  });

  it('every record is valid JSON, and the keys a plain object would lose (__proto__) are its own keys', () => {
    for (const text of encode(scoredBatch())) {
      const parsed = JSON.parse(text) as Record<string, unknown>;
      expect(Object.keys(parsed)).toContain('__proto__');
      expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
      expect(Object.keys(parsed)).toHaveLength(scoredBatch().numCols);
    }
  });

  it('columns appended to records read from Kafka (extraColumns) follow the same rules; float codes keep their shortest text', () => {
    const records = [0, 1].map((i) => ({ topic: 'in', partition: 0, offset: String(i), timestamp: '0', key: null, value: Buffer.from(`{"a": ${i}}`) }));
    const mapping = featureMapping(['a']);
    const base = toRecordBatch(records, decodeRecords(records, mapping), mapping, kafkaColumns(), new Map());
    const hostile = passThroughColumns(2);
    const batch = withColumns(base, [
      float32Column('score', new Float32Array([0.5, 2])),
      boolColumn('is_anomaly', [false, true]),
      float32Column('z0', new Float32Array([0.1, Number.NaN])),
      ...(['id_int64', 'ts_ns_paris', 'amount_dec'] as const).map((name) => ({ name, vector: makeVector(hostile.get(name)!) })),
    ]);
    const out = encodeScored(batch, { names: kafkaColumns(), scoreColumn: 'score', flagColumn: 'is_anomaly', extraColumns: ['z0', 'id_int64', 'ts_ns_paris', 'amount_dec'] });
    expect(out.scored.map((m) => String(m.value))).toEqual([
      '{"a": 0,"score":0.5,"is_anomaly":false,"z0":0.1,"id_int64":9007199254740993,"ts_ns_paris":"2026-01-01T00:00:00.000000001Z","amount_dec":0.07}',
      '{"a": 1,"score":2,"is_anomaly":true,"z0":null,"id_int64":9007199254740995,"ts_ns_paris":"2026-01-01T00:00:01.000000002Z","amount_dec":-1.07}',
    ]);
  });

  it('the big integers survive a parser that keeps the number text', () => {
    const [row0] = encode(scoredBatch());
    // Each number token as text, as a big-integer-aware parser sees it.
    const tokens = new Map([...row0.matchAll(/"([^"]+)":(-?\d[\d.eE+-]*)/g)].map((m) => [m[1], m[2]]));
    expect(BigInt(tokens.get('id_int64')!)).toBe(9007199254740993n);
    expect(BigInt(tokens.get('u64')!)).toBe(18446744073709551615n);
    expect(tokens.get('amount_dec')).toBe('0.07');
  });
});
