import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RecordBatch } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDetector, saveDetector } from '../../src/artifact/model-dir.js';
import { definePipeline, runPipeline, TableCollector } from '../../src/index.js';
import type { Detector } from '../../src/models/detector.js';
import { pcaFit } from '../../src/stages/pca-fit.js';
import { collect, fromArray, testContext } from '../helpers/context.js';
import { planeWithOutliers } from '../helpers/data.js';

/**
 * Watch mode of a model directory (issue 13: hot reload as a mode of the model reference, not of the
 * monitor): a replaced directory is picked up between batches, score and threshold switch at the same
 * batch, and a replacement that reads other features is refused while the run goes on.
 */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function fitTo(dir: string, exclude: string[], threshold: number): Promise<void> {
  const ctx = testContext({ stageId: 'pca' });
  const fit = pcaFit.create(pcaFit.params.parse({ exclude, k: 2, threshold: { method: 'fixed', value: threshold } }) as never, ctx);
  await collect(fit.transform(fromArray(planeWithOutliers(300, 5, 3, 300))));
  await saveDetector(dir, await ctx.models.get<Detector>('pca'));
  await fit.close();
}

/** A copy of the model in `dir` saved over it with another threshold (same axes, so the same scores). */
async function replaceThreshold(dir: string, threshold: number): Promise<void> {
  const d = await loadDetector(dir);
  d.threshold = { method: 'fixed', value: threshold, threshold };
  await saveDetector(dir, d);
  d.dispose();
}

describe('watchModel', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'latentflow-watch-stage-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a replaced model is used from one batch on by score and threshold together; a replacement with other features is refused', async () => {
    const model = path.join(dir, 'model');
    await fitTo(model, ['outlier'], 1e9);
    const batches = planeWithOutliers(1200, 12, 9, 100);
    /** Replaces the model after batch 4 (flag everything) and after batch 8 (other features), waiting for the watcher. */
    async function* stream(): AsyncGenerator<RecordBatch> {
      for (let i = 0; i < batches.length; i++) {
        if (i === 4) {
          await replaceThreshold(model, 0);
          await sleep(300);
        }
        if (i === 8) {
          const inUse = await loadDetector(model);
          await fitTo(model, ['outlier', inUse.features[0]], 1e9);
          inUse.dispose();
          await sleep(300);
        }
        yield batches[i];
      }
    }
    const out = new TableCollector();
    const summary = await runPipeline(
      definePipeline({
        source: { type: 'table-source', table: stream() },
        stages: [
          { type: 'score', model, watchModel: true, reloadCheckMs: 20 },
          { type: 'threshold', model },
        ],
        sink: { type: 'table-sink', into: out },
      }),
    );
    expect(summary.rows).toBe(1200);
    const flags = Array.from(out.table.getChild('is_anomaly')!) as boolean[];
    const perBatch = Array.from({ length: 12 }, (_, b) => flags.slice(b * 100, (b + 1) * 100));
    // Batches 0-3: threshold 1e9, nothing flagged; 4-11: threshold 0, every row flagged (the third model,
    // with other features, never came into use), and no batch mixes the two.
    expect(perBatch.map((f) => f.filter(Boolean).length)).toEqual([0, 0, 0, 0, 100, 100, 100, 100, 100, 100, 100, 100]);
    expect([...out.table.schema.metadata.keys()].filter((k) => k.startsWith('latentflow.'))).toEqual([]);
  });

  it('without watchModel the model loaded at the start stays in use however the directory changes', async () => {
    const model = path.join(dir, 'fixed');
    await fitTo(model, ['outlier'], 1e9);
    const batches = planeWithOutliers(600, 6, 9, 100);
    async function* stream(): AsyncGenerator<RecordBatch> {
      for (let i = 0; i < batches.length; i++) {
        if (i === 2) {
          await replaceThreshold(model, 0);
          await sleep(200);
        }
        yield batches[i];
      }
    }
    const out = new TableCollector();
    await runPipeline(
      definePipeline({
        source: { type: 'table-source', table: stream() },
        stages: [
          { type: 'score', model },
          { type: 'threshold', model },
        ],
        sink: { type: 'table-sink', into: out },
      }),
    );
    expect((Array.from(out.table.getChild('is_anomaly')!) as boolean[]).filter(Boolean)).toHaveLength(0);
  });
});
