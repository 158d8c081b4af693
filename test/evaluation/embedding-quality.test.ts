import { describe, expect, test } from 'vitest';
import { silhouette, trustworthiness, trustworthinessEach } from '../../src/evaluation/embedding-quality.js';
import type { Matrix } from '../../src/models/matrix.js';

/**
 * Reference values below were computed once with scikit-learn 1.9.1 (numpy 2.4.6) in .cache/bench-venv,
 * `sklearn.manifold.trustworthiness(X, Y, n_neighbors=k)` and `sklearn.metrics.silhouette_score(X, labels)`,
 * on the same matrices rebuilt in Python with this generator:
 *
 *   def lcg(rows, cols, seed):
 *       s = seed; out = np.empty(rows * cols)
 *       for i in range(rows * cols):
 *           s = (s * 48271) % 2147483647; out[i] = s / 2147483647
 *       return out.astype(np.float32).astype(np.float64).reshape(rows, cols)
 */

/** Park–Miller generator: exact in float64 in both JavaScript and Python, so both build the same matrix. */
function lcg(rows: number, cols: number, seed: number): Matrix {
  const data = new Float32Array(rows * cols);
  let s = seed;
  for (let i = 0; i < data.length; i++) {
    s = (s * 48271) % 2147483647;
    data[i] = s / 2147483647;
  }
  return { data, rows, cols };
}

/** Columns `[0, cols)` of the rows `order` (default all rows in order). */
function pick(m: Matrix, cols: number, order: ArrayLike<number> = Array.from({ length: m.rows }, (_, i) => i)): Matrix {
  const data = new Float32Array(order.length * cols);
  for (let r = 0; r < order.length; r++) for (let c = 0; c < cols; c++) data[r * cols + c] = m.data[order[r] * m.cols + c];
  return { data, rows: order.length, cols };
}

/** A sparse 80 x 20 matrix (about 70 % zeros), as in the Python reference. */
function sparse(): Matrix {
  const m = lcg(80, 20, 2);
  const mask = lcg(80, 20, 3);
  for (let i = 0; i < m.data.length; i++) if (mask.data[i] < 0.7) m.data[i] = 0;
  return m;
}

/** sklearn's algorithm written out: full argsort of every row's distances (ties by index), no shortcuts. */
function naiveTrustworthiness(high: Matrix, low: Matrix, k: number): number {
  const n = high.rows;
  const dist = (m: Matrix, i: number, j: number) => {
    let s = 0;
    for (let c = 0; c < m.cols; c++) s += (m.data[i * m.cols + c] - m.data[j * m.cols + c]) ** 2;
    return s;
  };
  const order = (m: Matrix, i: number) =>
    Array.from({ length: n }, (_, j) => j)
      .filter((j) => j !== i)
      .sort((a, b) => dist(m, i, a) - dist(m, i, b) || a - b);
  let t = 0;
  for (let i = 0; i < n; i++) {
    const ranks = new Map(order(high, i).map((j, r) => [j, r + 1]));
    for (const j of order(low, i).slice(0, k)) t += Math.max(0, ranks.get(j)! - k);
  }
  return 1 - (t * 2) / (n * k * (2 * n - 3 * k - 1));
}

