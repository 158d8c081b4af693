import { describe, expect, test } from 'vitest';
import { DataError } from '../../src/errors.js';
import { CovarianceAccumulator } from '../../src/models/covariance.js';
import { sliceRows, type Matrix } from '../../src/models/matrix.js';
import { anisotropicMatrix, relativeError } from './synthetic.js';

/** Two-pass float64 covariance of the exact float32 values of `m`: the reference. */
function twoPass(m: Matrix): { mean: Float64Array; cov: Float64Array } {
  const { rows, cols: d } = m;
  const mean = new Float64Array(d);
  for (let r = 0; r < rows; r++) for (let j = 0; j < d; j++) mean[j] += m.data[r * d + j];
  for (let j = 0; j < d; j++) mean[j] /= rows;
  const cov = new Float64Array(d * d);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < d; i++) {
      const a = m.data[r * d + i] - mean[i];
      for (let j = 0; j < d; j++) cov[i * d + j] += (a * (m.data[r * d + j] - mean[j])) / (rows - 1);
    }
  }
  return { mean, cov };
}


describe('CovarianceAccumulator', () => {
  test('host float64 kernel (12 columns) equals the two-pass covariance within 1e-12 relative', () => {
    const m = anisotropicMatrix(3000, 12, 1, 2.5);
    const acc = new CovarianceAccumulator(12).add(m);
    const ref = twoPass(m);
    expect(acc.rows).toBe(3000);
    expect(relativeError(acc.covariance(), ref.cov)).toBeLessThan(1e-12);
    expect(relativeError(acc.mean(), ref.mean)).toBeLessThan(1e-12);
  });

  test('matmul float32 kernel (100 columns) equals the two-pass covariance within 1e-6 relative (measured 6e-8)', () => {
    const m = anisotropicMatrix(2500, 100, 2, 1);
    expect(relativeError(new CovarianceAccumulator(100).add(m).covariance(), twoPass(m).cov)).toBeLessThan(1e-6);
  });

  test('values near 1e6 keep their covariance: within 1e-9 (float64 kernel) and 1e-6 (float32 kernel, measured 8e-8) relative', () => {
    // Spread ~4 on an offset of 1e6: a plain float32 sum of squares would lose every digit of the spread.
    for (const [cols, tolerance] of [[12, 1e-9], [80, 1e-6]] as const) {
      const m = anisotropicMatrix(3000, cols, 3, 1e6);
      const ref = twoPass(m);
      const acc = new CovarianceAccumulator(cols).add(m);
      expect(relativeError(acc.covariance(), ref.cov)).toBeLessThan(tolerance);
      expect(relativeError(acc.mean(), ref.mean)).toBeLessThan(1e-12);
    }
  });

  test('adding rows in 37 uneven batches equals adding them at once within 1e-12 relative', () => {
    const m = anisotropicMatrix(2000, 12, 4, -3);
    const once = new CovarianceAccumulator(12).add(m);
    const batched = new CovarianceAccumulator(12);
    for (let start = 0, size = 1; start < m.rows; start += size, size = (size * 7) % 97 + 1) batched.add(sliceRows(m, start, Math.min(m.rows, start + size)));
    expect(batched.rows).toBe(2000);
    expect(relativeError(batched.covariance(), once.covariance())).toBeLessThan(1e-12);
    expect(relativeError(batched.mean(), once.mean())).toBeLessThan(1e-12);
  });

  test('the covariance is exactly symmetric on the float32 kernel', () => {
    const cov = new CovarianceAccumulator(70).add(anisotropicMatrix(1500, 70, 5)).covariance();
    let asymmetric = 0;
    for (let i = 0; i < 70; i++) for (let j = 0; j < 70; j++) if (cov[i * 70 + j] !== cov[j * 70 + i]) asymmetric++;
    expect(asymmetric).toBe(0);
  });

  test('a non-finite value, a wrong column count and fewer than 2 rows are DataErrors naming the owner', () => {
    const acc = new CovarianceAccumulator(3, 'pca');
    expect(() => acc.add({ data: Float32Array.from([1, 2, NaN]), rows: 1, cols: 3 })).toThrow(
      expect.objectContaining({ row: 0, message: expect.stringContaining('pca: cannot fit on a non-finite value in feature column 2') }),
    );
    expect(() => acc.add({ data: new Float32Array(4), rows: 1, cols: 4 })).toThrow(DataError);
    acc.add({ data: Float32Array.from([1, 2, 3]), rows: 1, cols: 3 });
    expect(() => acc.covariance()).toThrow(/pca: fit needs at least 2 rows, received 1/);
  });
});
