import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { fastDefaultPartitioner, murmur2 } from '../../src/kafka/partitioner.js';
import { seededRandom } from '../../src/models/random.js';

const metadata = (n: number): PartitionMetadata[] =>
  Array.from({ length: n }, (_, partitionId) => ({ partitionId, leader: 1, replicas: [1], isr: [1], partitionErrorCode: 0, offlineReplicas: [] }));

describe('fastDefaultPartitioner', () => {
  it('chooses the same partition as kafkajs DefaultPartitioner for 5,000 random keys of 0-40 bytes', () => {
    const rand = seededRandom(7);
    const ours = fastDefaultPartitioner();
    const theirs = Partitioners.DefaultPartitioner();
    for (let i = 0; i < 5000; i++) {
      const key = Buffer.from(Array.from({ length: Math.floor(rand() * 41) }, () => Math.floor(rand() * 256)));
      const n = 1 + Math.floor(rand() * 12);
      const args = { topic: 't', partitionMetadata: metadata(n), message: { key, value: null } };
      expect(ours(args)).toBe(theirs(args));
    }
  });

  it('hashes string keys as their UTF-8 bytes and keeps an explicit partition', () => {
    const p = fastDefaultPartitioner();
    const args = (key: string | Buffer, partition?: number) => ({ topic: 't', partitionMetadata: metadata(6), message: { key, value: null, partition } });
    expect(p(args('m-12345'))).toBe(p(args(Buffer.from('m-12345'))));
    expect(p(args('m-12345'))).toBe(Partitioners.DefaultPartitioner()(args('m-12345')));
    expect(p(args('x', 4))).toBe(4);
  });

  it('matches the Java client murmur2 reference values', () => {
    // From Kafka's UtilsTest.testMurmur2 (the Java client's own test vectors).
    const cases: [string, number][] = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ];
    for (const [s, h] of cases) expect(murmur2(Buffer.from(s))).toBe(h);
  });

  it('spreads keyless messages round robin over partitions with a leader', () => {
    const p = fastDefaultPartitioner();
    const meta = metadata(3).map((m, i) => (i === 1 ? { ...m, leader: -1 } : m));
    const seen = new Set(Array.from({ length: 10 }, () => p({ topic: 't', partitionMetadata: meta, message: { key: null, value: null } })));
    expect([...seen].sort()).toEqual([0, 2]);
  });
});
