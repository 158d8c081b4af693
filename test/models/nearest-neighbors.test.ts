import { describe, expect, it } from 'vitest';
import { nearestNeighbors } from '../../src/models/nearest-neighbors.js';
import { gaussian, seededRandom } from '../../src/models/random.js';

describe('nearestNeighbors', () => {
  it('gives each row its k nearest other rows, ascending, as a full sort would', async () => {
    const random = seededRandom(4);
    const n = 60;
    const d = 3;
    const data = Float32Array.from({ length: n * d }, () => gaussian(random));
    const k = 7;
    let pauses = 0;
    const knn = await nearestNeighbors({ data, rows: n, cols: d }, k, async () => void pauses++);
    expect(pauses).toBe(n);
    for (let i = 0; i < n; i++) {
      const all = Array.from({ length: n }, (_, j) => j)
        .filter((j) => j !== i)
        .map((j) => ({ j, dist: Array.from({ length: d }, (_, t) => (data[i * d + t] - data[j * d + t]) ** 2).reduce((a, b) => a + b, 0) }))
        .sort((a, b) => a.dist - b.dist || a.j - b.j)
        .slice(0, k);
      expect(Array.from(knn.indices.subarray(i * k, (i + 1) * k))).toEqual(all.map((e) => e.j));
      knn.distances.subarray(i * k, (i + 1) * k).forEach((v, t) => expect(v).toBeCloseTo(all[t].dist, 9));
    }
  });

  it('breaks ties by the lower index, so equal distances resolve the same way every run', async () => {
    // Rows 1..4 are all at distance 1 from row 0.
    const data = Float32Array.from([0, 0, 1, 0, 0, 1, -1, 0, 0, -1]);
    const knn = await nearestNeighbors({ data, rows: 5, cols: 2 }, 3, async () => undefined);
    expect(Array.from(knn.indices.subarray(0, 3))).toEqual([1, 2, 3]);
    expect(Array.from(knn.distances.subarray(0, 3))).toEqual([1, 1, 1]);
  });
});
