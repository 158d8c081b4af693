import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadDetector } from '../../src/artifact/model-dir.js';
import type { Autoencoder } from '../../src/models/autoencoder/autoencoder.js';
import { runPipeline } from '../../src/pipeline/runner.js';
import { loadPipelineFile } from '../../src/pipeline/spec.js';

/**
 * pipelines/mnist-demo.yaml end to end on a copy of the repo layout, shrunk to 300 training digits and one
 * epoch (test/pipelines.test.ts runs the file as written): the three models are saved with their variant
 * options, and the three PNGs decode to the sizes their layout implies.
 */
const repo = path.resolve(import.meta.dirname, '../..');
let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'latentflow-mnist-'));
  await cp(path.join(repo, 'pipelines/mnist-demo.yaml'), path.join(root, 'pipelines/mnist-demo.yaml'));
  await cp(path.join(repo, 'data/mnist'), path.join(root, 'data/mnist'), { recursive: true });
  const specs = await loadPipelineFile(path.join(root, 'pipelines/mnist-demo.yaml'));
  for (const stage of specs[0].stages) {
    if (stage.id === 'train-rows') stage.params.rows = 300;
    if (stage.type === 'autoencoder-fit') (stage.params.model as { epochs: number }).epochs = 1;
  }
  for (const spec of specs) await runPipeline(spec);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const png = async (name: string) => PNG.sync.read(await readFile(path.join(root, 'out/mnist', name)));

describe('MNIST demo pipeline', () => {
  test('fits the tutorial 784-128-32 bce model, a sparse and a denoising one, and saves them', async () => {
    const kinds: Record<string, unknown> = {};
    for (const name of ['plain', 'sparse', 'denoising']) {
      const detector = await loadDetector(path.join(root, 'out/mnist', name));
      try {
        const config = (detector.model as Autoencoder).config;
        expect(detector.features).toHaveLength(784);
        expect((detector.model as Autoencoder).layerUnits).toEqual([784, 128, 32, 128, 784]);
        expect(config).toMatchObject({ loss: 'bce', outputActivation: 'sigmoid' });
        kinds[name] = { sparsity: config.sparsity?.type ?? null, denoising: config.denoising?.type ?? null };
      } finally {
        detector.dispose();
      }
    }
    expect(kinds).toEqual({
      plain: { sparsity: null, denoising: null },
      sparse: { sparsity: 'l1', denoising: null },
      denoising: { sparsity: null, denoising: 'gaussian' },
    });
  });

  test('writes the originals-over-reconstructions grid: 10 digits x 2 rows of 28 x 28 at scale 2', async () => {
    const image = await png('reconstructions.png');
    expect([image.width, image.height]).toEqual([10 * (56 + 2) + 2, 2 * (56 + 2) + 2]);
  });

  test('writes the clean / noisy / denoised grid: 10 digits x 3 rows', async () => {
    const image = await png('denoising.png');
    expect([image.width, image.height]).toEqual([10 * (56 + 2) + 2, 3 * (56 + 2) + 2]);
  });

  test('writes the code histogram of the plain and the sparse model', async () => {
    const image = await png('code-histogram.png');
    expect(image.width).toBeGreaterThan(800);
    expect(image.height).toBeGreaterThan(600);
  });
});
