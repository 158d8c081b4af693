/**
 * The bundled quick-start data for benchmarks: the eight sensor columns of data/quickstart/*.csv as a
 * matrix, read through the project's own csv-source, and the `label` column as anomaly flags.
 */
import path from 'node:path';
import type { RecordBatch } from 'apache-arrow';
import { csvSource } from '../src/connectors/csv-source.js';
import { extractFeatures } from '../src/io/features.js';
import { concatRows, type Matrix } from '../src/models/matrix.js';
import { AckService } from '../src/contract/acks.js';
import { ModelSlots } from '../src/contract/model-slots.js';
import { silentLogger } from '../src/runtime/logger.js';
import { noProgress } from '../src/runtime/progress.js';

export const QUICKSTART_FEATURES = ['temperature', 'pressure', 'vibration', 'flow', 'current', 'rpm', 'power', 'noise_db'];
const root = path.resolve(import.meta.dirname, '..');

/** Rows of `file` (relative to the repository root) as a matrix of the sensors, and `label === 'anomaly'` per row (empty without a label column). */
export async function readQuickstart(file: string): Promise<{ x: Matrix; labels: boolean[] }> {
  const ctx = { stageId: 'bench', signal: new AbortController().signal, drain: new AbortController().signal, logger: silentLogger(), seed: 0, progress: noProgress, models: new ModelSlots(), acks: new AckService(), baseDir: root };
  const source = csvSource.create(csvSource.params.parse({ path: file }), ctx);
  const batches: RecordBatch[] = [];
  for await (const b of source.batches()) batches.push(b);
  await source.close();
  const x = concatRows(batches.map((b, i) => extractFeatures(b, i, QUICKSTART_FEATURES, 'error').matrix), QUICKSTART_FEATURES.length);
  const labels = batches.flatMap((b) => (b.getChild('label') ? Array.from({ length: b.numRows }, (_, i) => b.getChild('label')!.get(i) === 'anomaly') : []));
  return { x, labels };
}
