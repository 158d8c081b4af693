import { tableFromArrays, type RecordBatch } from 'apache-arrow';
import { z } from 'zod';
import { beforeAll, describe, expect, it } from 'vitest';
import { DataError, LatentflowError } from '../../src/errors.js';
import { runPipeline } from '../../src/pipeline/runner.js';
import type { PipelineSpec, StageSpec } from '../../src/pipeline/spec.js';
import type { Progress, ProgressBar } from '../../src/runtime/progress.js';
import type { Sink, Source, StageContext, StageDefinition, Transform } from '../../src/contract/stage.js';
import { selectBackend } from '../../src/runtime/backend.js';
import { inlineStage } from '../helpers/inline-spec.js';
import { captureLogger } from '../helpers/logger.js';

/**
 * The runner's contract with its stages, on small in-memory stages (no files, no models): the summary
 * counts what reached the sink, every stage is closed in reverse order whatever happened, errors are tagged
 * with the stage that raised them, and cancellation is reported as E_ABORTED.
 */

const batch = (n: number): RecordBatch => tableFromArrays({ x: Float64Array.from({ length: n }, (_, i) => i) }).batches[0];

/** What the test stages record: calls in order, and the context each stage got. */
interface Journal {
  events: string[];
  contexts: Map<string, StageContext>;
}

type Behaviour = {
  /** Batch sizes a source yields. */
  rows?: number[];
  /** Thrown by the source after its batches, the transform on its first batch, or the sink's write. */
  fail?: unknown;
  /** Thrown by close(). */
  closeFails?: boolean;
  stats?: Record<string, unknown>;
  /** Source: waits this long between batches (ms), so a test can abort mid-run. */
  delayMs?: number;
};

function stageSpec(journal: Journal, id: string, kind: 'source' | 'transform' | 'sink', b: Behaviour = {}): StageSpec {
  const close = async () => {
    journal.events.push(`close ${id}`);
    if (b.closeFails) throw new Error(`${id} cannot close`);
  };
  const definition: StageDefinition = {
    type: `test-${kind}`,
    kind,
    description: 'test stage',
    params: z.object({}),
    create(_params, ctx) {
      journal.contexts.set(id, ctx);
      journal.events.push(`create ${id}`);
      if (kind === 'source') {
        return {
          kind,
          async *batches() {
            for (const n of b.rows ?? [2]) {
              if (b.delayMs) await new Promise((r) => setTimeout(r, b.delayMs));
              yield batch(n);
            }
            if (b.fail !== undefined) throw b.fail;
          },
          close,
        } satisfies Source;
      }
      if (kind === 'transform') {
        return {
          kind,
          async *transform(input) {
            for await (const x of input) {
              if (b.fail !== undefined) throw b.fail;
              yield x;
            }
          },
          close,
          ...(b.stats ? { stats: () => b.stats! } : {}),
        } satisfies Transform;
      }
      return {
        kind,
        async write(input) {
          let rows = 0;
          for await (const x of input) rows += x.numRows;
          if (b.fail !== undefined) throw b.fail;
          journal.events.push(`wrote ${rows}`);
          return { rows, batches: 99, target: 'memory' };
        },
        close,
      } satisfies Sink;
    },
  } as StageDefinition;
  return inlineStage(id, definition);
}

function pipeline(journal: Journal, parts: { source?: Behaviour; t1?: Behaviour; t2?: Behaviour; sink?: Behaviour } = {}): PipelineSpec {
  return {
    name: 'lifecycle',
    seed: 123,
    backend: 'auto',
    statsIntervalMs: 0,
    ops: null,
    file: '/nowhere/<inline>',
    baseDir: '/nowhere',
    source: stageSpec(journal, 'src', 'source', parts.source),
    stages: [stageSpec(journal, 't1', 'transform', parts.t1), stageSpec(journal, 't2', 'transform', parts.t2)],
    sink: stageSpec(journal, 'out', 'sink', parts.sink),
  };
}

