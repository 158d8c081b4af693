import { describe, expect, it } from 'vitest';
import { mergeSends } from '../../src/kafka/producer.js';

const m = (v: string) => ({ key: null, value: Buffer.from(v) });
const values = (t: { messages: { value: Buffer | string | null }[] }) => t.messages.map((x) => String(x.value));

describe('mergeSends', () => {
  it('merges queued sends per topic, keeping the send order within each topic', () => {
    const merged = mergeSends([
      [{ topic: 'scored', messages: [m('a1'), m('a2')] }, { topic: 'dlq', messages: [m('d1')] }],
      [{ topic: 'scored', messages: [m('b1')] }],
      [{ topic: 'anomalies', messages: [m('x')] }, { topic: 'dlq', messages: [m('d2')] }],
    ]);
    expect(merged.map((t) => [t.topic, values(t)])).toEqual([
      ['scored', ['a1', 'a2', 'b1']],
      ['dlq', ['d1', 'd2']],
      ['anomalies', ['x']],
    ]);
  });

  it('merges a topic named twice in one send (kafkajs would keep only the last list)', () => {
    const merged = mergeSends([[{ topic: 'out', messages: [m('1')] }, { topic: 'out', messages: [m('2')] }]]);
    expect(merged.map((t) => [t.topic, values(t)])).toEqual([['out', ['1', '2']]]);
  });

  it('returns a single send with distinct topics as it is', () => {
    const send = [{ topic: 'a', messages: [m('1')] }, { topic: 'b', messages: [m('2')] }];
    expect(mergeSends([send])).toBe(send);
  });
});
