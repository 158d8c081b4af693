import { Field, Float64, RecordBatch, Schema, makeData, Struct } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { AckService, type AckHandle } from '../../src/contract/acks.js';
import { META } from '../../src/io/batch-meta.js';
import { withColumns, float32Column } from '../../src/io/batch.js';
import { fromArray } from '../helpers/context.js';

/** A batch of `rows` float64 values, with schema metadata `meta`. */
function batchOf(rows: number, meta: Record<string, string> = {}): RecordBatch {
  const field = new Field('v', new Float64(), false);
  const data = makeData({ type: field.type, length: rows, data: Float64Array.from({ length: rows }, (_, i) => i) });
  const fields = [field];
  return new RecordBatch(new Schema(fields, new Map(Object.entries(meta))), makeData({ type: new Struct(fields), length: rows, nullCount: 0, children: [data] }));
}

/** A handle that records what the service told it. */
function recorder(): AckHandle & { calls: string[] } {
  const calls: string[] = [];
  return { calls, settle: () => calls.push('settle'), fail: (reason) => calls.push(`fail:${String(reason)}`) };
}

describe('AckService', () => {
  it('attach keeps the batch and its metadata, adds one token, and does not mutate the input', () => {
    const acks = new AckService();
    const input = batchOf(3, { [META.topics]: 't' });
    const out = acks.attach(input, recorder());
    expect(out.numRows).toBe(3);
    expect(out.getChild('v')!.data[0]).toBe(input.getChild('v')!.data[0]);
    expect(out.schema.metadata.get(META.topics)).toBe('t');
    expect(out.schema.metadata.get(META.ack)).toMatch(/.+/);
    expect(input.schema.metadata.has(META.ack)).toBe(false);
    expect(acks.unsettled()).toBe(1);
  });

  it('settles a batch once, through a transform that returns a new batch sharing the schema metadata', () => {
    const acks = new AckService();
    const handle = recorder();
    const attached = acks.attach(batchOf(4), handle);
    const transformed = withColumns(attached, [float32Column('score', Float32Array.of(1, 2, 3, 4))], { stage: 'test', option: 'outputPrefix' });
    expect(transformed).not.toBe(attached);
    acks.settle(transformed);
    acks.settle(transformed);
    acks.fail(attached, 'late');
    expect(handle.calls).toEqual(['settle']);
    expect(acks.unsettled()).toBe(0);
  });

  it('a failed batch is never settled afterwards', () => {
    const acks = new AckService();
    const handle = recorder();
    const batch = acks.attach(batchOf(2), handle);
    acks.fail(batch, 'write rejected');
    acks.settle(batch);
    expect(handle.calls).toEqual(['fail:write rejected']);
  });

  it('settles out of order: each batch reaches its own handle', () => {
    const acks = new AckService();
    const handles = [recorder(), recorder(), recorder()];
    const batches = handles.map((h) => acks.attach(batchOf(1), h));
    acks.settle(batches[2]);
    expect(handles.map((h) => h.calls.length)).toEqual([0, 0, 1]);
    acks.settle(batches[0]);
    expect(handles.map((h) => h.calls.length)).toEqual([1, 0, 1]);
    expect(acks.unsettled()).toBe(1);
  });

  it('two services (two runs in one process) do not see each other\'s tokens', () => {
    const first = new AckService();
    const second = new AckService();
    const a = recorder();
    const b = recorder();
    const fromFirst = first.attach(batchOf(1), a);
    const fromSecond = second.attach(batchOf(1), b);
    // Both runs number their tokens from 1; the run id keeps them apart.
    expect(fromFirst.schema.metadata.get(META.ack)).not.toBe(fromSecond.schema.metadata.get(META.ack));
    second.settle(fromFirst);
    second.fail(fromFirst, 'foreign');
    expect(a.calls).toEqual([]);
    expect(b.calls).toEqual([]);
    first.settle(fromFirst);
    expect(a.calls).toEqual(['settle']);
    expect(b.calls).toEqual([]);
    expect(second.unsettled()).toBe(1);
  });

  it('settling a batch without a token (a file source) does nothing', () => {
    const acks = new AckService();
    expect(() => acks.settle(batchOf(2))).not.toThrow();
    expect(acks.unsettled()).toBe(0);
  });

  it('split: the input settles once every piece has, and fails on the first failed piece', () => {
    const acks = new AckService();
    const whole = recorder();
    const input = acks.attach(batchOf(6), whole);
    const pieces = acks.split(input, [input.slice(0, 2), input.slice(2, 4), input.slice(4)]);
    expect(new Set(pieces.map((p) => p.schema.metadata.get(META.ack))).size).toBe(3);
    // The input's own token was replaced by the pieces': settling it now does nothing.
    acks.settle(input);
    acks.settle(pieces[2]);
    acks.settle(pieces[0]);
    expect(whole.calls).toEqual([]);
    acks.settle(pieces[1]);
    expect(whole.calls).toEqual(['settle']);

    const other = recorder();
    const parts = acks.split(acks.attach(batchOf(4), other), [batchOf(2), batchOf(2)]);
    acks.fail(parts[1], 'lost');
    acks.settle(parts[0]);
    expect(other.calls).toEqual(['fail:lost']);
  });

  it('split into no pieces settles the input (nothing of it is to be written)', () => {
    const acks = new AckService();
    const handle = recorder();
    expect(acks.split(acks.attach(batchOf(3), handle), [])).toEqual([]);
    expect(handle.calls).toEqual(['settle']);
  });

  it('merge: settling the merged batch settles every part; failing it fails every part', () => {
    const acks = new AckService();
    const [a, b, c] = [recorder(), recorder(), recorder()];
    const merged = acks.merge([acks.attach(batchOf(1), a), acks.attach(batchOf(1), b)], batchOf(2));
    expect(acks.unsettled()).toBe(1);
    acks.settle(merged);
    expect([a.calls, b.calls]).toEqual([['settle'], ['settle']]);

    const failed = acks.merge([acks.attach(batchOf(1), c)], batchOf(1));
    acks.fail(failed, 'nope');
    expect(c.calls).toEqual(['fail:nope']);
    const plain = batchOf(1);
    expect(acks.merge([batchOf(1)], plain)).toBe(plain);
  });

  it('settleOnResolve settles every batch the write took only after the write resolved', async () => {
    const acks = new AckService();
    const handles = [recorder(), recorder()];
    const input = handles.map((h) => acks.attach(batchOf(1), h));
    let seenBeforeResolve: string[][] = [];
    const result = await acks.settleOnResolve(fromArray(input), async (held) => {
      for await (const _ of held) {
        // consumed; the "file" is committed below
      }
      seenBeforeResolve = handles.map((h) => [...h.calls]);
      return 'written';
    });
    expect(result).toBe('written');
    expect(seenBeforeResolve).toEqual([[], []]);
    expect(handles.map((h) => h.calls)).toEqual([['settle'], ['settle']]);
  });

  it('settleOnResolve fails every batch the write took when it rejects', async () => {
    const acks = new AckService();
    const handles = [recorder(), recorder(), recorder()];
    const input = handles.map((h) => acks.attach(batchOf(1), h));
    const write = acks.settleOnResolve(fromArray(input), async (held) => {
      let n = 0;
      for await (const _ of held) if (++n === 2) throw new Error('disk full');
      return n;
    });
    await expect(write).rejects.toThrow('disk full');
    expect(handles.map((h) => h.calls)).toEqual([['fail:Error: disk full'], ['fail:Error: disk full'], []]);
  });
});
