import { PCA } from 'ml-pca';
import { describe, expect, test } from 'vitest';
import { DataError, ModelConfigError, ModelStateError } from '../../src/errors.js';
import { sliceRows, type Matrix } from '../../src/models/matrix.js';
import { PcaModel, type PcaState } from '../../src/models/pca.js';
import { anisotropicMatrix, relativeError, sameBits } from './synthetic.js';

/** Largest |a_i - sign * b_i| over the largest |b_i|, with the sign that fits best: axes are defined up to sign. */
function axisError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let plus = 0;
  let minus = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    plus = Math.max(plus, Math.abs(a[i] - b[i]));
    minus = Math.max(minus, Math.abs(a[i] + b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return Math.min(plus, minus) / scale;
}


/** Axis c of a row-major `count x d` array. */
function axis(values: number[], c: number, d: number): number[] {
  return values.slice(c * d, (c + 1) * d);
}

function batched(x: Matrix, batchRows: number, config: ConstructorParameters<typeof PcaModel>[0]): PcaModel {
  const model = new PcaModel(config);
  for (let start = 0; start < x.rows; start += batchRows) model.partialFit(sliceRows(x, start, Math.min(x.rows, start + batchRows)));
  return model.finish();
}

describe('PcaModel covariance path', () => {
  test('fit on 400 x 12 (covariance path) equals ml-pca SVD within 1e-6 relative: components, variance ratios', () => {
    const x = anisotropicMatrix(400, 12, 1, 3);
    const state = new PcaModel({ k: 4 }).fit(x).toJSON();
    const rows = Array.from({ length: x.rows }, (_, r) => Array.from(x.data.subarray(r * 12, (r + 1) * 12)));
    const svd = new PCA(rows, { center: true, scale: false, method: 'SVD' });
    const vectors = svd.getEigenvectors();
    for (let c = 0; c < 4; c++) expect(axisError(axis(state.components, c, 12), vectors.getColumn(c))).toBeLessThan(1e-6);
    for (let c = 0; c < 12; c++) expect(Math.abs(state.varianceRatios[c] / svd.getExplainedVariance()[c] - 1)).toBeLessThan(1e-6);
  });

  test('partialFit + finish (covariance) equals fit (SVD, n = d) within 1e-6 relative: axes, variances, scores of new rows', () => {
    // 30 rows x 30 columns: fit takes the SVD path, partialFit always the covariance path.
    const x = anisotropicMatrix(30, 30, 2, -1);
    const fresh = anisotropicMatrix(50, 30, 3, -1);
    for (const scoreBy of ['mahalanobis', 'reconstruction'] as const) {
      const svd = new PcaModel({ k: 5, scoreBy }).fit(x);
      const cov = batched(x, 7, { k: 5, scoreBy });
      const a = svd.toJSON();
      const b = cov.toJSON();
      expect(b.varianceRatios.length).toBe(a.varianceRatios.length);
      // The last axis of rank-deficient data has variance ~0: compare ratios relative to the largest.
      expect(relativeError(b.varianceRatios, a.varianceRatios)).toBeLessThan(1e-6);
      for (let c = 0; c < 5; c++) expect(axisError(axis(b.components, c, 30), axis(a.components, c, 30))).toBeLessThan(1e-6);
      expect(relativeError(b.mean, a.mean)).toBeLessThan(1e-9);
      expect(relativeError(cov.score(fresh), svd.score(fresh))).toBeLessThan(1e-6);
      if (scoreBy === 'mahalanobis') {
        expect(relativeError(b.axisVariances as number[], a.axisVariances as number[])).toBeLessThan(1e-6);
        // Every axis with variance above zero is unique up to sign; the 30th spans the data's null direction.
        for (let c = 0; c < 29; c++) expect(axisError(axis(b.allAxes as number[], c, 30), axis(a.allAxes as number[], c, 30))).toBeLessThan(1e-6);
      }
    }
  });

  test('partialFit over 50 batches equals one fit within 1e-9 (12 columns) and 1e-6 (80 columns) relative', () => {
    for (const [cols, tolerance] of [[12, 1e-9], [80, 1e-6]] as const) {
      const x = anisotropicMatrix(2000, cols, 4, 0.5);
      const once = new PcaModel({ k: 5 }).fit(x);
      const inBatches = batched(x, 40, { k: 5 });
      const a = once.toJSON();
      const b = inBatches.toJSON();
      for (let c = 0; c < 5; c++) expect(axisError(axis(b.components, c, cols), axis(a.components, c, cols))).toBeLessThan(tolerance);
      expect(relativeError(b.varianceRatios.slice(0, 5), a.varianceRatios.slice(0, 5))).toBeLessThan(tolerance);
      expect(relativeError(inBatches.score(x), once.score(x))).toBeLessThan(tolerance * 10);
    }
  });

  test('data offset by 1e6 fits like the same values near 0: within 1e-9 (12 columns) and 1e-6 (80 columns) relative', () => {
    for (const [cols, tolerance] of [[12, 1e-9], [80, 1e-6]] as const) {
      const far = anisotropicMatrix(3000, cols, 5, 1e6);
      // far's float32 values are multiples of 1/16; subtracting 1e6 is exact, so both hold the same data.
      const near = { ...far, data: far.data.map((v) => v - 1e6) };
      const a = new PcaModel({ k: 3 }).fit(near).toJSON();
      const b = new PcaModel({ k: 3 }).fit(far).toJSON();
      for (let c = 0; c < 3; c++) expect(axisError(axis(b.components, c, cols), axis(a.components, c, cols))).toBeLessThan(tolerance);
      expect(relativeError(b.varianceRatios.slice(0, 3), a.varianceRatios.slice(0, 3))).toBeLessThan(tolerance);
      for (let j = 0; j < cols; j++) expect(Math.abs(b.mean[j] - 1e6 - a.mean[j])).toBeLessThan(1e-8);
    }
  });

  test('constant columns get their unit vector as an axis with variance 0; the other axes are those of the data without them', () => {
    const x = anisotropicMatrix(500, 10, 11, 1);
    const wide = { data: new Float32Array(500 * 12), rows: 500, cols: 12 };
    // Columns 3 and 7 are constant (2.5 and -1); the others are x's columns in order.
    const from = [0, 1, 2, -1, 3, 4, 5, -2, 6, 7, 8, 9];
    for (let r = 0; r < 500; r++) for (let j = 0; j < 12; j++) wide.data[r * 12 + j] = from[j] === -1 ? 2.5 : from[j] === -2 ? -1 : x.data[r * 10 + from[j]];
    const a = new PcaModel({ k: 4 }).fit(x).toJSON();
    const b = new PcaModel({ k: 4 }).fit(wide).toJSON();
    for (let c = 0; c < 4; c++) {
      const kept = from.map((f, j) => (f < 0 ? null : b.components[c * 12 + j])).filter((v): v is number => v !== null);
      expect(axisError(kept, axis(a.components, c, 10))).toBeLessThan(1e-9);
      expect([b.components[c * 12 + 3], b.components[c * 12 + 7]].map(Math.abs)).toEqual([0, 0]);
    }
    expect(relativeError(b.varianceRatios.slice(0, 10), a.varianceRatios)).toBeLessThan(1e-9);
    expect(b.varianceRatios.slice(10)).toEqual([0, 0]);
    const unit = (j: number) => Array.from({ length: 12 }, (_, i) => (i === j ? 1 : 0));
    expect([axis(b.allAxes as number[], 10, 12), axis(b.allAxes as number[], 11, 12)]).toEqual([unit(3), unit(7)]);
  });

  test('mahalanobis scores equal the sum over every axis within 1e-6 relative, float32 output (the floored tail is |x|^2 minus the head)', () => {
    const x = anisotropicMatrix(400, 12, 12, 1);
    const model = new PcaModel({ k: 2 }).fit(x);
    const { allAxes, axisVariances, mean } = model.toJSON() as Required<PcaState>;
    expect(axisVariances.filter((v) => v === axisVariances[11]).length).toBeGreaterThan(3);
    const probe = anisotropicMatrix(60, 12, 13, 3);
    const brute = Array.from({ length: 60 }, (_, r) => {
      let sum = 0;
      for (let c = 0; c < 12; c++) {
        let p = 0;
        for (let j = 0; j < 12; j++) p += allAxes[c * 12 + j] * (probe.data[r * 12 + j] - mean[j]);
        sum += (p * p) / axisVariances[c];
      }
      return sum / 12;
    });
    expect(relativeError(model.score(probe), brute)).toBeLessThan(1e-6);
  });

  test('with fewer rows than columns partialFit keeps min(rows, cols) components, like fit', () => {
    const x = anisotropicMatrix(6, 10, 6);
    const state = batched(x, 4, { k: 3 }).toJSON();
    expect(state.varianceRatios.length).toBe(6);
    expect(state.axisVariances?.length).toBe(6);
    expect(() => batched(x, 4, { k: 7 })).toThrow(ModelConfigError);
  });

  test('a partialFit state has the fields and lengths of a fit state and reloads with identical scores', () => {
    const x = anisotropicMatrix(300, 12, 7, 2);
    const fitted = new PcaModel({ k: 3 }).fit(x).toJSON();
    const model = batched(x, 50, { k: 3 });
    const state: PcaState = JSON.parse(JSON.stringify(model.toJSON()));
    expect(Object.keys(state).sort()).toEqual(Object.keys(fitted).sort());
    for (const key of ['mean', 'components', 'varianceRatios', 'allAxes', 'axisVariances'] as const) expect((state[key] as number[]).length).toBe((fitted[key] as number[]).length);
    const restored = PcaModel.fromJSON(state);
    expect(sameBits(restored.score(x), model.score(x))).toBe(true);
    expect(sameBits(restored.encode(x).data, model.encode(x).data)).toBe(true);
  });

  test('finish before partialFit is a ModelStateError; a batch of other width a DataError; fit forgets partialFit rows', () => {
    expect(() => new PcaModel({ k: 1 }).finish()).toThrow(ModelStateError);
    const model = new PcaModel({ k: 1 }).partialFit(anisotropicMatrix(10, 4, 8));
    expect(() => model.partialFit(anisotropicMatrix(10, 5, 8))).toThrow(DataError);
    expect(() => new PcaModel({ k: 1 }).partialFit(anisotropicMatrix(1, 4, 8)).finish()).toThrow(/pca: fit needs at least 2 rows, received 1/);
    const x = anisotropicMatrix(100, 4, 9);
    model.fit(x);
    expect(() => model.finish()).toThrow(ModelStateError);
    expect(sameBits(model.score(x), new PcaModel({ k: 1 }).fit(x).score(x))).toBe(true);
  });

  test('k larger than the columns of the first partialFit batch throws ModelConfigError naming k', () => {
    expect(() => new PcaModel({ k: 5 }).partialFit(anisotropicMatrix(10, 4, 10))).toThrow(expect.objectContaining({ option: 'k' }));
  });
});
