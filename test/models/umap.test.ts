import { UMAP } from 'umap-js';
import { describe, expect, it } from 'vitest';
import { trustworthiness } from '../../src/evaluation/embedding-quality.js';
import { DataError, LatentflowError, ModelConfigError, ModelStateError } from '../../src/errors.js';
import { takeRows } from '../../src/models/matrix.js';
import { seededRandom } from '../../src/models/random.js';
import { UmapModel } from '../../src/models/umap.js';
import { gaussianClusters, knnLabelAgreement } from '../helpers/clusters.js';

// 5 Gaussian clusters in 20-D, centres ~31 apart against a within-cluster spread of ~6: a map must keep them apart.
const { x, labels } = gaussianClusters(400, 20, 1);

describe('UmapModel', () => {
  it("places rows with umap-learn's transform epochs: 100 up to 10,000 rows per call, 30 above, unless set", () => {
    const model = new UmapModel();
    expect([1, 10_000, 10_001, 45_000].map((rows) => model.transformEpochsFor(rows))).toEqual([100, 100, 30, 30]);
    expect(new UmapModel({ nEpochs: 200 }).transformEpochsFor(45_000)).toBe(67);
    expect(new UmapModel({ nEpochs: 200, transformEpochs: 12 }).transformEpochsFor(5)).toBe(12);
  });

  it('gives bit-identical coordinates for the same seed and different ones for another seed', async () => {
    const some = takeRows(x, Array.from({ length: 250 }, (_, i) => i));
    const fit = (seed: number) => new UmapModel({ seed, nEpochs: 60 }).fit(some);
    const [a, b, c] = [await fit(3), await fit(3), await fit(4)];
    expect(a.rows).toBe(250);
    expect(a.cols).toBe(2);
    expect(Buffer.from(a.data.buffer).equals(Buffer.from(b.data.buffer))).toBe(true);
    expect(Buffer.from(a.data.buffer).equals(Buffer.from(c.data.buffer))).toBe(false);
  });

  it('keeps 5 well-separated 20-D Gaussian clusters apart in 2-D (10-NN label agreement > 0.9)', async () => {
    const embedding = await new UmapModel({ seed: 1, nEpochs: 200 }).fit(x);
    expect(embedding.data.every(Number.isFinite)).toBe(true);
    expect(knnLabelAgreement(embedding, labels)).toBeGreaterThan(0.9);
  });

  it("maps as trustworthily as a plain umap-js fit of the same rows (within 0.01)", async () => {
    // Our neighbour search, graph and epochs against umap-js's own road, same settings and epochs.
    const ours = await new UmapModel({ seed: 5, nEpochs: 200 }).fit(x);
    const rows = Array.from({ length: x.rows }, (_, r) => Array.from(x.data.subarray(r * x.cols, (r + 1) * x.cols)));
    const plain = new UMAP({ nNeighbors: 15, minDist: 0.1, nEpochs: 200, random: seededRandom(5) }).fit(rows);
    const theirs = trustworthiness(x, { data: Float32Array.from(plain.flat()), rows: x.rows, cols: 2 }, 10);
    expect(trustworthiness(x, ours, 10)).toBeGreaterThan(theirs - 0.01);
  });

  it("keeps the clusters apart with metric 'cosine' (umap-js's neighbour search) and places new rows", async () => {
    const model = new UmapModel({ seed: 1, nEpochs: 100, metric: 'cosine' });
    const fitted = await model.fit(takeRows(x, Array.from({ length: 300 }, (_, i) => i)));
    expect(knnLabelAgreement(fitted, labels.subarray(0, 300))).toBeGreaterThan(0.9);
    const placed = await model.transform(takeRows(x, Array.from({ length: 100 }, (_, i) => 300 + i)));
    expect(placed.data.every(Number.isFinite)).toBe(true);
  });

  it('places held-out rows next to their own cluster and leaves the fitted layout unchanged', async () => {
    // 200 rows fitted, 200 placed: a transform chunk as long as the fitted set used to move the fitted layout
    // in umap-js, and nEpochs=100 (not a multiple of 3) used to make its transform loop forever.
    const fitIdx = Array.from({ length: 200 }, (_, i) => 2 * i);
    const restIdx = Array.from({ length: 200 }, (_, i) => 2 * i + 1);
    const model = new UmapModel({ seed: 2, nEpochs: 100 });
    const fitted = await model.fit(takeRows(x, fitIdx));
    const placed = await model.transform(takeRows(x, restIdx));
    // The layout umap-js places against (private to the model) must still be the fitted one.
    const layout = (model as unknown as { umap: { getEmbedding(): number[][] } }).umap.getEmbedding();
    expect(Float32Array.from(layout.flat())).toEqual(fitted.data);
    // One embedding of all 400 rows: fitted rows first, then placed ones; labels in the same order.
    const all = { data: new Float32Array([...fitted.data, ...placed.data]), rows: 400, cols: 2 };
    const allLabels = [...fitIdx, ...restIdx].map((i) => labels[i]);
    const placedRows = restIdx.map((_, i) => 200 + i);
    const fittedRows = fitIdx.map((_, i) => i);
    expect(knnLabelAgreement(all, allLabels, 10, placedRows, fittedRows)).toBeGreaterThan(0.9);
  }, 30_000);

  it('places rows the same way on every run (transform is seeded too)', async () => {
    const run = async () => {
      const model = new UmapModel({ seed: 5, nEpochs: 30, transformEpochs: 10 });
      await model.fit(takeRows(x, Array.from({ length: 100 }, (_, i) => i)));
      return model.transform(takeRows(x, Array.from({ length: 300 }, (_, i) => 100 + i)));
    };
    const [a, b] = [await run(), await run()];
    expect(Buffer.from(a.data.buffer).equals(Buffer.from(b.data.buffer))).toBe(true);
  });

  it('reports every epoch, stops when onEpoch returns false, and yields to the event loop', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const epochs: number[] = [];
    const model = new UmapModel({ seed: 1, nEpochs: 500 });
    try {
      await model.fit(x, { yieldEveryMs: 1, onEpoch: (log) => (epochs.push(log.epoch), log.epoch < 40) });
    } finally {
      clearInterval(timer);
    }
    expect(epochs).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(model.epochs).toBe(40);
    expect(ticks).toBeGreaterThan(0);
  });

  it('rejects an aborted fit with E_ABORTED and stays unfitted', async () => {
    const controller = new AbortController();
    const model = new UmapModel({ seed: 1, nEpochs: 500 });
    const fit = model.fit(x, { signal: controller.signal, onEpoch: (log) => void (log.epoch === 5 && controller.abort()) });
    await expect(fit).rejects.toMatchObject({ code: 'E_ABORTED' });
    await expect(fit).rejects.toBeInstanceOf(LatentflowError);
    expect(model.isFitted).toBe(false);
  });

  it('names the problem: too few rows, bad options, wrong width, use before fit', async () => {
    await expect(new UmapModel().fit(takeRows(x, [0, 1, 2, 3, 4]))).rejects.toThrow(/5 rows are too few for nNeighbors=15; lower nNeighbors/);
    await expect(new UmapModel().fit(takeRows(x, [0, 1, 2, 3, 4]))).rejects.toBeInstanceOf(DataError);
    expect(() => new UmapModel({ minDist: 2 })).toThrow(ModelConfigError);
    expect(() => new UmapModel({ nNeighbors: 1 })).toThrow(/nNeighbors must be an integer >= 2/);
    await expect(new UmapModel().transform(x)).rejects.toBeInstanceOf(ModelStateError);
    const model = new UmapModel({ nEpochs: 5 });
    await model.fit(x);
    await expect(model.transform({ data: new Float32Array(6), rows: 2, cols: 3 })).rejects.toThrow(/needs the 20 columns/);
    const bad = { data: x.data.slice(), rows: x.rows, cols: x.cols };
    bad.data[45] = NaN;
    await expect(new UmapModel().fit(bad)).rejects.toThrow(/non-finite value in feature column 5/);
  });
});
