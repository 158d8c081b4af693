import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '../../src/runtime/tf.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataError, LatentflowError } from '../../src/errors.js';
import { runPipeline } from '../../src/pipeline/runner.js';
import { definePipeline } from '../../src/pipeline/spec.js';
import { selectBackend } from '../../src/runtime/backend.js';
import { captureLogger } from '../helpers/logger.js';

let dir: string;

beforeAll(async () => {
  await selectBackend();
  dir = await mkdtemp(path.join(os.tmpdir(), 'latentflow-runner-'));
  const rows = Array.from({ length: 400 }, (_, i) => `r${i},${Math.sin(i)},${Math.cos(i)},${Math.sin(i) * Math.cos(i)}`);
  await writeFile(path.join(dir, 'data.csv'), `id,a,b,c\n${rows.join('\n')}\n`);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('runPipeline', () => {
  it('loads a saved model once per run for every stage that names it, and frees it at the end', async () => {
    await runPipeline(
      definePipeline(
        {
          source: { type: 'csv-source', path: 'data.csv' },
          stages: [{ type: 'autoencoder-fit', model: { epochs: 2 }, threshold: { method: 'mad', k: 3 }, saveTo: 'model' }],
          sink: { type: 'null-sink' },
        },
        dir,
      ),
    );
    const before = tf.memory().numTensors;
    const logger = captureLogger();
    const summary = await runPipeline(
      definePipeline(
        {
          source: { type: 'csv-source', path: 'data.csv' },
          stages: [
            { type: 'score', model: 'model' },
            { type: 'threshold', model: 'model' },
            { type: 'encode', model: 'model' },
          ],
          sink: { type: 'csv-sink', path: 'out/scored.csv' },
        },
        dir,
      ),
      { logger },
    );
    expect(summary.rows).toBe(400);
    expect(logger.records.filter((r) => r.msg === 'model loaded')).toHaveLength(1);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('closes every stage after a failure and rethrows the typed error tagged with its stage', async () => {
    await writeFile(path.join(dir, 'bad.csv'), 'id,a\nx,1\ny,oops\n');
    const spec = definePipeline(
      { source: { type: 'csv-source', path: 'bad.csv', inferRows: 1 }, stages: [{ type: 'slice', offset: 0 }], sink: { type: 'csv-sink', path: 'bad-out.csv' } },
      dir,
    );
    // Each real stage is wrapped so the test sees its close() calls: the property is that the runner calls
    // them (in reverse order), not that a stage happens to release things on its own.
    const closed: string[] = [];
    for (const s of [spec.source, ...spec.stages, spec.sink]) {
      const real = s.definition;
      s.definition = {
        ...real,
        create: (params, ctx) => {
          const stage = real.create(params, ctx);
          const close = stage.close.bind(stage);
          return Object.assign(stage, { close: async () => (closed.push(s.id), close()) });
        },
      };
    }
    const error = await runPipeline(spec).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataError);
    expect(error).toMatchObject({ line: 3, column: 'a', stage: 'csv-source' });
    expect(closed).toEqual(['csv-sink', 'slice', 'csv-source']);
    expect(await readdir(dir)).not.toContain('bad-out.csv');
  });

  it('stops when its signal is aborted and reports E_ABORTED', async () => {
    const controller = new AbortController();
    const rows = Array.from({ length: 50_000 }, (_, i) => `${i},${i % 7}`).join('\n');
    await writeFile(path.join(dir, 'big.csv'), `a,b\n${rows}\n`);
    const run = runPipeline(definePipeline({ source: { type: 'csv-source', path: 'big.csv', batchRows: 100 }, sink: { type: 'null-sink' } }, dir), {
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(new Error('stop')), 5);
    const error = await run.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LatentflowError);
    expect((error as LatentflowError).code).toBe('E_ABORTED');
  });
});
