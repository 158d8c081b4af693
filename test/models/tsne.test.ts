import { describe, expect, it } from 'vitest';
import { DataError, LatentflowError, ModelConfigError, ModelStateError } from '../../src/errors.js';
import { takeRows } from '../../src/models/matrix.js';
import { TSNE_MAX_ROWS, TsneModel } from '../../src/models/tsne.js';
import { gaussianClusters, knnLabelAgreement } from '../helpers/clusters.js';

// 5 Gaussian clusters in 20-D, centres ~31 apart against a within-cluster spread of ~6: a map must keep them apart.
const { x, labels } = gaussianClusters(400, 20, 1);
const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('TsneModel', () => {
  it('gives bit-identical coordinates for the same seed and different ones for another seed (random init)', async () => {
    const some = takeRows(x, Array.from({ length: 250 }, (_, i) => i));
    const fit = (seed: number) => new TsneModel({ seed, init: 'random', iterations: 300 }).fit(some);
    const [a, b, c] = [await fit(3), await fit(3), await fit(4)];
    expect(a.rows).toBe(250);
    expect(a.cols).toBe(2);
    expect(bits(a.data).equals(bits(b.data))).toBe(true);
    expect(bits(a.data).equals(bits(c.data))).toBe(false);
  });

  it('starts from PCA by default, so the map does not depend on the seed', async () => {
    const [a, b] = [await new TsneModel({ seed: 1, iterations: 100 }).fit(x), await new TsneModel({ seed: 2, iterations: 100 }).fit(x)];
    expect(bits(a.data).equals(bits(b.data))).toBe(true);
  });

  it('keeps 5 well-separated 20-D Gaussian clusters apart in 2-D (10-NN label agreement > 0.9)', async () => {
    const model = new TsneModel({ iterations: 500 });
    const embedding = await model.fit(x);
    expect(embedding.data.every(Number.isFinite)).toBe(true);
    expect(knnLabelAgreement(embedding, labels)).toBeGreaterThan(0.9);
    expect(model.iterations).toBe(500);
    expect(model.klDivergence).toBeGreaterThan(0);
    expect(model.klDivergence).toBeLessThan(2);
  });

  it('Barnes-Hut (theta 0.5) reaches the KL divergence of the exact gradient (theta 0) within 5 %', async () => {
    const small = takeRows(x, Array.from({ length: 250 }, (_, i) => i));
    const exact = new TsneModel({ theta: 0, iterations: 400 });
    const approx = new TsneModel({ theta: 0.5, iterations: 400 });
    await exact.fit(small);
    await approx.fit(small);
    expect(Math.abs(approx.klDivergence - exact.klDivergence) / exact.klDivergence).toBeLessThan(0.05);
  });

  it('maps to 3-D (octree) and to 1-D, and copes with duplicate rows', async () => {
    const three = await new TsneModel({ nComponents: 3, iterations: 300 }).fit(x);
    expect(three.cols).toBe(3);
    expect(knnLabelAgreement(three, labels)).toBeGreaterThan(0.9);
    // Half the rows identical: their layout points coincide, which the tree must hold in one leaf.
    const dup = { data: x.data.slice(0, 200 * 20), rows: 200, cols: 20 };
    for (let r = 0; r < 100; r++) dup.data.set(x.data.subarray(0, 20), r * 20);
    const one = await new TsneModel({ nComponents: 1, iterations: 200 }).fit(dup);
    const two = await new TsneModel({ iterations: 200 }).fit(dup);
    expect(one.data.every(Number.isFinite) && two.data.every(Number.isFinite)).toBe(true);
  });

  it(`refuses more than maxRows (default ${TSNE_MAX_ROWS}) rows with a DataError that suggests UMAP or a sample`, async () => {
    const big = { data: new Float32Array((TSNE_MAX_ROWS + 1) * 2), rows: TSNE_MAX_ROWS + 1, cols: 2 };
    const fit = new TsneModel().fit(big);
    await expect(fit).rejects.toBeInstanceOf(DataError);
    await expect(fit).rejects.toThrow(`tsne: ${TSNE_MAX_ROWS + 1} rows exceed maxRows=${TSNE_MAX_ROWS}`);
    await expect(fit).rejects.toThrow(/use the umap stage \(sampleRows fits a seeded sample/i);
    await expect(new TsneModel({ maxRows: 100 }).fit(takeRows(x, Array.from({ length: 101 }, (_, i) => i)))).rejects.toThrow(/exceed maxRows=100/);
  });

  it('reports every iteration (KL every 50), stops when onIteration returns false, and yields to the event loop', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const logs: { iteration: number; kl?: number }[] = [];
    const model = new TsneModel({ iterations: 1000 });
    try {
      await model.fit(x, { yieldEveryMs: 1, onIteration: (log) => (logs.push({ iteration: log.iteration, kl: log.klDivergence }), log.iteration < 120) });
    } finally {
      clearInterval(timer);
    }
    expect(logs.map((l) => l.iteration)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
    expect(logs.filter((l) => l.kl !== undefined).map((l) => l.iteration)).toEqual([50, 100]);
    expect(model.iterations).toBe(120);
    expect(ticks).toBeGreaterThan(0);
  });

  it('rejects an aborted fit with E_ABORTED', async () => {
    const controller = new AbortController();
    const fit = new TsneModel().fit(x, { signal: controller.signal, yieldEveryMs: 0, onIteration: (log) => void (log.iteration === 3 && controller.abort()) });
    await expect(fit).rejects.toMatchObject({ code: 'E_ABORTED' });
    await expect(fit).rejects.toBeInstanceOf(LatentflowError);
  });

  it('names the problem: perplexity too large for the rows, bad options, non-finite input, read before fit', async () => {
    await expect(new TsneModel().fit(takeRows(x, Array.from({ length: 20 }, (_, i) => i)))).rejects.toThrow(
      /perplexity=30 must be below the number of rows \(20\); lower perplexity/,
    );
    expect(() => new TsneModel({ nComponents: 4 })).toThrow(ModelConfigError);
    expect(() => new TsneModel({ theta: 2 })).toThrow(/theta must be in \[0, 1\]/);
    expect(() => new TsneModel().embedding).toThrow(ModelStateError);
    const bad = { data: x.data.slice(), rows: x.rows, cols: x.cols };
    bad.data[41] = Infinity;
    await expect(new TsneModel().fit(bad)).rejects.toThrow(/non-finite value in feature column 1/);
  });
});
