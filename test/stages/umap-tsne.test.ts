import { tableFromArrays, type RecordBatch } from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';
import { DataError } from '../../src/errors.js';
import { parsePipelines } from '../../src/pipeline/spec.js';
import type { StageDefinition, Transform } from '../../src/contract/stage.js';
import { selectBackend } from '../../src/runtime/backend.js';
import { encode } from '../../src/stages/encode.js';
import { pcaFit } from '../../src/stages/pca-fit.js';
import { tsne } from '../../src/stages/tsne.js';
import { umap } from '../../src/stages/umap.js';
import { clusterBatches, knnLabelAgreement } from '../helpers/clusters.js';
import { collect, fromArray, testContext } from '../helpers/context.js';
import { numbers } from '../helpers/data.js';

beforeAll(async () => {
  await selectBackend();
});

/** Runs one map stage over `batches` and returns its output batches and stats. */
async function run(def: typeof umap | typeof tsne, params: Record<string, unknown>, batches: RecordBatch[], seed = 7) {
  const d = def as unknown as StageDefinition;
  const stage = d.create(d.params.parse(params), testContext({ stageId: d.type, seed })) as Transform;
  try {
    const out = await collect(stage.transform(fromArray(batches)));
    return { out, stats: stage.stats?.() ?? {} };
  } finally {
    await stage.close();
  }
}

/** x, y of every output row as one 2-column matrix, and the cluster label of each row. */
function mapOf(out: RecordBatch[]) {
  const xs = out.flatMap((b) => numbers(b, 'x'));
  const ys = out.flatMap((b) => numbers(b, 'y'));
  const data = new Float32Array(xs.flatMap((x, i) => [x, ys[i]]));
  const labels = out.flatMap((b) => Array.from(b.getChild('label')!.toArray() as string[], (l) => Number(l.slice(1))));
  return { embedding: { data, rows: xs.length, cols: 2 }, labels };
}

// 5 Gaussian clusters in 20-D (f0..f19), with an id and a label column that must pass through.
const batches = clusterBatches(500, 20, 3, 200);

describe.each([
  { def: umap, params: { exclude: [], nEpochs: 150 } },
  { def: tsne, params: { iterations: 400 } },
])('$def.type stage', ({ def, params }) => {
  it('appends x, y after the passthrough columns, keeps batches, row order and values, and separates the clusters (10-NN agreement > 0.9)', async () => {
    const { out, stats } = await run(def, params, batches);
    expect(out.map((b) => b.numRows)).toEqual([200, 200, 100]);
    out.forEach((b, i) => {
      expect(b.schema.fields.map((f) => f.name)).toEqual([...batches[i].schema.fields.map((f) => f.name), 'x', 'y']);
      expect(b.getChild('id')!.toArray()).toEqual(batches[i].getChild('id')!.toArray());
      expect(b.getChild('label')!.toArray()).toEqual(batches[i].getChild('label')!.toArray());
      expect(numbers(b, 'f7')).toEqual(numbers(batches[i], 'f7'));
      expect(String(b.schema.fields.at(-1)!.type)).toBe('Float32');
    });
    const { embedding, labels } = mapOf(out);
    expect(knnLabelAgreement(embedding, labels)).toBeGreaterThan(0.9);
    expect(stats).toMatchObject({ rows: 500, features: 20 });
  });

  it('gives bit-identical coordinates for the same pipeline seed and different ones for another seed', async () => {
    const small = batches.slice(0, 2);
    const quick = def === tsne ? { iterations: 150, init: 'random' } : { nEpochs: 50 };
    const coords = async (seed: number) => (await run(def, { ...params, ...quick }, small, seed)).out.flatMap((b) => [...numbers(b, 'x'), ...numbers(b, 'y')]);
    const a = await coords(1);
    expect(await coords(1)).toEqual(a);
    expect(await coords(2)).not.toEqual(a);
  });
});

describe('umap stage', () => {
  it('fits a seeded sample of sampleRows and places every other row near its own cluster', async () => {
    const { out, stats } = await run(umap, { nEpochs: 150, sampleRows: 250 }, batches);
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
    const out = await collect(map.transform(enc.transform(fit.transform(fromArray(batches)))));
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
    const { out, stats } = await run(umap, { columns: ['u', 'v'], onMissing: 'drop', nEpochs: 20 }, withGap);
    expect(out[0].numRows).toBe(59);
    expect(out[0].schema.fields.map((f) => f.name)).toEqual(['id', 'a', 'b', 'u', 'v']);
    expect(out[0].getChild('id')!.toArray()).not.toContain('r5');
    expect(stats).toMatchObject({ rows: 59, droppedRows: 1 });
    await expect(run(umap, { columns: ['a', 'v'], onMissing: 'drop' }, withGap)).rejects.toThrow(/output column "a" already in the input; name the coordinate columns/);
    await expect(run(umap, {}, withGap)).rejects.toThrow(/row 5, column "a": invalid feature value/);
    await expect(run(umap, { prefix: 'z' }, withGap)).rejects.toThrow(/no code columns z0, z1, \.\.\. in the input; put an encode stage before/);
  });
});

describe('tsne stage', () => {
  it('fails while buffering, above maxRows, with a DataError that suggests the umap stage', async () => {
    let pulled = 0;
    const counting = (async function* () {
      for (const b of [...batches, ...batches]) {
        pulled++;
        yield b;
      }
    })();
    const stage = tsne.create(tsne.params.parse({ maxRows: 300 }), testContext());
    const error = await collect(stage.transform(counting)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataError);
    expect((error as Error).message).toMatch(/tsne: 400 rows exceed maxRows=300; t-SNE is for small sets.*Use the umap stage/);
    expect(pulled).toBe(2);
  });
});

describe('map stage params', () => {
  it('report conflicting or incomplete params at their YAML position', () => {
    const yaml = (stage: string) => `source: { type: csv-source, path: in.csv }\nstages:\n  - ${stage}\nsink: { type: null-sink }\n`;
    expect(() => parsePipelines(yaml('{ type: umap, features: [a], prefix: z }'), 'p.yaml')).toThrow(/p\.yaml:3:\d+: prefix: give either features or prefix, not both \(at stages\[0\]\.prefix\)/);
    expect(() => parsePipelines(yaml('{ type: tsne, columns: [a] }'), 'p.yaml')).toThrow(/columns: name 2 columns, one per component/);
    expect(() => parsePipelines(yaml('{ type: umap, nComponents: 5 }'), 'p.yaml')).toThrow(/name the 5 output columns with columns/);
    expect(() => parsePipelines(yaml('{ type: umap, minDist: 2 }'), 'p.yaml')).toThrow(/minDist=2 must not exceed spread=1/);
    expect(() => parsePipelines(yaml('{ type: umap, sampleRows: 10 }'), 'p.yaml')).toThrow(/sampleRows=10 must exceed nNeighbors=15/);
    expect(() => parsePipelines(yaml('{ type: tsne, nComponents: 4 }'), 'p.yaml')).toThrow(/nComponents/);
    expect(() => parsePipelines(yaml('{ type: umap, nNeighbours: 5 }'), 'p.yaml')).toThrow(/unknown key "nNeighbours"; did you mean "nNeighbors"/);
  });
});
