import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDetector, saveDetector } from '../../src/artifact/model-dir.js';
import type { Detector } from '../../src/models/detector.js';
import { ModelWatcher } from '../../src/artifact/model-watcher.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { pcaFit } from '../../src/stages/pca-fit.js';
import { collect, fromArray, testContext } from '../helpers/context.js';
import { planeWithOutliers } from '../helpers/data.js';

describe('ModelWatcher', () => {
  let dir: string;
  let modelDir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'latentflow-watch-'));
    modelDir = path.join(dir, 'model');
    const ctx = testContext({ stageId: 'pca' });
    const fit = pcaFit.create(pcaFit.params.parse({ exclude: ['outlier'], k: 2, threshold: { method: 'fixed', value: 1 } }) as never, ctx);
    await collect(fit.transform(fromArray(planeWithOutliers(200, 4, 3, 100))));
    await saveDetector(modelDir, await ctx.models.get<Detector>('pca'));
    await fit.close();
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('swaps in a model replaced by atomic rename only when asked for the next one', async () => {
    const watcher = new ModelWatcher(modelDir, silentLogger(), 60_000);
    const first = await watcher.start();
    expect(first.version).toBe(1);
    const replacement = await loadDetector(modelDir);
    replacement.threshold = { method: 'fixed', value: 5, threshold: 5 };
    await saveDetector(modelDir, replacement);
    replacement.dispose();
    await watcher.check();
    // Loaded, but the batch being scored still holds the first model until it asks again.
    expect(first.detector.threshold?.threshold).toBe(1);
    const second = watcher.current();
    expect(second.version).toBe(2);
    expect(second.detector.threshold?.threshold).toBe(5);
    expect(watcher.current()).toBe(second);
    await watcher.close();
  });

  it('keeps scoring with the current model when the replacement is broken', async () => {
    const broken = path.join(dir, 'broken');
    const detector = await loadDetector(modelDir);
    await saveDetector(broken, detector);
    detector.dispose();
    const watcher = new ModelWatcher(broken, silentLogger(), 60_000);
    const first = await watcher.start();
    await writeFile(path.join(broken, 'latentflow.json'), '{ not json');
    await watcher.check();
    expect(watcher.current()).toBe(first);
    await watcher.close();
  });
});
