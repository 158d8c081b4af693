import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RecordBatch } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDetector } from '../../src/artifact/model-dir.js';
import { DataError, ModelConfigError } from '../../src/errors.js';
import type { Detector } from '../../src/models/detector.js';
import { selectBackend } from '../../src/runtime/backend.js';
import { autoencoderFit } from '../../src/stages/autoencoder-fit.js';
import { collect, fromArray, testContext } from '../helpers/context.js';
import { planeWithOutliers } from '../helpers/data.js';
import { captureLogger } from '../helpers/logger.js';
import { deviceTable } from '../helpers/mixed-data.js';

let dir: string;
beforeAll(async () => {
  await selectBackend();
  dir = await mkdtemp(path.join(os.tmpdir(), 'lf-ae-fit-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

/** Runs autoencoder-fit with id `m` over `batches`; returns what it passed on, its stats, the published model and the logs. */
async function fit(params: Record<string, unknown>, batches: RecordBatch[]) {
  const logger = captureLogger();
  const ctx = testContext({ stageId: 'm', baseDir: dir, logger });
  const stage = autoencoderFit.create(autoencoderFit.params.parse(params), ctx);
  try {
    const out = await collect(stage.transform(fromArray(batches)));
    return { out, stats: stage.stats?.(), detector: await ctx.models.get<Detector>('m'), logs: logger.records };
  } finally {
    await stage.close();
  }
}

describe('autoencoder-fit stage', () => {
  const batches = planeWithOutliers(800, 8, 3, 300);

  it('passes every batch on as it came, after fitting, and publishes the model under its stage id', async () => {
    const { out, stats, detector } = await fit({ exclude: ['outlier'], model: { epochs: 2 } }, batches);
    expect(out).toEqual(batches);
    expect(out.every((b, i) => b === batches[i])).toBe(true);
    expect(detector.kind).toBe('autoencoder');
    expect(detector.features).toEqual(['f0', 'f1', 'f2', 'f3', 'f4', 'f5']);
    expect(stats).toMatchObject({ rows: 800, epochs: 2 });
  });

  it('with a fixed epoch count that ends while the loss still falls, says the model has not converged (stats and a warning)', async () => {
    const { stats, logs } = await fit({ exclude: ['outlier'], model: { epochs: 1 } }, batches);
    expect(stats).toMatchObject({ converged: false });
    expect(logs.find((r) => r.level === 'warn')?.msg).toMatch(/stopped at the 1 epochs asked for .* has not converged/);
  });

  it('saveTo writes a model directory that loads to the same features, threshold and scores', async () => {
    const { detector, stats } = await fit({ exclude: ['outlier'], model: { epochs: 2 }, saveTo: 'model' }, batches);
    expect(stats).toMatchObject({ savedTo: path.join(dir, 'model') });
    const loaded = await loadDetector(path.join(dir, 'model'));
    try {
      expect(loaded.features).toEqual(detector.features);
      expect(loaded.threshold?.threshold).toBe(detector.threshold?.threshold);
    } finally {
      loaded.dispose();
    }
  });

  it('more training rows than maxRows is a DataError raised while buffering, and the model slot fails with it', async () => {
    const ctx = testContext({ stageId: 'm' });
    const stage = autoencoderFit.create(autoencoderFit.params.parse({ maxRows: 500 }), ctx);
    const error = await collect(stage.transform(fromArray(batches))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataError);
    expect((error as Error).message).toMatch(/training data exceeds maxRows=500/);
    await expect(ctx.models.get('m')).rejects.toBe(error);
    await stage.close();
  });

  it('an ensemble of mixed-type columns is refused with a ModelConfigError naming ensemble', async () => {
    const mixed = deviceTable(400, 0.02, 1).batches as unknown as RecordBatch[];
    const error = await fit({ features: 'auto', exclude: ['label'], model: { ensemble: { size: 2 }, epochs: 1 } }, mixed).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelConfigError);
    expect(error).toMatchObject({ option: 'ensemble' });
  });
});
