import { describe, expect, test } from 'vitest';
import { binOf, DriftMonitor, driftReference, ksCritical, psi } from '../../src/models/drift.js';
import { gaussianMatrix } from './synthetic.js';
import type { Matrix } from '../../src/models/matrix.js';

/** Scores that follow the rows (their sum of squares), so a feature shift also moves the scores. */
const scoresOf = (x: Matrix) => Float64Array.from({ length: x.rows }, (_, r) => {
  let s = 0;
  for (let j = 0; j < x.cols; j++) s += x.data[r * x.cols + j] ** 2;
  return s / x.cols;
});

const rule = { windowRows: 2000, psiAlarm: 0.25, ksAlpha: 0.001 };

describe('drift (PSI per feature and score, KS of scores)', () => {
  const train = gaussianMatrix(20_000, 8, 1);
  const reference = driftReference(train, scoresOf(train));

  test('an unshifted stream raises no alarm over 200 windows (400,000 rows)', () => {
    const monitor = new DriftMonitor(reference, rule);
    const windows = [];
    for (let i = 0; i < 200; i++) {
      const x = gaussianMatrix(2000, 8, 100 + i);
      windows.push(...monitor.add(x, scoresOf(x)));
    }
    expect(windows).toHaveLength(200);
    expect(windows.filter((w) => w.isAlarm)).toHaveLength(0);
    expect(Math.max(...windows.map((w) => w.maxFeaturePsi))).toBeLessThan(0.05);
  });

  test('a shift of one feature by 1 sd is detected in the first window after it, naming that feature only', () => {
    const monitor = new DriftMonitor(reference, rule);
    const before = gaussianMatrix(2000, 8, 7);
    expect(monitor.add(before, scoresOf(before))[0].isAlarm).toBe(false);
    const after = gaussianMatrix(2000, 8, 8);
    for (let r = 0; r < after.rows; r++) after.data[r * 8 + 3] += 1;
    const [w] = monitor.add(after, scoresOf(after));
    expect(w.isAlarm).toBe(true);
    expect(w.driftedFeatures).toEqual([3]);
    expect(w.scoreKs).toBeGreaterThan(w.ksCritical);
  });

  test('a change of spread that keeps every feature\'s mean moves the score: KS detects it within one window', () => {
    const monitor = new DriftMonitor(reference, rule);
    const wide = gaussianMatrix(2000, 8, 9, 0, 1.3);
    const [w] = monitor.add(wide, scoresOf(wide));
    expect(w.isAlarm).toBe(true);
    expect(w.scoreKs).toBeGreaterThan(w.ksCritical);
  });

  test('the reference of batches equals that of the rows at once; above 100,000 rows it is taken from every k-th row', () => {
    const parts = [0, 1, 2].map((i) => gaussianMatrix(3000 + i * 7, 8, 50 + i));
    const whole = { data: Float32Array.from(parts.flatMap((p) => Array.from(p.data))), rows: parts.reduce((n, p) => n + p.rows, 0), cols: 8 };
    const scores = scoresOf(whole);
    expect(driftReference(parts, scores)).toEqual(driftReference(whole, scores));
    const big = gaussianMatrix(250_000, 2, 60);
    const ref = driftReference(big, scoresOf(big));
    // 250,000 rows, every 3rd: 83,334 scores; the deciles of a standard normal within 0.02.
    expect(ref.rows).toBe(83_334);
    expect(ref.features[0].edges[4]).toBeCloseTo(0, 1);
    expect(ref.features[0].edges[8]).toBeCloseTo(1.2816, 1);
  });

  test('windows end exactly every windowRows rows, across batch edges', () => {
    const monitor = new DriftMonitor(reference, { ...rule, windowRows: 1000 });
    const x = gaussianMatrix(700, 8, 3);
    expect(monitor.add(x, scoresOf(x))).toHaveLength(0);
    const y = gaussianMatrix(2400, 8, 4);
    expect(monitor.add(y, scoresOf(y)).map((w) => [w.window, w.rows])).toEqual([[1, 1000], [2, 1000], [3, 1000]]);
  });

  test('the building blocks: bins by edge (ties go up), PSI 0 for equal shares, the KS critical value', () => {
    expect([-1, 0, 0.5, 1, 2].map((v) => binOf([0, 1], v))).toEqual([0, 1, 1, 2, 2]);
    expect(psi([0.5, 0.5], [0.5, 0.5])).toBe(0);
    expect(psi([0.5, 0.5], [0.9, 0.1])).toBeCloseTo(0.4 * Math.log(1.8) + -0.4 * Math.log(0.2), 12);
    // c(0.05) = 1.358 for two samples of 1000.
    expect(ksCritical(0.05, 1000, 1000)).toBeCloseTo(1.3581 * Math.sqrt(2 / 1000), 4);
  });
});
