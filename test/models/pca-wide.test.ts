import { PCA } from 'ml-pca';
import { describe, expect, test } from 'vitest';
import type { Matrix } from '../../src/models/matrix.js';
import { PcaModel } from '../../src/models/pca.js';
import { seededRandom } from '../../src/models/random.js';
import { orthonormalBasis, relativeError, sameBits } from './synthetic.js';

/**
 * `rows x (cols + constant)` Gaussian rows whose principal variances decay slowly (sd `3 * 0.96^c`, so
 * dozens of axes stay above the mean variance, as on images), rotated by a fixed basis, with `constant`
 * constant columns appended: wide enough (>= 64 varying columns) for the partial (Lanczos) solve.
 */
function wideMatrix(rows: number, cols: number, constant: number, seed: number): Matrix {
  const random = seededRandom(seed);
  const axes = orthonormalBasis(cols, cols, seededRandom(seed + 100));
  const width = cols + constant;
  const data = new Float32Array(rows * width);
  const latent = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const g = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
      latent[c] = 3 * 0.96 ** c * g;
    }
    for (let j = 0; j < cols; j++) {
      let v = 0;
      for (let c = 0; c < cols; c++) v += latent[c] * axes[c][j];
      data[r * width + j] = v;
    }
    for (let j = cols; j < width; j++) data[r * width + j] = 2.5;
  }
  return { data, rows, cols: width };
}

/** Eigenpairs of the data's covariance by ml-pca's full solve: the reference the partial solve must match. */
function fullEigen(x: Matrix): { values: number[]; axis: (c: number) => number[] } {
  const rows = Array.from({ length: x.rows }, (_, r) => Array.from(x.data.subarray(r * x.cols, (r + 1) * x.cols)));
  const pca = new PCA(rows, { center: true, scale: false, method: 'covarianceMatrix' });
  const v = pca.getEigenvectors();
  return { values: pca.getEigenvalues(), axis: (c) => v.getColumn(c) };
}

function misalignment(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return 1 - Math.abs(s);
}

const x = wideMatrix(1500, 120, 8, 21);
const fresh = wideMatrix(300, 120, 8, 22);
const d = x.cols;
const reference = fullEigen(x);

describe('PcaModel on wide data (partial eigensolve)', () => {
  test('k = 10: the axes and variance ratios equal the full ml-pca solve (1e-8), and only the leading ratios are computed', () => {
    const state = new PcaModel({ k: 10, scoreBy: 'reconstruction' }).fit(x).toJSON();
    const total = reference.values.reduce((a, b) => a + b, 0);
    expect(state.varianceRatios.length).toBeLessThan(d);
    for (let c = 0; c < 10; c++) {
      expect(misalignment(state.components.slice(c * d, (c + 1) * d), reference.axis(c))).toBeLessThan(1e-8);
      expect(Math.abs(state.varianceRatios[c] / (reference.values[c] / total) - 1)).toBeLessThan(1e-8);
    }
  });

  test('varianceFraction 0.9 keeps the same number of components as the full solve', () => {
    const total = reference.values.reduce((a, b) => a + b, 0);
    let k = 0;
    for (let sum = 0; sum < 0.9 * total - 1e-9 * total; k++) sum += reference.values[k];
    expect(new PcaModel({ varianceFraction: 0.9, scoreBy: 'reconstruction' }).fit(x).k).toBe(k);
  });

  test('mahalanobis scores equal the sum over every axis of the full solve (1e-6 relative) while only the axes above the floor are saved', () => {
    const model = new PcaModel({ k: 5, scoreBy: 'mahalanobis' }).fit(x);
    const state = model.toJSON();
    const total = reference.values.reduce((a, b) => a + b, 0);
    const floor = total / d;
    const above = reference.values.filter((v) => v > floor).length;
    expect(above).toBeGreaterThan(20);
    expect(state.allAxes).toHaveLength(above * d);
    expect(state.axisVariances).toHaveLength(d);
    const mean = Array.from({ length: d }, (_, j) => {
      let s = 0;
      for (let r = 0; r < x.rows; r++) s += x.data[r * d + j];
      return s / x.rows;
    });
    const axes = reference.values.map((_, c) => reference.axis(c));
    const expected = Float64Array.from({ length: fresh.rows }, (_, r) => {
      let sum = 0;
      for (let c = 0; c < d; c++) {
        let p = 0;
        for (let j = 0; j < d; j++) p += axes[c][j] * (fresh.data[r * d + j] - mean[j]);
        sum += (p * p) / Math.max(reference.values[c], floor);
      }
      return sum / d;
    });
    expect(relativeError(model.score(fresh), expected)).toBeLessThan(1e-6);
    // The saved form reloads with the same scores, bit for bit.
    expect(sameBits(PcaModel.fromJSON(state).score(fresh), model.score(fresh))).toBe(true);
  });

  test('partialFit in batches gives the fit of all rows at once (1e-6 relative scores)', () => {
    const whole = new PcaModel({ k: 5 }).fit(x);
    const batched = new PcaModel({ k: 5 });
    for (let start = 0; start < x.rows; start += 400) {
      const end = Math.min(x.rows, start + 400);
      batched.partialFit({ data: x.data.subarray(start * d, end * d), rows: end - start, cols: d });
    }
    batched.finish();
    expect(relativeError(batched.score(fresh), whole.score(fresh))).toBeLessThan(1e-6);
  });
});
