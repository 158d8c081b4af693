import { beforeAll, describe, expect, it } from 'vitest';
import type { Detector } from '../../src/models/detector.js';
import { featureContributions } from '../../src/report/contributions.js';
import { modelSummary, summaryRows } from '../../src/report/model-summary.js';
import { numbers } from '../helpers/data.js';
import { planeDetector, training } from './helpers.js';

let detector: Detector;
beforeAll(async () => {
  detector = await planeDetector();
});

/** Normal training rows (outlier = 0), as raw feature vectors f0..f5. */
function normalRows(count: number): Float32Array[] {
  const b = training[0];
  const outlier = numbers(b, 'outlier');
  const cols = detector.features.map((f) => numbers(b, f));
  const rows: Float32Array[] = [];
  for (let r = 0; r < b.numRows && rows.length < count; r++) if (outlier[r] === 0) rows.push(Float32Array.from(cols, (c) => c[r]));
  return rows;
}

function sd(values: number[]): number {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length);
}

describe('featureContributions', () => {
  it('shares sum to 100 % per row and the injected feature carries most of a corrupted row', () => {
    const rows = normalRows(6);
    // Push one feature of each row 6 training sd off the plane: f0 in row 0, f1 in row 1, ...
    const corrupted = rows.map((row, i) => {
      const copy = Float32Array.from(row);
      copy[i] += 6 * sd(numbers(training[0], detector.features[i]));
      return copy;
    });
    const out = featureContributions(detector, corrupted);
    out.forEach((row, i) => {
      expect(row.features).not.toBeNull();
      const shares = row.features!.map((f) => f.share);
      expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(shares).toEqual([...shares].sort((a, b) => b - a));
      expect(row.features![0].feature).toBe(detector.features[i]);
      expect(row.features![0].share).toBeGreaterThan(0.4);
      // Values are reported in raw units, as given.
      expect(row.features![0].value).toBeCloseTo(corrupted[i][i], 4);
    });
  });

  it('the per-feature errors add up to the row score', () => {
    const rows = normalRows(3);
    const out = featureContributions(detector, rows);
    const scores = detector.score({ data: Float32Array.from(rows.flatMap((r) => Array.from(r))), rows: rows.length, cols: rows[0].length });
    out.forEach((row, i) => {
      const total = row.features!.reduce((a, f) => a + f.error, 0);
      // score = mean over features of the squared error.
      expect(total / detector.features.length).toBeCloseTo(scores[i], 4);
    });
  });

  it('gives no breakdown for a row with a missing value when the model saved no impute values', () => {
    const [row] = normalRows(1);
    const broken = Float32Array.from(row);
    broken[2] = Number.NaN;
    // Models fitted now always save the training means; one saved before that (imputeValues null) gives no breakdown.
    const older = { ...detector, features: detector.features, featureErrors: detector.featureErrors.bind(detector), reconstruct: detector.reconstruct.bind(detector), missing: { policy: 'error' as const, imputeValues: null } };
    const out = featureContributions(older, [broken, row]);
    expect(out[0].features).toBeNull();
    expect(out[1].features).toHaveLength(6);
  });
});

describe('modelSummary', () => {
  it('describes a PCA detector: components, parameters, threshold', () => {
    const s = modelSummary(detector);
    expect(s.kind).toBe('pca');
    expect(s.architecture).toBe('6 features → 2 components');
    expect(s.parameters).toBe(6 + 2 * 6);
    expect(s.history).toBeNull();
    expect(s.explainedVariance).toBeGreaterThan(0.7);
    expect(s.explainedVariance).toBeLessThanOrEqual(1);
    const rows = Object.fromEntries(summaryRows(s));
    expect(rows.Threshold).toMatch(/\(contamination 0.02\)$/);
    expect(rows.Parameters).toBe('18');
  });
});
