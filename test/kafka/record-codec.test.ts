import { describe, expect, it } from 'vitest';
import { kafkaSource } from '../../src/connectors/kafka-source.js';
import { decodeRecords, featureMapping, type InputRecord } from '../../src/kafka/record-codec.js';
import type { ColumnKind } from '../../src/models/feature-encoding.js';

/** decodeRecords with declared feature kinds (issue 16): JSON text, booleans and times, no broker. */

const record = (value: string, offset = 0): InputRecord => ({ topic: 'in', partition: 0, offset: String(offset), timestamp: '0', key: null, value: Buffer.from(value) });
const kinds = new Map<string, ColumnKind>([
  ['device', 'categorical'],
  ['isOn', 'boolean'],
  ['at', 'timestamp'],
]);
const mapping = featureMapping(['device', 'value', 'isOn', 'at'], undefined, undefined, kinds);

describe('decodeRecords with feature kinds', () => {
  it('reads a category as text, a boolean as 0/1, a timestamp as epoch ms, numbers as before', () => {
    const d = decodeRecords(
      [
        record('{"device": "A", "value": 1.5, "isOn": true, "at": "2026-01-01T12:00:00Z"}'),
        record('{"device": "B", "value": -2, "isOn": false, "at": 1767268800000}'),
      ],
      mapping,
    );
    expect(d.accepted).toEqual([0, 1]);
    expect(d.rejected).toEqual([]);
    expect(d.texts[0]).toEqual(['A', 'B']);
    expect(d.texts.slice(1)).toEqual([undefined, undefined, undefined]);
    const at = Date.parse('2026-01-01T12:00:00Z');
    expect(Array.from(d.values)).toEqual([0, 1.5, 1, at, 0, -2, 0, 1767268800000]);
  });

  it('reads what the file connectors accept: boolean text and numbers, numeric and boolean categories as their text', () => {
    const d = decodeRecords(
      [
        record('{"device": 404, "value": 0, "isOn": "yes", "at": "2026-01-01"}'),
        record('{"device": true, "value": 0, "isOn": " FALSE ", "at": 0}'),
        record('{"device": "x", "value": 0, "isOn": 2, "at": 0}'),
        record('{"device": "x", "value": 0, "isOn": 0, "at": 0}'),
      ],
      mapping,
    );
    expect(d.accepted).toEqual([0, 1, 2, 3]);
    expect(d.texts[0]).toEqual(['404', 'true', 'x', 'x']);
    expect([0, 1, 2, 3].map((r) => d.values[r * 4 + 2])).toEqual([1, 0, 1, 0]);
    expect(d.values[3]).toBe(Date.parse('2026-01-01'));
  });

  it('a categorical null or absent field is the null category; a null or absent boolean or timestamp is a missing-field dead letter', () => {
    const d = decodeRecords(
      [
        record('{"device": null, "value": 1, "isOn": true, "at": 0}'),
        record('{"value": 1, "isOn": true, "at": 0}'),
        record('{"device": "A", "value": 1, "isOn": null, "at": 0}'),
        record('{"device": "A", "value": 1, "isOn": true}'),
      ],
      mapping,
    );
    expect(d.accepted).toEqual([0, 1]);
    expect(d.texts[0]).toEqual([null, null]);
    expect(d.rejected.map((r) => [r.index, r.reason])).toEqual([
      [2, 'missing-field'],
      [3, 'missing-field'],
    ]);
    expect(d.rejected[0].detail).toContain('"isOn" is null');
    expect(d.rejected[1].detail).toContain('"at" is missing');
  });

  it('a JSON value its kind cannot read is a wrong-type dead letter naming the field, expected and received; the good records keep their texts in order', () => {
    const d = decodeRecords(
      [
        record('{"device": {"id": 1}, "value": 1, "isOn": true, "at": 0}'),
        record('{"device": "A", "value": 1, "isOn": "maybe", "at": 0}'),
        record('{"device": "B", "value": 1, "isOn": [true], "at": 0}'),
        record('{"device": "C", "value": 1, "isOn": true, "at": "yesterday"}'),
        record('{"device": "D", "value": 1, "isOn": true, "at": true}'),
        record('{"device": "E", "value": "1", "isOn": true, "at": 0}'),
        record('{"device": "F", "value": 1, "isOn": true, "at": 0}'),
      ],
      mapping,
    );
    expect(d.accepted).toEqual([6]);
    expect(d.texts[0]).toEqual(['F']);
    expect(d.rejected.map((r) => r.reason)).toEqual(['wrong-type', 'wrong-type', 'wrong-type', 'wrong-type', 'wrong-type', 'non-numeric']);
    expect(d.rejected[0].detail).toBe('field "device" is categorical: expected text, a number or a boolean, received {"id":1}');
    expect(d.rejected[1].detail).toContain('field "isOn" is boolean');
    expect(d.rejected[1].detail).toContain('received "maybe"');
    expect(d.rejected[3].detail).toContain('field "at" is a timestamp');
    expect(d.rejected[3].detail).toContain('received "yesterday"');
  });

  it('follows a dotted path for a typed feature', () => {
    const d = decodeRecords([record('{"meta": {"dev": "Z"}, "value": 1, "isOn": 1, "at": 5}')], featureMapping(['device', 'value', 'isOn', 'at'], new Map([['device', 'meta.dev']]), undefined, kinds));
    expect(d.texts[0]).toEqual(['Z']);
  });

  it('a vector field holds numbers only: a non-numeric kind is refused by the mapping and by kafka-source params', () => {
    expect(() => featureMapping(['device', 'value'], undefined, 'x', kinds)).toThrow(/vector field holds numbers only; device/);
    // Not "value": that is a Kafka column's name.
    const base = { brokers: ['127.0.0.1:9'], topics: ['t'], groupId: 'g', features: ['device', 'reading'] };
    const issue = (input: object) => kafkaSource.params.safeParse(input).error?.issues.map((i) => i.message).join('; ');
    expect(issue({ ...base, vectorField: 'x', kinds: { device: 'categorical' } })).toContain('a vectorField holds numbers only');
    expect(issue({ ...base, kinds: { other: 'categorical' } })).toContain('kinds names a column that is not in features');
    const ok = kafkaSource.params.parse({ ...base, kinds: { device: 'categorical' } });
    expect(ok.kinds.get('device')).toBe('categorical');
    expect(kafkaSource.params.safeParse({ ...base, kinds: { device: 'text' } }).success).toBe(false);
  });
});
