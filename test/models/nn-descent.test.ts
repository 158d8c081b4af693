import { describe, expect, it } from 'vitest';
import { nearestNeighbors } from '../../src/models/nearest-neighbors.js';
import { nnDescent } from '../../src/models/nn-descent.js';
import { gaussianClusters } from '../helpers/clusters.js';

// 3,000 rows of 5 Gaussian clusters in 20-D: within a cluster the neighbours are a 20-D Gaussian's, hard enough
// that an approximate search misses some.
const { x } = gaussianClusters(3000, 20, 7);
const k = 15;

describe('nnDescent', () => {
  it('finds at least 97 % of the exact 14 nearest other rows, row itself first at distance 0, distances ascending', async () => {
    const approx = nnDescent(x, k, { seed: 3 });
    const exact = await nearestNeighbors(x, k - 1, async () => {});
    let hits = 0;
    for (let i = 0; i < x.rows; i++) {
      expect(approx.indices[i * k]).toBe(i);
      expect(approx.distances[i * k]).toBe(0);
      const truth = new Set(exact.indices.subarray(i * (k - 1), (i + 1) * (k - 1)));
      for (let t = 1; t < k; t++) {
        if (truth.has(approx.indices[i * k + t])) hits++;
        expect(approx.distances[i * k + t]).toBeGreaterThanOrEqual(approx.distances[i * k + t - 1]);
      }
    }
    expect(hits / (x.rows * (k - 1))).toBeGreaterThan(0.97);
  });

  it('returns the true Euclidean distance of every neighbour it lists', () => {
    const r = nnDescent(x, k, { seed: 3 });
    for (let i = 0; i < x.rows; i += 97) {
      for (let t = 0; t < k; t++) {
        const j = r.indices[i * k + t];
        let s = 0;
        for (let c = 0; c < x.cols; c++) s += (x.data[i * x.cols + c] - x.data[j * x.cols + c]) ** 2;
        expect(r.distances[i * k + t]).toBeCloseTo(Math.sqrt(s), 9);
      }
    }
  });

  it('gives identical neighbours for the same seed and a different search for another seed', () => {
    const [a, b, c] = [nnDescent(x, k, { seed: 5 }), nnDescent(x, k, { seed: 5 }), nnDescent(x, k, { seed: 6, maxIterations: 1 })];
    expect(Buffer.from(a.indices.buffer).equals(Buffer.from(b.indices.buffer))).toBe(true);
    expect(Buffer.from(a.distances.buffer).equals(Buffer.from(b.distances.buffer))).toBe(true);
    expect(Buffer.from(a.indices.buffer).equals(Buffer.from(c.indices.buffer))).toBe(false);
  });

  it('fills every slot when all rows are duplicates of a few points', () => {
    const few = { data: new Float32Array(200 * 3).map((_, i) => Math.floor(i / 3) % 4), rows: 200, cols: 3 };
    const r = nnDescent(few, 10, { seed: 1 });
    expect(r.indices.every((j) => j >= 0 && j < 200)).toBe(true);
    for (let i = 0; i < 200; i++) expect(new Set(r.indices.subarray(i * 10, (i + 1) * 10)).size).toBe(10);
  });
});
