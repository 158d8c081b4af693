import type { RecordBatch } from 'apache-arrow';
import type { StageDefinition, Transform } from '../../src/contract/stage.js';
import type { tsne } from '../../src/stages/tsne.js';
import type { umap } from '../../src/stages/umap.js';
import { clusterBatches } from './clusters.js';
import { collect, fromArray, testContext } from './context.js';
import { numbers } from './data.js';

/** Runs one map stage over `batches` and returns its output batches and stats. */
export async function runMapStage(def: typeof umap | typeof tsne, params: Record<string, unknown>, batches: RecordBatch[], seed = 7) {
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
export function mapOf(out: RecordBatch[]) {
  const xs = out.flatMap((b) => numbers(b, 'x'));
  const ys = out.flatMap((b) => numbers(b, 'y'));
  const data = new Float32Array(xs.flatMap((x, i) => [x, ys[i]]));
  const labels = out.flatMap((b) => Array.from(b.getChild('label')!.toArray() as string[], (l) => Number(l.slice(1))));
  return { embedding: { data, rows: xs.length, cols: 2 }, labels };
}

// 5 Gaussian clusters in 20-D (f0..f19), with an id and a label column that must pass through.
export const clusterSet = clusterBatches(500, 20, 3, 200);
