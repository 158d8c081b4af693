import { describe, expect, it } from 'vitest';
import { ModelConfigError, ModelStateError } from '../../src/errors.js';
import { checkReachable, conformalPValue, conformalPValues, flagByFdr, flagByFpr, requireCalibration } from '../../src/models/conformal.js';
import { gaussian, seededRandom } from '../../src/models/random.js';

/** The formula as the issue states it, by counting: p = (1 + #{c ≥ s}) / (n + 1). */
function pByCounting(calibration: readonly number[], s: number): number {
  return (1 + calibration.filter((c) => c >= s).length) / (calibration.length + 1);
}

/** Benjamini–Hochberg by its definition: reject every p ≤ the largest p_(i) with p_(i) ≤ i·q/m. */
function bhByDefinition(p: readonly number[], q: number): boolean[] {
  const sorted = [...p].sort((a, b) => a - b);
  let cut = -Infinity;
  sorted.forEach((v, i) => {
    if (v <= ((i + 1) * q) / p.length) cut = v;
  });
  return p.map((v) => v <= cut);
}

describe('conformal p-values', () => {
  it('p = (1 + #{calibration >= s}) / (n + 1), ties counted as at least as extreme', () => {
    const cal = [1, 2, 2, 3, 4];
    expect(conformalPValue(cal, 2.5)).toBeCloseTo(3 / 6, 12);
    expect(conformalPValue(cal, 2)).toBeCloseTo(5 / 6, 12);
    expect(conformalPValue(cal, 9)).toBeCloseTo(1 / 6, 12);
    expect(conformalPValue(cal, -1)).toBe(1);
    expect(conformalPValue(cal, NaN)).toBeNaN();
  });

  it('binary search agrees with counting on random scores, including exact ties', () => {
    const random = seededRandom(3);
    const cal = Array.from({ length: 257 }, () => Math.round(random() * 50) / 10).sort((a, b) => a - b);
    const scores = Array.from({ length: 500 }, () => Math.round(random() * 60) / 10 - 0.5);
    const p = conformalPValues(cal, scores);
    scores.forEach((s, i) => expect(p[i]).toBeCloseTo(pByCounting(cal, s), 12));
  });

  it('flagByFdr equals the Benjamini-Hochberg definition, and ignores NaN rows', () => {
    const random = seededRandom(5);
    for (let trial = 0; trial < 50; trial++) {
      const p = Array.from({ length: 40 }, () => (random() < 0.3 ? random() * 0.01 : random()));
      expect(flagByFdr(p, 0.1)).toEqual(bhByDefinition(p, 0.1));
    }
    // m counts only the finite p-values: with NaN rows left out, 0.02 ≤ 2·0.05/2 passes.
    expect(flagByFdr([0.02, NaN, 0.04, NaN], 0.05)).toEqual([true, false, true, false]);
    expect(flagByFdr([], 0.05)).toEqual([]);
  });

  it('flagByFpr flags exactly p <= alpha', () => {
    expect(flagByFpr([0.01, 0.0100001, 0.5, NaN], 0.01)).toEqual([true, false, false, false]);
  });

  it('an alpha below 1/(n+1) is refused naming the option and the rows needed', () => {
    expect(() => checkReachable('alpha', 0.001, 99)).toThrow(ModelConfigError);
    expect(() => checkReachable('alpha', 0.001, 99)).toThrow(/at least 999 calibration rows/);
    expect(() => checkReachable('q', 0.01, 99)).not.toThrow();
  });

  it('a model without calibration scores is a ModelStateError naming calibrationSplit', () => {
    expect(() => requireCalibration(null, 'threshold rule fpr')).toThrow(ModelStateError);
    expect(() => requireCalibration(undefined, 'threshold rule fpr')).toThrow(/calibrationSplit/);
  });

  it('under exchangeability the flagged share at alpha stays within a 3-sigma binomial bound (1000 seeded repeats)', () => {
    // Marginal guarantee: fresh calibration and test rows from one distribution each repeat, so
    // P(p <= alpha) = floor(alpha(n+1))/(n+1) exactly, and the flag count over all repeats is binomial.
    const random = seededRandom(11);
    const n = 199;
    const alpha = 0.05;
    const repeats = 1000;
    const perRepeat = 20;
    let flagged = 0;
    for (let r = 0; r < repeats; r++) {
      const cal = Array.from({ length: n }, () => Math.exp(gaussian(random))).sort((a, b) => a - b);
      for (let i = 0; i < perRepeat; i++) if (conformalPValue(cal, Math.exp(gaussian(random))) <= alpha) flagged++;
    }
    // Rows within a repeat share a calibration set, so the count's variance has a between-repeat part
    // (coverage ~ Beta with variance alpha(1-alpha)/(n+2)) besides the binomial one.
    const total = repeats * perRepeat;
    const sd = Math.sqrt(alpha * (1 - alpha) * (1 / total + perRepeat / (total * (n + 2))));
    expect(Math.abs(flagged / total - alpha)).toBeLessThan(3 * sd);
  });
});
