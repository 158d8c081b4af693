import { tableFromArrays, type RecordBatch } from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/runtime/backend.js';
import { encode } from '../../src/stages/encode.js';
import { pcaFit } from '../../src/stages/pca-fit.js';
import { umap } from '../../src/stages/umap.js';
import { knnLabelAgreement } from '../helpers/clusters.js';
import { collect, fromArray, testContext } from '../helpers/context.js';
import { clusterSet, mapOf, runMapStage } from '../helpers/map-stage.js';

beforeAll(async () => {
  await selectBackend();
});

describe('umap stage', () => {
  it('fits a seeded sample of sampleRows and places every other row near its own cluster', async () => {
    const { out, stats } = await runMapStage(umap, { nEpochs: 150, sampleRows: 250 }, clusterSet);
    // nEpochs 150 set, so the placed rows get round(150 / 3) epochs.
    expect(stats).toMatchObject({ rows: 500, fitRows: 250, placedRows: 250, transformEpochs: 50 });
    const { embedding, labels } = mapOf(out);
    expect(knnLabelAgreement(embedding, labels)).toBeGreaterThan(0.9);
  });

  it('maps the code columns of an encode stage with prefix: z', async () => {
    const ctx = testContext({ stageId: 'pca' });
    const fit = pcaFit.create(pcaFit.params.parse({ exclude: [], k: 4 }) as never, ctx);
    const enc = encode.create(encode.params.parse({ model: 'pca' }), { ...ctx, stageId: 'encode' });
    const map = umap.create(umap.params.parse({ prefix: 'z', nEpochs: 100 }), { ...ctx, stageId: 'umap' });
    const out = await collect(map.transform(enc.transform(fit.transform(fromArray(clusterSet)))));
    expect(out[0].schema.fields.map((f) => f.name).slice(-6)).toEqual(['z0', 'z1', 'z2', 'z3', 'x', 'y']);
    expect(map.stats?.()).toMatchObject({ features: 4 });
    const { embedding, labels } = mapOf(out);
    expect(knnLabelAgreement(embedding, labels)).toBeGreaterThan(0.9);
    await Promise.all([map.close(), enc.close(), fit.close()]);
  });

  it('writes the columns named in `columns`, drops rows with missing values on request, and refuses to overwrite an input column', async () => {
    const withGap = tableFromArrays({
      id: Array.from({ length: 60 }, (_, i) => `r${i}`),
      a: Float64Array.from({ length: 60 }, (_, i) => (i === 5 ? NaN : (i % 3) * 10 + Math.sin(i))),
      b: Float64Array.from({ length: 60 }, (_, i) => Math.cos(i)),
    }).batches as unknown as RecordBatch[];
    const { out, stats } = await runMapStage(umap, { columns: ['u', 'v'], onMissing: 'drop', nEpochs: 20 }, withGap);
    expect(out[0].numRows).toBe(59);
    expect(out[0].schema.fields.map((f) => f.name)).toEqual(['id', 'a', 'b', 'u', 'v']);
    expect(out[0].getChild('id')!.toArray()).not.toContain('r5');
    expect(stats).toMatchObject({ rows: 59, droppedRows: 1 });
    await expect(runMapStage(umap, { columns: ['a', 'v'], onMissing: 'drop' }, withGap)).rejects.toThrow(/output column "a" already in the input; name the coordinate columns/);
    await expect(runMapStage(umap, {}, withGap)).rejects.toThrow(/row 5, column "a": invalid feature value/);
    await expect(runMapStage(umap, { prefix: 'z' }, withGap)).rejects.toThrow(/no code columns z0, z1, \.\.\. in the input; put an encode stage before/);
  });
});
