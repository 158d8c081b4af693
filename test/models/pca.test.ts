import { describe, expect, test } from 'vitest';
import { ModelConfigError, ModelStateError } from '../../src/errors.js';
import { PcaModel } from '../../src/models/pca.js';
import { gaussianMatrix, meanOf, sameBits, subspaceWithOutliers } from './synthetic.js';

/** 400 rows near a 2-D plane in 8-D (noise sd 0.05), shifted away from the origin. */
function plane() {
  const { x } = subspaceWithOutliers(400, 8, 2, 0, 31);
  const data = x.data.map((v, i) => v + (i % 8));
  return { data, rows: x.rows, cols: x.cols };
}

describe('PcaModel', () => {
  test('k larger than the number of columns throws ModelConfigError naming k', () => {
    expect(() => new PcaModel({ k: 12 }).fit(gaussianMatrix(50, 8, 1))).toThrow(
      expect.objectContaining({ option: 'k', message: expect.stringContaining('pca: k=12 exceeds 8 numeric columns; lower k') }),
    );
  });

  test('varianceFraction 0.95 keeps the 2 components of planar data', () => {
    const pca = new PcaModel({ varianceFraction: 0.95 }).fit(plane());
    expect(pca.k).toBe(2);
    expect(pca.explainedVarianceTotal).toBeGreaterThan(0.95);
    expect(pca.explainedVariance[0]).toBeGreaterThanOrEqual(pca.explainedVariance[1]);
  });

  test('default (no k) keeps 95% of the variance', () => {
    expect(new PcaModel().fit(plane()).k).toBe(2);
  });

  test('with k = 2 on planar data the reconstruction error is the noise level (MSE ≈ 0.05² · 6/8)', () => {
    const x = plane();
    const pca = new PcaModel({ k: 2, scoreBy: 'reconstruction' }).fit(x);
    expect(meanOf(pca.score(x))).toBeCloseTo(0.0025 * (6 / 8), 3);
    expect(pca.encode(x).cols).toBe(2);
  });

  test('k equal to the number of columns reconstructs exactly', () => {
    const x = gaussianMatrix(100, 5, 2, 3, 2);
    const pca = new PcaModel({ k: 5 }).fit(x);
    const back = pca.reconstruct(x);
    for (let i = 0; i < x.data.length; i++) expect(back.data[i]).toBeCloseTo(x.data[i], 4);
  });

  test('codes are centred and uncorrelated on the training data', () => {
    const x = plane();
    const code = new PcaModel({ k: 2 }).fit(x).encode(x);
    let m0 = 0;
    let m1 = 0;
    let cross = 0;
    for (let r = 0; r < code.rows; r++) {
      m0 += code.data[2 * r];
      m1 += code.data[2 * r + 1];
      cross += code.data[2 * r] * code.data[2 * r + 1];
    }
    expect(Math.abs(m0 / code.rows)).toBeLessThan(1e-4);
    expect(Math.abs(m1 / code.rows)).toBeLessThan(1e-4);
    expect(Math.abs(cross / code.rows)).toBeLessThan(1e-3);
  });

  test('score is the row mean of featureErrors; inputs are not mutated', () => {
    const x = gaussianMatrix(30, 6, 4);
    const copy = Float32Array.from(x.data);
    const pca = new PcaModel({ k: 2, scoreBy: 'reconstruction' }).fit(x);
    const scores = pca.score(x);
    const errors = pca.featureErrors(x);
    for (let r = 0; r < 30; r++) expect(scores[r]).toBeCloseTo(meanOf(errors.data.subarray(r * 6, r * 6 + 6)), 6);
    expect(sameBits(x.data, copy)).toBe(true);
  });

  test('toJSON/fromJSON gives identical scores and codes', () => {
    const x = plane();
    const pca = new PcaModel({ k: 2 }).fit(x);
    const restored = PcaModel.fromJSON(JSON.parse(JSON.stringify(pca.toJSON())));
    expect(sameBits(restored.score(x), pca.score(x))).toBe(true);
    expect(sameBits(restored.encode(x).data, pca.encode(x).data)).toBe(true);
    expect(restored.explainedVariance).toEqual(pca.explainedVariance);
  });

  test('fitting twice on the same data gives identical codes (signs are fixed)', () => {
    const x = plane();
    expect(sameBits(new PcaModel({ k: 2 }).fit(x).encode(x).data, new PcaModel({ k: 2 }).fit(x).encode(x).data)).toBe(true);
  });

  test('works with fewer rows than columns', () => {
    const x = gaussianMatrix(4, 10, 6);
    const pca = new PcaModel({ k: 3 }).fit(x);
    expect(pca.score(x).every(Number.isFinite)).toBe(true);
    expect(() => new PcaModel({ k: 5 }).fit(x)).toThrow(ModelConfigError);
  });

  test('scoring before fit throws ModelStateError; wrong column count too', () => {
    expect(() => new PcaModel({ k: 1 }).score(gaussianMatrix(3, 3, 1))).toThrow(ModelStateError);
    const pca = new PcaModel({ k: 1 }).fit(gaussianMatrix(20, 3, 1));
    expect(() => pca.score(gaussianMatrix(3, 4, 1))).toThrow(/fitted on 3 columns/);
  });

  test('invalid options throw ModelConfigError naming the option', () => {
    expect(() => new PcaModel({ k: 0 })).toThrow(expect.objectContaining({ option: 'k' }));
    expect(() => new PcaModel({ k: 1.5 })).toThrow(expect.objectContaining({ option: 'k' }));
    expect(() => new PcaModel({ varianceFraction: 1.2 })).toThrow(expect.objectContaining({ option: 'varianceFraction' }));
    expect(() => new PcaModel({ k: 2, varianceFraction: 0.9 })).toThrow(ModelConfigError);
  });
});

