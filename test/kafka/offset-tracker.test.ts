import { describe, expect, it } from 'vitest';
import { OffsetTracker } from '../../src/kafka/offset-tracker.js';

const tp = (partition: number, topic = 't') => ({ topic, partition });
const part = (partition: number, coverTo: number, count: number, topic = 't') => ({ topic, partition, coverTo: BigInt(coverTo), count });

describe('OffsetTracker', () => {
  it('commits a partition only up to the longest acknowledged prefix of its batches', () => {
    const t = new OffsetTracker();
    t.assign([tp(0)]);
    const a = t.take([part(0, 9, 10)]);
    const b = t.take([part(0, 19, 10)]);
    const c = t.take([part(0, 29, 10)]);
    expect(t.settle(b)).toBe(false); // b is acknowledged before a: nothing may be committed yet
    expect(t.commitable()).toEqual([]);
    expect(t.settle(a)).toBe(true);
    expect(t.commitable()).toEqual([{ topic: 't', partition: 0, offset: '20' }]);
    t.settle(c);
    expect(t.commitable()).toEqual([{ topic: 't', partition: 0, offset: '30' }]);
  });

  it('waits for every acknowledgement a batch needs (outputs and dead letters)', () => {
    const t = new OffsetTracker();
    t.assign([tp(0)]);
    const a = t.take([part(0, 4, 5)]);
    t.addPending(a, 1);
    expect(t.settle(a)).toBe(false);
    expect(t.settle(a)).toBe(true);
    expect(t.commitable()).toEqual([{ topic: 't', partition: 0, offset: '5' }]);
  });

  it('tracks partitions independently within one batch', () => {
    const t = new OffsetTracker();
    t.assign([tp(0), tp(1)]);
    const a = t.take([part(0, 4, 5), part(1, 99, 3)]);
    const b = t.take([part(1, 120, 7)]);
    t.settle(b);
    expect(t.commitable()).toEqual([]);
    t.settle(a);
    expect(t.commitable()).toEqual([
      { topic: 't', partition: 0, offset: '5' },
      { topic: 't', partition: 1, offset: '121' },
    ]);
  });

  it('forgets committed offsets and reports idle once everything is committed', () => {
    const t = new OffsetTracker();
    t.assign([tp(0)]);
    const a = t.take([part(0, 4, 5)]);
    t.settle(a);
    expect(t.isIdle()).toBe(false);
    t.committed(t.commitable());
    expect(t.commitable()).toEqual([]);
    expect(t.isIdle()).toBe(true);
  });

  it('counts records produced but not committed when their partition moves away, and never commits them', () => {
    const t = new OffsetTracker();
    t.assign([tp(0), tp(1)]);
    const a = t.take([part(0, 9, 10), part(1, 9, 10)]);
    const b = t.take([part(0, 19, 10)]);
    t.settle(a);
    t.committed([{ topic: 't', partition: 1, offset: '10' }]);
    // Partition 0 goes to another member: a (settled, uncommitted) and b (in flight) are duplicates there.
    const { revoked, retained } = t.assign([tp(1)]);
    expect(revoked).toHaveLength(1);
    expect(retained).toHaveLength(1);
    expect(t.stats().handedOver).toBe(20);
    t.settle(b);
    expect(t.commitable()).toEqual([]);
  });

  it('keeps batches in flight for retained partitions committable after a new generation', () => {
    const t = new OffsetTracker();
    t.assign([tp(0)]);
    const a = t.take([part(0, 9, 10)]);
    t.assign([tp(0), tp(1)]);
    expect(t.highestTaken('t', 0)).toBe(9n);
    t.settle(a);
    expect(t.commitable()).toEqual([{ topic: 't', partition: 0, offset: '10' }]);
    expect(t.stats().handedOver).toBe(0);
  });

  it('starts a re-assigned partition afresh: old batches of the previous epoch commit nothing', () => {
    const t = new OffsetTracker();
    t.assign([tp(0)]);
    const old = t.take([part(0, 9, 10)]);
    t.assign([]);
    t.assign([tp(0)]);
    expect(t.highestTaken('t', 0)).toBe(-1n);
    t.settle(old);
    expect(t.commitable()).toEqual([]);
  });

  it('ignores parts of partitions not assigned and abandoned batches', () => {
    const t = new OffsetTracker();
    t.assign([tp(0)]);
    const a = t.take([part(0, 4, 5), part(7, 4, 5)]);
    t.abandon(a);
    expect(t.settle(a)).toBe(false);
    expect(t.inFlight()).toBe(0);
    expect(t.commitable()).toEqual([]);
  });
});
