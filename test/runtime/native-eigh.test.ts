import { beforeAll, describe, expect, test } from 'vitest';
import { PCA } from 'ml-pca';
import { selectBackend } from '../../src/runtime/backend.js';
import { nativeSymmetricEigen } from '../../src/runtime/native-eigh.js';
import { isNativeBackend } from '../../src/runtime/native-ops.js';
import { seededRandom } from '../../src/models/random.js';
import { leadingEigenpairs } from '../../src/models/lanczos.js';
import { covarianceDecomposition } from '../../src/models/pca-decomposition.js';

let isNative = false;
beforeAll(async () => {
  await selectBackend();
  isNative = isNativeBackend();
});

/** A seeded symmetric positive semi-definite d x d matrix G Gᵀ / cols, row-major, with spread-out eigenvalues. */
function gram(d: number, cols: number, seed: number): Float64Array {
  const random = seededRandom(seed);
  const g = Float64Array.from({ length: d * cols }, (_, i) => (random() - 0.5) * (1 + (i % d)));
  const a = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k < cols; k++) s += g[i * cols + k] * g[j * cols + k];
      a[i * d + j] = a[j * d + i] = s / cols;
    }
  }
  return a;
}

describe('nativeSymmetricEigen: a float64 eigendecomposition by TensorFlow', () => {
  test('undefined off the native backend', (ctx) => {
    if (isNative) return ctx.skip();
    expect(nativeSymmetricEigen(gram(4, 6, 1), 4)).toBeUndefined();
  });

  test('values descending, orthonormal vectors with A v = λ v to 1e-10, values equal ml-pca\'s to 1e-9 relative', (ctx) => {
    if (!isNative) return ctx.skip();
    const d = 70;
    const a = gram(d, 90, 2);
    const input = Float64Array.from(a);
    const { values, vectors } = nativeSymmetricEigen(a, d) as NonNullable<ReturnType<typeof nativeSymmetricEigen>>;
    expect(a).toEqual(input);
    for (let c = 1; c < d; c++) expect(values[c]).toBeLessThanOrEqual(values[c - 1]);
    let residual = 0;
    let orthogonality = 0;
    for (let c = 0; c < d; c++) {
      for (let i = 0; i < d; i++) {
        let av = 0;
        for (let j = 0; j < d; j++) av += a[i * d + j] * vectors[c * d + j];
        residual = Math.max(residual, Math.abs(av - values[c] * vectors[c * d + i]) / values[0]);
      }
      for (let e = 0; e <= c; e++) {
        let dot = 0;
        for (let j = 0; j < d; j++) dot += vectors[c * d + j] * vectors[e * d + j];
        orthogonality = Math.max(orthogonality, Math.abs(dot - (c === e ? 1 : 0)));
      }
    }
    expect(residual).toBeLessThan(1e-10);
    expect(orthogonality).toBeLessThan(1e-10);
    const reference = new PCA(Array.from({ length: d }, (_, i) => Array.from(a.subarray(i * d, (i + 1) * d))), { isCovarianceMatrix: true }).getEigenvalues();
    for (let c = 0; c < d; c++) expect(Math.abs(values[c] - reference[c]) / values[0]).toBeLessThan(1e-9);
  });

  test('covarianceDecomposition on native keeps the axes a goal asks for, as Lanczos finds them (values 1e-9, loadings 1e-6 up to sign)', (ctx) => {
    if (!isNative) return ctx.skip();
    const d = 80;
    const a = gram(d, 120, 3);
    const goal = () => 12;
    const ours = covarianceDecomposition(a, d, goal);
    const lanczos = leadingEigenpairs(a, d, goal, d) as NonNullable<ReturnType<typeof leadingEigenpairs>>;
    expect(ours.complete).toBe(false);
    expect(ours.variances.length).toBe(12);
    for (let c = 0; c < 12; c++) {
      expect(Math.abs(ours.variances[c] - lanczos.values[c]) / lanczos.values[0]).toBeLessThan(1e-9);
      const sign = Math.sign(ours.loading(0, c) * lanczos.vectors[c * d]);
      for (let j = 0; j < d; j++) expect(Math.abs(ours.loading(j, c) - sign * lanczos.vectors[c * d + j])).toBeLessThan(1e-6);
    }
    const full = covarianceDecomposition(a, d);
    expect(full.complete).toBe(true);
    expect(full.variances.length).toBe(d);
  });
});