describe('PcaModel scoreBy mahalanobis', () => {
  test('is the default; a row out along a low-variance axis outranks one equally far along a high-variance axis', () => {
    // Column 0 has sd 3, column 1 sd 1, column 2 sd 0.5 (its variance is floored at the mean column variance).
    const rand = seededNormal(11);
    const rows = 2000;
    const data = new Float32Array(rows * 3);
    for (let r = 0; r < rows; r++) [3, 1, 0.5].forEach((sd, j) => (data[r * 3 + j] = sd * rand()));
    const pca = new PcaModel({ k: 1 }).fit({ data, rows, cols: 3 });
    expect(pca.config.scoreBy).toBe('mahalanobis');
    const s = pca.score({ data: Float32Array.from([3, 0, 0, 0, 3, 0, 0, 0, 3]), rows: 3, cols: 3 });
    const meanVariance = (9 + 1 + 0.25) / 3;
    expect(s[0]).toBeCloseTo(1 / 3, 1); // 3² / 9 / d
    expect(s[1]).toBeCloseTo(9 / meanVariance / 3, 1); // variance 1 < floor: divided by the floor
    expect(s[2]).toBeCloseTo(s[1], 1); // variance 0.25 < floor: the same distance scores the same
    expect(s[1]).toBeGreaterThan(2 * s[0]);
  });

  test('toJSON/fromJSON keeps the scores; a state saved without scoreBy loads as reconstruction', () => {
    const x = gaussianMatrix(200, 4, 6);
    const pca = new PcaModel({ k: 2 }).fit(x);
    expect(sameBits(PcaModel.fromJSON(JSON.parse(JSON.stringify(pca.toJSON()))).score(x), pca.score(x))).toBe(true);
    const { allAxes: _a, axisVariances: _v, ...old } = pca.toJSON();
    const legacy = PcaModel.fromJSON({ ...old, params: { k: 2 } });
    expect(legacy.config.scoreBy).toBe('reconstruction');
    expect(sameBits(legacy.score(x), new PcaModel({ k: 2, scoreBy: 'reconstruction' }).fit(x).score(x))).toBe(true);
  });
});

function seededNormal(seed: number): () => number {
  let s = seed;
  const u = () => ((s = (s * 1664525 + 1013904223) >>> 0) + 1) / (2 ** 32 + 2);
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}
