import { mkdtemp, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDetector, saveDetector } from '../../src/artifact/model-dir.js';
import { ArtifactError } from '../../src/errors.js';
import { extractFeatures } from '../../src/io/features.js';
import type { Detector } from '../../src/models/detector.js';
import { selectBackend } from '../../src/runtime/backend.js';
import { autoencoderFit } from '../../src/stages/autoencoder-fit.js';
import { pcaFit } from '../../src/stages/pca-fit.js';
import { collect, fromArray, testContext } from '../helpers/context.js';
import { planeWithOutliers } from '../helpers/data.js';

let dir: string;
const batches = planeWithOutliers(600, 12, 21, 300);

async function fitted(kind: 'ae' | 'pca', seed = 7): Promise<Detector> {
  const ctx = testContext({ stageId: 'm', seed });
  const def = kind === 'ae' ? autoencoderFit : pcaFit;
  const params = kind === 'ae' ? { exclude: ['outlier'], model: { epochs: 4 }, threshold: { method: 'mad', k: 3 } } : { exclude: ['outlier'], k: 2 };
  await collect(def.create(def.params.parse(params) as never, ctx).transform(fromArray(batches)));
  return ctx.models.get<Detector>('m');
}

function scores(d: Detector): Float32Array {
  return d.score(extractFeatures(batches[1], 1, d.features, 'error').matrix);
}

beforeAll(async () => {
  await selectBackend();
  dir = await mkdtemp(path.join(os.tmpdir(), 'latentflow-artifact-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('model directory', () => {
  it('save -> load gives bitwise identical autoencoder scores, scaler, threshold and features', async () => {
    const original = await fitted('ae');
    await saveDetector(path.join(dir, 'ae'), original);
    const loaded = await loadDetector(path.join(dir, 'ae'));
    expect(loaded.kind).toBe('autoencoder');
    expect(loaded.features).toEqual(original.features);
    expect(loaded.threshold).toEqual(original.threshold);
    expect(Array.from(scores(loaded))).toEqual(Array.from(scores(original)));
    // Versioned layout: the manifest names v-1/, which holds the network files.
    expect((await readdir(path.join(dir, 'ae'))).sort()).toEqual(['latentflow.json', 'v-1']);
    expect((await readdir(path.join(dir, 'ae', 'v-1'))).sort()).toEqual(['model.json', 'weights.bin']);
    loaded.dispose();
    original.dispose();
  });

  it('save -> load gives identical PCA scores', async () => {
    const original = await fitted('pca');
    await saveDetector(path.join(dir, 'pca'), original);
    const loaded = await loadDetector(path.join(dir, 'pca'));
    expect(Array.from(scores(loaded))).toEqual(Array.from(scores(original)));
  });

  it('the same seed and data give the same scores; another seed gives others', async () => {
    const [a, b, c] = [await fitted('ae', 1), await fitted('ae', 1), await fitted('ae', 2)];
    expect(Array.from(scores(a))).toEqual(Array.from(scores(b)));
    expect(Array.from(scores(a))).not.toEqual(Array.from(scores(c)));
    [a, b, c].forEach((d) => d.dispose());
  });

  it('replacing a model swaps the whole directory and leaves no temp directories', async () => {
    const target = path.join(dir, 'swap');
    await saveDetector(target, await fitted('pca'));
    await saveDetector(target, await fitted('ae'));
    expect((await loadDetector(target)).kind).toBe('autoencoder');
    expect((await readdir(dir)).filter((f) => f.startsWith('swap'))).toEqual(['swap']);
  });

  it('a directory without a manifest, or of a newer format, fails with ArtifactError', async () => {
    await expect(loadDetector(path.join(dir, 'nothing'))).rejects.toThrow(ArtifactError);
    await mkdir(path.join(dir, 'future'));
    await writeFile(path.join(dir, 'future/latentflow.json'), JSON.stringify({ format: 'latentflow-model', formatVersion: 99, kind: 'pca' }));
    await expect(loadDetector(path.join(dir, 'future'))).rejects.toThrow(/newer than this latentflow reads/);
  });
});
