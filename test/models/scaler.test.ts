import { describe, expect, test } from 'vitest';
import { ModelConfigError, ModelStateError } from '../../src/errors.js';
import { concatRows, sliceRows, type Matrix } from '../../src/models/matrix.js';
import { constantColumns, Scaler } from '../../src/models/scaler.js';
import { gaussianMatrix, sameBits } from './synthetic.js';

/** 500 rows: three Gaussian columns with different means and spreads, and a constant column. */
function sample(): Matrix {
  const g = gaussianMatrix(500, 3, 21);
  const data = new Float32Array(500 * 4);
  for (let r = 0; r < 500; r++) {
    data[r * 4] = 10 + 3 * g.data[r * 3];
    data[r * 4 + 1] = -2 + 0.01 * g.data[r * 3 + 1];
    data[r * 4 + 2] = 1000 * g.data[r * 3 + 2];
    data[r * 4 + 3] = 7.25;
  }
  return { data, rows: 500, cols: 4 };
}

function columnStats(m: Matrix, j: number): { mean: number; sd: number; min: number; max: number } {
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let r = 0; r < m.rows; r++) {
    const v = m.data[r * m.cols + j];
    sum += v;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const mean = sum / m.rows;
  let ss = 0;
  for (let r = 0; r < m.rows; r++) ss += (m.data[r * m.cols + j] - mean) ** 2;
  return { mean, sd: Math.sqrt(ss / m.rows), min, max };
}

describe('Scaler', () => {
  test('standard yields mean 0, sd 1 per column', () => {
    const out = new Scaler('standard').fit(sample()).transform(sample());
    for (const j of [0, 1, 2]) {
      const s = columnStats(out, j);
      expect(Math.abs(s.mean)).toBeLessThan(1e-5);
      expect(s.sd).toBeCloseTo(1, 4);
    }
  });

  test('minmax maps the fitted data into [0, 1] with both ends reached', () => {
    const out = new Scaler('minmax').fit(sample()).transform(sample());
    for (const j of [0, 1, 2]) {
      const s = columnStats(out, j);
      expect(s.min).toBeCloseTo(0, 6);
      expect(s.max).toBeCloseTo(1, 5);
    }
  });

  test('robust centres on the median and divides by the IQR', () => {
    const x: Matrix = { data: Float32Array.from([1, 2, 3, 4, 100]), rows: 5, cols: 1 };
    const scaler = new Scaler('robust').fit(x);
    expect(Array.from(scaler.center)).toEqual([3]);
    expect(Array.from(scaler.scale)).toEqual([2]); // q75 = 4, q25 = 2
    expect(Array.from(scaler.transform(x).data)).toEqual([-1, -0.5, 0, 0.5, 48.5]);
  });

  test.each(['standard', 'minmax', 'robust'] as const)('%s: a constant column gives scale 1 and no NaN or Infinity', (method) => {
    const out = new Scaler(method).fit(sample()).transform(sample());
    expect(out.data.every(Number.isFinite)).toBe(true);
    for (let r = 0; r < out.rows; r++) expect(out.data[r * 4 + 3]).toBe(0);
  });

  test.each(['standard', 'minmax'] as const)('%s: partialFit over chunks equals fit on all rows', (method) => {
    const x = sample();
    const whole = new Scaler(method).fit(x);
    const chunked = new Scaler(method);
    for (const [s, e] of [[0, 1], [1, 120], [120, 121], [121, 500]]) chunked.partialFit(sliceRows(x, s, e));
    expect(chunked.rowsSeen).toBe(500);
    expect(sameBits(chunked.transform(x).data, whole.transform(x).data)).toBe(true);
  });

  test('partialFit continues after a toJSON/fromJSON round trip', () => {
    const x = sample();
    const first = new Scaler('standard').partialFit(sliceRows(x, 0, 200));
    const restored = Scaler.fromJSON(JSON.parse(JSON.stringify(first.toJSON())));
    restored.partialFit(sliceRows(x, 200, 500));
    expect(sameBits(restored.transform(x).data, new Scaler('standard').fit(x).transform(x).data)).toBe(true);
  });

  test.each(['standard', 'minmax', 'robust', 'none'] as const)('%s: inverseTransform undoes transform to float32 precision', (method) => {
    const x = sample();
    const scaler = new Scaler(method).fit(x);
    const back = scaler.inverseTransform(scaler.transform(x));
    // Tolerance relative to each column's magnitude: a few float32 ulps of the largest value.
    const magnitude = [0, 1, 2, 3].map((j) => {
      const s = columnStats(x, j);
      return Math.max(Math.abs(s.min), Math.abs(s.max));
    });
    for (let i = 0; i < x.data.length; i++) {
      expect(Math.abs(back.data[i] - x.data[i])).toBeLessThanOrEqual(1e-6 * magnitude[i % 4]);
    }
    const restored = Scaler.fromJSON(JSON.parse(JSON.stringify(scaler.toJSON())));
    expect(sameBits(restored.transform(x).data, scaler.transform(x).data)).toBe(true);
  });

  test('transform returns a new matrix and never mutates its input', () => {
    const x = sample();
    const copy = Float32Array.from(x.data);
    const out = new Scaler('standard').fit(x).transform(x);
    expect(out.data).not.toBe(x.data);
    expect(sameBits(x.data, copy)).toBe(true);
  });

  test('transforming before fit throws ModelStateError', () => {
    expect(() => new Scaler('standard').transform(sample())).toThrow(ModelStateError);
    expect(() => new Scaler('minmax').inverseTransform(sample())).toThrow(/before fit/);
  });

  test('robust refuses partialFit with ModelStateError', () => {
    expect(() => new Scaler('robust').partialFit(sample())).toThrow(ModelStateError);
  });

  test('a different column count is refused with ModelStateError', () => {
    const scaler = new Scaler('standard').fit(sample());
    expect(() => scaler.transform(gaussianMatrix(3, 5, 1))).toThrow(/fitted on 4 columns/);
    expect(() => scaler.partialFit(gaussianMatrix(3, 5, 1))).toThrow(ModelStateError);
  });

  test('fitting on NaN throws a DataError with the row', () => {
    const x = concatRows([sample(), { data: Float32Array.from([1, NaN, 2, 3]), rows: 1, cols: 4 }], 4);
    expect(() => new Scaler('standard').fit(x)).toThrow(expect.objectContaining({ code: 'E_DATA', row: 500 }));
  });

  test('an unknown method is a ModelConfigError naming "method"', () => {
    expect(() => new Scaler('zscore' as never)).toThrow(ModelConfigError);
  });
});

describe('constantColumns', () => {
  test('over several matrices names the columns constant over their stacked rows, not within each one', () => {
    // Column 0 is 1 everywhere, column 1 is 2 in the first part and 3 in the second, column 2 varies.
    const first = { data: Float32Array.from([1, 2, 0.5, 1, 2, 0.7]), rows: 2, cols: 3 };
    const second = { data: Float32Array.from([1, 3, 0.1, 1, 3, 0.2]), rows: 2, cols: 3 };
    expect(constantColumns(first)).toEqual([0, 1]);
    expect(constantColumns([first, second])).toEqual([0]);
    expect(constantColumns([first, second])).toEqual(constantColumns(concatRows([first, second], 3)));
  });
});
