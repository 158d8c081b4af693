import { tableFromArrays, type RecordBatch } from 'apache-arrow';
import { z } from 'zod';
import { beforeAll, describe, expect, it } from 'vitest';
import { runPipeline, type RunStatistics } from '../../src/pipeline/runner.js';
import type { PipelineSpec, StageSpec } from '../../src/pipeline/spec.js';
import type { Sink, Source, StageDefinition } from '../../src/contract/stage.js';
import { selectBackend } from '../../src/runtime/backend.js';
import { inlinePipeline, inlineStage } from '../helpers/inline-spec.js';

/**
 * Draining and run statistics (issue 13): a drained run with an unbounded source ends at a batch boundary
 * with everything it read written and settled, and resolves with `endedBy: 'drain'`; a bounded source
 * ignores the drain; statistics snapshots carry every stage's counters while the run goes on.
 */

const batch = (n: number, from: number): RecordBatch => tableFromArrays({ x: Float64Array.from({ length: n }, (_, i) => from + i) }).batches[0];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Ledger {
  yielded: number;
  settled: number;
  failed: number;
  written: number[];
}

/** A source of 10-row batches every `delayMs`, forever when unbounded (until drained or stopped), else `count` of them. */
function source(ledger: Ledger, unbounded: boolean, count = 5, delayMs = 5): StageSpec {
  const definition: StageDefinition = {
    type: 'test-stream',
    kind: 'source',
    description: 'test source',
    params: z.object({}),
    ...(unbounded ? { isUnbounded: true } : {}),
    create(_p, ctx) {
      return {
        kind: 'source',
        async *batches() {
          for (let i = 0; unbounded || i < count; i++) {
            if (ctx.drain.aborted) return;
            await sleep(delayMs);
            ledger.yielded++;
            yield ctx.acks.attach(batch(10, i * 10), { settle: () => ledger.settled++, fail: () => ledger.failed++ });
          }
        },
        stats: () => ({ yielded: ledger.yielded }),
        async close() {},
      } satisfies Source;
    },
  };
  return inlineStage('src', definition);
}

/** A sink that confirms each batch a little later, like a broker acknowledgement, and waits for all at the end. */
function sink(ledger: Ledger): StageSpec {
  const definition: StageDefinition = {
    type: 'test-acking-sink',
    kind: 'sink',
    description: 'test sink',
    params: z.object({}),
    create(_p, ctx) {
      return {
        kind: 'sink',
        async write(input) {
          const pending: Promise<void>[] = [];
          let rows = 0;
          for await (const b of input) {
            rows += b.numRows;
            pending.push(sleep(15).then(() => {
              ledger.written.push(b.getChild('x')!.get(0) as number);
              ctx.acks.settle(b);
            }));
          }
          await Promise.all(pending);
          return { rows, batches: pending.length, target: 'memory' };
        },
        stats: () => ({ written: ledger.written.length }),
        async close() {},
      } satisfies Sink;
    },
  };
  return inlineStage('out', definition);
}

function spec(src: StageSpec, out: StageSpec, statsIntervalMs = 0): PipelineSpec {
  return inlinePipeline('drain', { source: src, sink: out }, { statsIntervalMs });
}

const ledger = (): Ledger => ({ yielded: 0, settled: 0, failed: 0, written: [] });

describe('runPipeline drain and statistics', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  it('a drained unbounded run resolves with endedBy drain; every batch it read is written and settled, none failed', async () => {
    const l = ledger();
    const drain = new AbortController();
    const run = runPipeline(spec(source(l, true), sink(l)), { drain: drain.signal });
    while (l.yielded < 6) await sleep(2);
    drain.abort();
    const summary = await run;
    expect(summary.endedBy).toBe('drain');
    expect(l.yielded).toBeGreaterThanOrEqual(6);
    expect(summary.rows).toBe(l.yielded * 10);
    expect(l.settled).toBe(l.yielded);
    expect(l.failed).toBe(0);
    expect([...l.written].sort((a, b) => a - b)).toEqual(Array.from({ length: l.yielded }, (_, i) => i * 10));
  });

  it('a bounded source ignores the drain: all of its input is written and the run ends by input', async () => {
    const l = ledger();
    const drain = new AbortController();
    drain.abort();
    const summary = await runPipeline(spec(source(l, false, 5), sink(l)), { drain: drain.signal });
    expect(summary.endedBy).toBe('input');
    expect(summary.rows).toBe(50);
    expect(l.written).toHaveLength(5);
  });

  it('statistics come every statsIntervalMs with growing row counts and every stage\'s counters; the last equals the summary', async () => {
    const l = ledger();
    const seen: RunStatistics[] = [];
    const summary = await runPipeline(spec(source(l, false, 12, 10), sink(l), 25), { onStats: (s) => seen.push(s) });
    expect(seen.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < seen.length; i++) expect(seen[i].rows).toBeGreaterThanOrEqual(seen[i - 1].rows);
    expect(seen[0].rows).toBeLessThan(summary.rows);
    const last = seen[seen.length - 1];
    expect(last.rows).toBe(summary.rows);
    expect(last.stages.map((s) => [s.id, s.stats])).toEqual([
      ['src', { yielded: 12 }],
      ['out', { written: 12 }],
    ]);
  });
});
