import { makeVector, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { gaussian, seededRandom } from '../../src/models/random.js';

/**
 * A seeded mixed-type table whose anomalies live only in a category x number combination: `device` (text)
 * sets the mean of `value` (A 0, B 3, C 6, D 9, sd 0.4); an anomaly takes the value of another device. The
 * marginal distribution of `value` is the same four modes either way, so numbers alone cannot tell.
 * `noise` is an unrelated numeric column, `id` a pass-through text id, `label` 1 for anomalies.
 */
export function deviceTable(rows: number, anomalyShare: number, seed: number): Table {
  const random = seededRandom(seed);
  const devices = ['A', 'B', 'C', 'D'];
  const device: string[] = [];
  const value: number[] = [];
  const noise: number[] = [];
  const label: number[] = [];
  const id: string[] = [];
  for (let r = 0; r < rows; r++) {
    const d = Math.floor(random() * 4);
    const isAnomaly = random() < anomalyShare;
    const source = isAnomaly ? (d + 1 + Math.floor(random() * 3)) % 4 : d;
    device.push(devices[d]);
    value.push(3 * source + 0.4 * gaussian(random));
    noise.push(gaussian(random));
    label.push(isAnomaly ? 1 : 0);
    id.push(`row-${seed}-${r}`);
  }
  return new Table({
    id: vectorFromArray(id, new Utf8()),
    device: vectorFromArray(device, new Utf8()),
    value: makeVector(Float64Array.from(value)),
    noise: makeVector(Float64Array.from(noise)),
    label: makeVector(Int32Array.from(label)),
  });
}

/** The `label` column of a table as numbers. */
export function labels(table: Table): number[] {
  return Array.from(table.getChild('label')!.toArray() as Int32Array);
}
