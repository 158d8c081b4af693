import { beforeAll, describe, expect, it } from 'vitest';
import { parsePipelines } from '../../../src/pipeline/spec.js';
import { selectBackend } from '../../../src/runtime/backend.js';
import { tsne } from '../../../src/stages/tsne.js';
import { umap } from '../../../src/stages/umap.js';
import { knnLabelAgreement } from '../../helpers/clusters.js';
import { numbers } from '../../helpers/data.js';
import { clusterSet, mapOf, runMapStage } from '../../helpers/map-stage.js';

beforeAll(async () => {
  await selectBackend();
});

// What every map stage (shared/map-stage.ts) does, for umap and tsne alike.
describe.each([
  { def: umap, params: { exclude: [], nEpochs: 150 } },
  { def: tsne, params: { iterations: 400 } },
])('$def.type stage', ({ def, params }) => {
  it('appends x, y after the passthrough columns, keeps batches, row order and values, and separates the clusters (10-NN agreement > 0.9)', async () => {
    const { out, stats } = await runMapStage(def, params, clusterSet);
    expect(out.map((b) => b.numRows)).toEqual([200, 200, 100]);
    out.forEach((b, i) => {
      expect(b.schema.fields.map((f) => f.name)).toEqual([...clusterSet[i].schema.fields.map((f) => f.name), 'x', 'y']);
      expect(b.getChild('id')!.toArray()).toEqual(clusterSet[i].getChild('id')!.toArray());
      expect(b.getChild('label')!.toArray()).toEqual(clusterSet[i].getChild('label')!.toArray());
      expect(numbers(b, 'f7')).toEqual(numbers(clusterSet[i], 'f7'));
      expect(String(b.schema.fields.at(-1)!.type)).toBe('Float32');
    });
    const { embedding, labels } = mapOf(out);
    expect(knnLabelAgreement(embedding, labels)).toBeGreaterThan(0.9);
    expect(stats).toMatchObject({ rows: 500, features: 20 });
  });

  it('gives bit-identical coordinates for the same pipeline seed and different ones for another seed', async () => {
    const small = clusterSet.slice(0, 2);
    const quick = def === tsne ? { iterations: 150, init: 'random' } : { nEpochs: 50 };
    const coords = async (seed: number) => (await runMapStage(def, { ...params, ...quick }, small, seed)).out.flatMap((b) => [...numbers(b, 'x'), ...numbers(b, 'y')]);
    const a = await coords(1);
    expect(await coords(1)).toEqual(a);
    expect(await coords(2)).not.toEqual(a);
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