const journal = (): Journal => ({ events: [], contexts: new Map() });
const closes = (j: Journal) => j.events.filter((e) => e.startsWith('close '));

beforeAll(async () => {
  await selectBackend();
});

describe('runPipeline lifecycle', () => {
  it('reports rows and batches that reached the sink, the sink summary and each stage with its stats', async () => {
    const j = journal();
    const summary = await runPipeline(pipeline(j, { source: { rows: [3, 0, 4] }, t2: { stats: { flagged: 2 } } }));
    expect(summary.pipeline).toBe('lifecycle');
    expect(summary.rows).toBe(7);
    expect(summary.batches).toBe(3);
    expect(summary.sink).toEqual({ rows: 7, batches: 99, target: 'memory' });
    expect(summary.backend.length).toBeGreaterThan(0);
    expect(Number.isInteger(summary.durationMs) && summary.durationMs >= 0).toBe(true);
    expect(summary.stages).toEqual([
      { id: 'src', type: 'test-source', kind: 'source', stats: undefined },
      { id: 't1', type: 'test-transform', kind: 'transform', stats: undefined },
      { id: 't2', type: 'test-transform', kind: 'transform', stats: { flagged: 2 } },
      { id: 'out', type: 'test-sink', kind: 'sink', stats: undefined },
    ]);
  });

  it('creates stages source first and closes them in reverse order after a successful run', async () => {
    const j = journal();
    await runPipeline(pipeline(j));
    expect(j.events).toEqual(['create src', 'create t1', 'create t2', 'create out', 'wrote 2', 'close out', 'close t2', 'close t1', 'close src']);
  });

  it('gives every stage its id, the pipeline seed and base directory, a shared model registry and a bound logger', async () => {
    const j = journal();
    const logger = captureLogger();
    await runPipeline(pipeline(j), { logger });
    const contexts = [...j.contexts.entries()];
    expect(contexts.map(([id, ctx]) => [id, ctx.stageId, ctx.seed, ctx.baseDir])).toEqual([
      ['src', 'src', 123, '/nowhere'],
      ['t1', 't1', 123, '/nowhere'],
      ['t2', 't2', 123, '/nowhere'],
      ['out', 'out', 123, '/nowhere'],
    ]);
    expect(new Set(contexts.map(([, ctx]) => ctx.models)).size).toBe(1);
    expect(new Set(contexts.map(([, ctx]) => ctx.signal)).size).toBe(1);
    j.contexts.get('t1')!.logger.info({}, 'from t1');
    const record = logger.records.find((r) => r.msg === 'from t1');
    expect(record?.fields).toMatchObject({ pipeline: 'lifecycle', stage: 't1', type: 'test-transform' });
    const finished = logger.records.find((r) => r.msg === 'pipeline finished');
    expect(finished?.level).toBe('info');
    expect((finished?.fields.summary as { rows: number }).rows).toBe(2);
    expect(logger.records.find((r) => r.msg?.startsWith('tensorflow.js backend: '))?.level).toBe('info');
  });

  it('counts rows on the progress bar labelled with the pipeline name and stops it', async () => {
    const calls: string[] = [];
    const bar: ProgressBar = { increment: (d) => calls.push(`+${d}`), update: () => undefined, stop: () => calls.push('stop') };
    const progress: Progress = { isEnabled: true, start: (label, total, unit) => (calls.push(`start ${label} ${total} ${unit}`), bar) };
    await runPipeline(pipeline(journal(), { source: { rows: [2, 5] } }), { progress });
    expect(calls).toEqual(['start lifecycle 0 rows', '+2', '+5', 'stop']);
  });

  it('closes every stage in reverse order when a transform fails, and rethrows its typed error tagged with that stage', async () => {
    const j = journal();
    const logger = captureLogger();
    const cause = new DataError('bad value', { row: 1, column: 'x' });
    const error = await runPipeline(pipeline(j, { t1: { fail: cause } }), { logger }).catch((e: unknown) => e);
    expect(error).toBe(cause);
    expect((error as { stage?: string }).stage).toBe('t1');
    expect(Object.keys(error as object)).toContain('stage');
    expect(closes(j)).toEqual(['close out', 'close t2', 'close t1', 'close src']);
    const failed = logger.records.find((r) => r.msg === 'pipeline failed');
    expect(failed?.level).toBe('error');
    expect(failed?.fields.err).toBe(cause);
  });

  it('a typed error keeps the stage that raised it while it passes the later stages', async () => {
    const cause = new DataError('truncated', { row: 0 });
    const error = await runPipeline(pipeline(journal(), { source: { fail: cause } })).catch((e: unknown) => e);
    expect((error as { stage?: string }).stage).toBe('src');
  });

  it('an untyped error becomes E_STAGE naming the stage id and type, with the original as cause', async () => {
    const cause = new Error('disk on fire');
    const error = await runPipeline(pipeline(journal(), { t2: { fail: cause } })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LatentflowError);
    expect((error as LatentflowError).code).toBe('E_STAGE');
    expect((error as Error).message).toBe('stage "t2" (test-transform) failed: disk on fire');
    expect((error as Error).cause).toBe(cause);
    const fromSink = await runPipeline(pipeline(journal(), { sink: { fail: new TypeError('no room') } })).catch((e: unknown) => e);
    expect((fromSink as Error).message).toBe('stage "out" (test-sink) failed: no room');
    const thrownString = await runPipeline(pipeline(journal(), { t1: { fail: 'just text' } })).catch((e: unknown) => e);
    expect((thrownString as Error).message).toBe('stage "t1" (test-transform) failed: just text');
  });

  it('a failure aborts the signal every stage holds, with the error as the reason', async () => {
    const j = journal();
    const cause = new DataError('bad', {});
    await runPipeline(pipeline(j, { sink: { fail: cause } })).catch(() => undefined);
    const signal = j.contexts.get('src')!.signal;
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe(cause);
  });

  it('a close() that fails is logged as a warning naming the stage; the other stages are still closed and the run succeeds', async () => {
    const j = journal();
    const logger = captureLogger();
    const summary = await runPipeline(pipeline(j, { t2: { closeFails: true } }), { logger });
    expect(summary.rows).toBe(2);
    expect(closes(j)).toEqual(['close out', 'close t2', 'close t1', 'close src']);
    const warning = logger.records.find((r) => r.msg === 'stage close failed');
    expect(warning?.level).toBe('warn');
    expect(warning?.fields.stage).toBe('t2');
    expect((warning?.fields.err as Error).message).toBe('t2 cannot close');
  });

  it('aborting the caller signal stops the run with E_ABORTED carrying the reason, and closes every stage', async () => {
    const j = journal();
    const controller = new AbortController();
    const run = runPipeline(pipeline(j, { source: { rows: Array.from({ length: 200 }, () => 1), delayMs: 2 } }), { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('operator pressed ^C')), 30);
    const error = await run.catch((e: unknown) => e);
    expect((error as LatentflowError).code).toBe('E_ABORTED');
    expect((error as Error).message).toBe('run aborted: operator pressed ^C');
    expect(closes(j)).toEqual(['close out', 'close t2', 'close t1', 'close src']);
    expect(j.events).not.toContain('wrote 200');
  });

  it('an abort whose reason is not an Error says only that the run was aborted', async () => {
    const controller = new AbortController();
    const run = runPipeline(pipeline(journal(), { source: { rows: Array.from({ length: 200 }, () => 1), delayMs: 2 } }), { signal: controller.signal });
    setTimeout(() => controller.abort('user'), 30);
    const error = await run.catch((e: unknown) => e);
    expect((error as LatentflowError).code).toBe('E_ABORTED');
    expect((error as Error).message).toBe('run aborted');
  });

  it('an error a stage throws while the caller cancels is reported as the cancellation, with that error as cause', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop now'));
    const cause = new DataError('late', {});
    const error = await runPipeline(pipeline(journal(), { t1: { fail: cause } }), { signal: controller.signal }).catch((e: unknown) => e);
    expect((error as LatentflowError).code).toBe('E_ABORTED');
    expect((error as Error).message).toBe('run aborted: stop now');
    expect((error as Error).cause).toBe(cause);
  });

  it('an E_ABORTED a stage raised itself is passed on as is', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    const own = new LatentflowError('E_ABORTED', 'csv-source: aborted at line 3');
    const error = await runPipeline(pipeline(journal(), { t1: { fail: own } }), { signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBe(own);
  });

  it('after the run the caller signal is no longer wired to the stages', async () => {
    const j = journal();
    const controller = new AbortController();
    await runPipeline(pipeline(j), { signal: controller.signal });
    controller.abort(new Error('later'));
    expect(j.contexts.get('src')!.signal.aborted).toBe(false);
  });

  it('models loaded through the shared registry are disposed after every stage is closed', async () => {
    const j = journal();
    const spec = pipeline(j);
    const real = spec.stages[0].definition;
    spec.stages[0].definition = {
      ...real,
      create(params, ctx) {
        void ctx.models.loadOnce('/models/m', async () => ({ dispose: () => j.events.push('dispose model') }));
        return real.create(params, ctx);
      },
    } as StageDefinition;
    await runPipeline(spec);
    expect(j.events.slice(-5)).toEqual(['close out', 'close t2', 'close t1', 'close src', 'dispose model']);
  });

  it('logs the chosen backend at info, and every backend tried (with the probing errors) only at debug', async () => {
    const logger = captureLogger();
    const summary = await runPipeline(pipeline(journal()), { logger });
    const record = logger.records.find((r) => r.msg === `tensorflow.js backend: ${summary.backend}`);
    expect(record?.level).toBe('info');
    expect(record?.fields.backend).toBe(summary.backend);
    expect(record?.fields.tried).toBeUndefined();
    const probing = logger.records.find((r) => r.msg === 'tensorflow.js backends tried');
    expect(probing?.level).toBe('debug');
    expect(Array.isArray(probing?.fields.tried)).toBe(true);
    expect((probing?.fields.tried as unknown[]).length).toBeGreaterThan(0);
  });

  it('durationMs is the wall time of the run, not more', async () => {
    const started = performance.now();
    const summary = await runPipeline(pipeline(journal(), { source: { rows: [1, 1], delayMs: 20 } }));
    const elapsed = performance.now() - started;
    expect(summary.durationMs).toBeGreaterThanOrEqual(30);
    expect(summary.durationMs).toBeLessThanOrEqual(Math.ceil(elapsed));
  });

  it('a stage whose stats member is present but undefined reports no stats', async () => {
    const spec = pipeline(journal());
    const real = spec.stages[0].definition;
    spec.stages[0].definition = { ...real, create: (params, ctx) => Object.assign(real.create(params, ctx), { stats: undefined }) } as StageDefinition;
    const summary = await runPipeline(spec);
    expect(summary.stages[1]).toEqual({ id: 't1', type: 'test-transform', kind: 'transform', stats: undefined });
  });

  it('a stage that throws null or undefined fails with E_STAGE saying so', async () => {
    for (const thrown of [null, undefined]) {
      const spec = pipeline(journal());
      const real = spec.stages[1].definition;
      spec.stages[1].definition = {
        ...real,
        create: (params, ctx) =>
          Object.assign(real.create(params, ctx), {
            async *transform() {
              throw thrown;
            },
          }),
      } as StageDefinition;
      const error = await runPipeline(spec).catch((e: unknown) => e);
      expect((error as LatentflowError).code).toBe('E_STAGE');
      expect((error as Error).message).toBe(`stage "t2" (test-transform) failed: ${String(thrown)}`);
    }
  });
});
