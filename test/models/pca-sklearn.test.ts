import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { sliceRows, type Matrix } from '../../src/models/matrix.js';
import { PcaModel, type PcaState } from '../../src/models/pca.js';

/** One data set of test/fixtures/pca-sklearn.json (written by scripts/make-pca-fixture.py). */
interface Reference {
  rows: number;
  cols: number;
  data: number[];
  mean: number[];
  /** All components, one row each, in scikit-learn's sign convention (largest |loading| positive). */
  components: number[][];
  explainedVariance: number[];
  explainedVarianceRatio: number[];
  /** `transform` of the data onto the first 3 components. */
  codes3: number[][];
}

const fixture = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../fixtures/pca-sklearn.json'), 'utf8')) as Record<'tall' | 'wide', Reference>;

function matrixOf(ref: Reference): Matrix {
  return { data: Float32Array.from(ref.data), rows: ref.rows, cols: ref.cols };
}

/** The three ways to fit: one `fit` call (covariance or SVD by shape) and `partialFit` in 3-row or 64-row batches. */
function fits(ref: Reference): [string, PcaState][] {
  const x = matrixOf(ref);
  const batched = (rows: number) => {
    const model = new PcaModel({ k: 3 });
    for (let start = 0; start < x.rows; start += rows) model.partialFit(sliceRows(x, start, Math.min(x.rows, start + rows)));
    return model.finish().toJSON();
  };
  return [
    ['fit', new PcaModel({ k: 3 }).fit(x).toJSON()],
    ['partialFit x3', batched(3)],
    ['partialFit x64', batched(64)],
  ];
}

describe('PcaModel against scikit-learn 1.9 PCA(svd_solver="full") on the same float32 data', () => {
  for (const name of ['tall', 'wide'] as const) {
    const ref = fixture[name];
    const d = ref.cols;
    const rank = Math.min(ref.rows - 1, d);
    for (const [how, state] of fits(ref)) {
      test(`${name} ${ref.rows} x ${d}, ${how}: mean, signed components and variance ratios within 1e-6 relative`, () => {
        for (let j = 0; j < d; j++) expect(Math.abs(state.mean[j] - ref.mean[j])).toBeLessThan(1e-9);
        for (let c = 0; c < 3; c++) {
          for (let j = 0; j < d; j++) expect(Math.abs(state.components[c * d + j] - ref.components[c][j])).toBeLessThan(1e-6);
        }
        expect(state.varianceRatios.length).toBe(Math.min(ref.rows, d));
        for (let c = 0; c < rank; c++) expect(Math.abs(state.varianceRatios[c] / ref.explainedVarianceRatio[c] - 1)).toBeLessThan(1e-6);
      });

      test(`${name} ${ref.rows} x ${d}, ${how}: axis variances (unfloored) equal explained_variance_, codes equal transform within 1e-6 relative`, () => {
        const floor = (state.axisVariances as number[]).reduce((a, v) => Math.min(a, v), Infinity);
        for (let c = 0; c < rank; c++) {
          const v = ref.explainedVariance[c];
          if (v > floor * (1 + 1e-6)) expect(Math.abs((state.axisVariances as number[])[c] / v - 1)).toBeLessThan(1e-6);
          else expect((state.axisVariances as number[])[c]).toBeCloseTo(floor, 12);
        }
        const codes = PcaModel.fromJSON(state).encode(matrixOf(ref));
        const scale = Math.max(...ref.codes3.flat().map(Math.abs));
        for (let r = 0; r < ref.rows; r++) for (let c = 0; c < 3; c++) expect(Math.abs(codes.data[r * 3 + c] - ref.codes3[r][c]) / scale).toBeLessThan(1e-6);
      });
    }
  }
});