describe('trustworthiness', () => {
  test('is 1 for the identity embedding and for a scaled, shifted copy', () => {
    const high = lcg(60, 5, 11);
    expect(trustworthiness(high, high, 10)).toBe(1);
    const moved = { ...high, data: high.data.map((v) => 3 * v + 7) };
    expect(trustworthiness(high, moved, 10)).toBe(1);
  });

  test('matches a hand count on six points on a line with k = 1', () => {
    // high: 0, 1, 3, 7, 15, 31; the map swaps the first and last points. Map neighbours that are not the
    // nearest in high: 0 -> 4 (high rank 4, penalty 3), 5 -> 1 (rank 4, penalty 3), 1 -> 5 (rank 5, penalty 4).
    // T = 1 - 2 / (6 * 1 * (12 - 3 - 1)) * 10 = 7 / 12; sklearn gives 0.5833333333333334.
    const high = { data: Float32Array.of(0, 1, 3, 7, 15, 31), rows: 6, cols: 1 };
    const low = { data: Float32Array.of(31, 1, 3, 7, 15, 0), rows: 6, cols: 1 };
    expect(trustworthiness(high, low, 1)).toBeCloseTo(7 / 12, 12);
  });

  test('equals scikit-learn on a 2-D projection of 6-D data', () => {
    const high = lcg(80, 6, 1);
    expect(trustworthiness(high, pick(high, 2), 5)).toBeCloseTo(0.7721875, 10);
    expect(trustworthiness(high, pick(high, 2), 10)).toBeCloseTo(0.7776356589147286, 10);
  });

  test('a shuffled embedding of random data is far below 1 (scikit-learn: 0.5377)', () => {
    const high = lcg(80, 6, 1);
    const shuffled = pick(high, 2, Array.from({ length: 80 }, (_, i) => (i * 37) % 80));
    const t = trustworthiness(high, shuffled, 10);
    expect(t).toBeCloseTo(0.5377325581395349, 10);
    expect(t).toBeLessThan(0.6);
  });

  test('equals scikit-learn on mostly-zero data (the sparse distance kernel)', () => {
    // The map is the unmasked matrix's first 3 columns: the masked ones would tie in the map, and scikit-learn
    // breaks ties arbitrarily.
    expect(trustworthiness(sparse(), pick(lcg(80, 20, 2), 3), 10)).toBeCloseTo(0.5587403100775193, 10);
  });

  test('equals the naive full-sort definition on dense and sparse data, for several k', () => {
    const dense = lcg(70, 9, 21);
    const sparseHigh = sparse();
    for (const k of [1, 3, 10, 20]) {
      expect(trustworthiness(dense, pick(dense, 2), k)).toBeCloseTo(naiveTrustworthiness(dense, pick(dense, 2), k), 12);
      const low = lcg(80, 2, 22);
      expect(trustworthiness(sparseHigh, low, k)).toBeCloseTo(naiveTrustworthiness(sparseHigh, low, k), 12);
    }
  });

  test('trustworthinessEach gives the single-map values, in order', () => {
    const high = lcg(80, 6, 1);
    const lows = [pick(high, 2), high, lcg(80, 3, 9)];
    const each = trustworthinessEach(high, lows, 10);
    expect(each).toHaveLength(3);
    each.forEach((t, m) => expect(t).toBe(trustworthiness(high, lows[m], 10)));
  });

  test('rejects k >= rows / 2, mismatched rows and non-finite values', () => {
    const high = lcg(20, 3, 1);
    expect(() => trustworthiness(high, high, 10)).toThrow(RangeError);
    expect(() => trustworthiness(high, high, 0)).toThrow(RangeError);
    expect(() => trustworthiness(high, lcg(19, 2, 1), 3)).toThrow(RangeError);
    const bad = lcg(20, 2, 1);
    bad.data[5] = NaN;
    expect(() => trustworthiness(high, bad, 3)).toThrow(/row 2 column 1/);
  });
});

describe('silhouette', () => {
  test('is near 1 for well-separated clusters (equals scikit-learn)', () => {
    const centres = [
      [0, 0],
      [10, 0],
      [0, 10],
    ];
    const noise = lcg(90, 2, 4);
    const labels = Array.from({ length: 90 }, (_, i) => i % 3);
    const points = { ...noise, data: noise.data.map((v, t) => v + centres[labels[t >> 1]][t & 1]) };
    const s = silhouette(points, labels);
    expect(s).toBeCloseTo(0.9487128651267328, 6);
    expect(s).toBeGreaterThan(0.9);
  });

  test('is near 0 for labels unrelated to the positions (equals scikit-learn)', () => {
    const labels = Array.from({ length: 90 }, (_, i) => Math.floor((i * 7) / 5) % 3);
    const s = silhouette(lcg(90, 2, 5), labels);
    expect(s).toBeCloseTo(-0.04261942591410498, 6);
    expect(Math.abs(s)).toBeLessThan(0.1);
  });

  test('equals scikit-learn on mostly-zero 20-D data', () => {
    expect(silhouette(sparse(), Array.from({ length: 80 }, (_, i) => i % 4))).toBeCloseTo(-0.03108252782813472, 6);
  });

  test('matches a hand computation, with string labels and a singleton cluster scoring 0', () => {
    // Points 0, 1 ("a"), 4 ("b"), 10 ("c", alone). Row 0: a = 1, b = min(4, 10) = 4, s = 3/4.
    // Row 1: a = 1, b = min(3, 9) = 3, s = 2/3. Row 4 and row 10 are alone: s = 0. Mean = (3/4 + 2/3) / 4.
    const points = { data: Float32Array.of(0, 1, 4, 10), rows: 4, cols: 1 };
    expect(silhouette(points, ['a', 'a', 'b', 'c'])).toBeCloseTo((3 / 4 + 2 / 3) / 4, 12);
    expect(silhouette(points, [7, 7, 8, 9])).toBeCloseTo((3 / 4 + 2 / 3) / 4, 12);
  });

  test('needs 2 to rows - 1 labels and one label per row', () => {
    const points = lcg(5, 2, 1);
    expect(() => silhouette(points, [1, 1, 1, 1, 1])).toThrow(RangeError);
    expect(() => silhouette(points, [1, 2, 3, 4, 5])).toThrow(RangeError);
    expect(() => silhouette(points, [1, 2])).toThrow(RangeError);
  });
});
