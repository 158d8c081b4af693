import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPipeline } from '../../src/pipeline/runner.js';
import { validatePipelineValue } from '../../src/pipeline/spec.js';
import { LogTarget, MemoryLog, registerLogStages } from '../fixtures/log-stages.js';
import { registerRowNumber } from '../fixtures/row-number-stage.js';
import { captureLogger } from '../helpers/logger.js';

/**
 * Cross-cutting: the acknowledgement contract through the runner, with user-defined stages only (no Kafka):
 * a source that commits settled prefixes, a transform that knows nothing of acknowledgements, and sinks that
 * confirm out of order, fail a batch, settle nothing (null-sink) or settle at their atomic commit (csv-sink).
 */
let dir: string;

beforeAll(async () => {
  registerLogStages();
  registerRowNumber();
  dir = await mkdtemp(path.join(os.tmpdir(), 'latentflow-acks-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

function logPipeline(log: MemoryLog, sink: Record<string, unknown>, stages: Record<string, unknown>[] = [{ type: 'row-number' }]) {
  return validatePipelineValue({ name: 'log', source: { type: 'log-source', log, batchRows: 10 }, stages, sink }, dir);
}

describe('acknowledgements through the runner (user-defined source and sink)', () => {
  it('the source commits only settled prefixes while the sink confirms out of order', async () => {
    const target = new LogTarget();
    const seenAtCommit: number[] = [];
    const log = new MemoryLog(range(0, 95), () => seenAtCommit.push(target.confirmed.flat().length));
    const summary = await runPipeline(logPipeline(log, { type: 'log-sink', into: target, window: 3 }));
    expect(summary.rows).toBe(95);
    // Windows of three batches confirmed last-first: only the third settle of each window moves the prefix.
    expect(log.commits).toEqual([30, 60, 90, 95]);
    expect(seenAtCommit).toEqual([30, 60, 90, 95]);
    expect(target.confirmed.slice(0, 3).map((v) => v[0])).toEqual([20, 10, 0]);
  });

  it('a failed batch is never committed, nor anything after it; the next run reads from there again', async () => {
    const log = new MemoryLog(range(0, 95));
    const first = new LogTarget();
    await runPipeline(logPipeline(log, { type: 'log-sink', into: first, window: 3, failBatch: 4 }));
    // Batches 5..9 were confirmed, but batch 4 (rows 40-49) failed: the prefix stops at 40.
    expect(log.commits).toEqual([30, 40]);
    expect(first.confirmed.flat()).toHaveLength(85);
    const again = new LogTarget();
    await runPipeline(logPipeline(log, { type: 'log-sink', into: again, window: 3 }));
    expect(again.confirmed.flat().sort((a, b) => a - b)).toEqual(range(40, 95));
    expect(log.committed).toBe(95);
  });

  it('with null-sink nothing is settled, so nothing is committed, and the runner logs the count', async () => {
    const log = new MemoryLog(range(0, 25));
    const logger = captureLogger();
    await runPipeline(logPipeline(log, { type: 'null-sink' }), { logger });
    expect(log.commits).toEqual([]);
    expect(logger.records.find((r) => r.fields.unsettled !== undefined)?.fields.unsettled).toBe(3);
  });

  it('csv-sink settles every batch only once its file is renamed into place', async () => {
    const out = path.join(dir, 'out', 'values.csv');
    const fileAtCommit: boolean[] = [];
    const log = new MemoryLog(range(0, 42), () => fileAtCommit.push(existsSync(out)));
    await runPipeline(logPipeline(log, { type: 'csv-sink', path: out }));
    expect(log.commits).toEqual([10, 20, 30, 40, 42]);
    expect(fileAtCommit).toEqual([true, true, true, true, true]);
    // The token is bookkeeping of the run, not data: the file has the columns only.
    expect((await readFile(out, 'utf8')).split('\n')[0]).toBe('value,row_number');
  });

  it('two pipelines running at once in one process settle only their own batches', async () => {
    const [logA, logB] = [new MemoryLog(range(0, 57)), new MemoryLog(range(1000, 1033))];
    const [a, b] = [new LogTarget(), new LogTarget()];
    await Promise.all([
      runPipeline(logPipeline(logA, { type: 'log-sink', into: a, window: 2 })),
      runPipeline(logPipeline(logB, { type: 'log-sink', into: b, window: 4 })),
    ]);
    expect(logA.committed).toBe(57);
    expect(logB.committed).toBe(33);
    expect(a.confirmed.flat().sort((x, y) => x - y)).toEqual(range(0, 57));
    expect(b.confirmed.flat().sort((x, y) => x - y)).toEqual(range(1000, 1033));
  });
});
