import { tableFromArrays, type RecordBatch } from 'apache-arrow';
import { gaussian, seededRandom } from '../../src/models/random.js';

/**
 * Rows near a 2-D plane in 6-D with `outliers` rows pushed off it; returns batches of `batchRows` with an
 * `id` string column, feature columns f0..f5 (float64) and an `outlier` 0/1 label.
 */
export function planeWithOutliers(rows: number, outliers: number, seed: number, batchRows = 500): RecordBatch[] {
  const random = seededRandom(seed);
  const d = 6;
  const cols = Array.from({ length: d }, () => new Float64Array(rows));
  const label = new Float64Array(rows);
  const ids: string[] = [];
  const isOutlier = new Set<number>();
  while (isOutlier.size < outliers) isOutlier.add(Math.floor(random() * rows));
  for (let r = 0; r < rows; r++) {
    const a = gaussian(random);
    const b = gaussian(random);
    for (let c = 0; c < d; c++) cols[c][r] = Math.sin(c + 1) * a + Math.cos(2 * c + 1) * b + 0.05 * gaussian(random);
    if (isOutlier.has(r)) {
      for (let c = 0; c < d; c++) cols[c][r] += (c % 2 === 0 ? 1 : -1) * (2 + random());
      label[r] = 1;
    }
    ids.push(`row-${r}`);
  }
  const batches: RecordBatch[] = [];
  for (let s = 0; s < rows; s += batchRows) {
    const e = Math.min(rows, s + batchRows);
    const columns: Record<string, unknown> = { id: ids.slice(s, e) };
    cols.forEach((col, c) => (columns[`f${c}`] = col.slice(s, e)));
    columns.outlier = label.slice(s, e);
    batches.push(...(tableFromArrays(columns as never).batches as unknown as RecordBatch[]));
  }
  return batches;
}

/** Float column values of a batch as numbers. */
export function numbers(batch: RecordBatch, column: string): number[] {
  return Array.from(batch.getChild(column)!.toArray() as ArrayLike<number>, Number);
}
