import { tableFromArrays, type RecordBatch } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { ModelStateError } from '../../src/errors.js';
import { pcaFit } from '../../src/stages/pca-fit.js';
import { score } from '../../src/stages/score.js';
import { threshold } from '../../src/stages/threshold.js';
import { collect, fromArray, testContext } from '../helpers/context.js';
import { numbers, planeWithOutliers } from '../helpers/data.js';

/** The threshold stage's `rule` (what `score --threshold` uses); its saved-threshold path is tested with the fits in score.test.ts. */
describe('threshold rule', () => {
  it('threshold by rule fits on the stream and flags the top fraction', async () => {
    const t = tableFromArrays({ score: Float64Array.from({ length: 100 }, (_, i) => i) });
    const stage = threshold.create(threshold.params.parse({ rule: { method: 'percentile', value: 90 } }), testContext());
    const out = await collect(stage.transform(fromArray(t.batches)));
    const flags = Array.from({ length: 100 }, (_, i) => out[0].getChild('is_anomaly')!.get(i));
    expect(flags.filter(Boolean).length).toBe(10);
    expect(flags.slice(90).every(Boolean)).toBe(true);
  });

  const batch = (from: number) => tableFromArrays({ score: Float64Array.from({ length: 10 }, (_, i) => from + i) }).batches[0] as RecordBatch;

  it('fixed flags each batch as it arrives, without holding the stream (a never-ending topic works)', async () => {
    let pulled = 0;
    async function* endless() {
      for (let i = 0; ; i++) {
        pulled++;
        yield batch(i * 10);
      }
    }
    const stage = threshold.create(threshold.params.parse({ rule: { method: 'fixed', value: 14.5 } }), testContext());
    const flags: boolean[] = [];
    for await (const out of stage.transform(endless())) {
      for (let r = 0; r < out.numRows; r++) flags.push(Boolean(out.getChild('is_anomaly')!.get(r)));
      if (flags.length === 20) break;
    }
    expect(pulled).toBe(2);
    expect(flags).toEqual(Array.from({ length: 20 }, (_, i) => i > 14.5));
    expect(stage.stats?.()).toMatchObject({ rows: 20, anomalies: 5, threshold: 14.5, method: 'fixed' });
  });
});

/**
 * Rules fpr and fdr on a PCA fitted with calibrationSplit, judged on rows it never saw. These show the
 * guarantees end to end: fit (split, scaler, model, calibration scores) -> score -> threshold.
 */
describe('threshold rules fpr and fdr (conformal)', () => {
  /** Fits PCA on `train` (calibrationSplit 0.5), then scores and flags `fresh` with `rule`. */
  async function flagFresh(train: RecordBatch[], fresh: RecordBatch[], rule: Record<string, unknown>, seed = 7) {
    const ctx = testContext({ stageId: 'm', seed });
    const fit = pcaFit.create(pcaFit.params.parse({ exclude: ['outlier'], k: 2, calibrationSplit: 0.5 }), ctx);
    await collect(fit.transform(fromArray(train)));
    const scoring = score.create(score.params.parse({ model: 'm' }), { ...ctx, stageId: 'score' });
    const flagging = threshold.create(threshold.params.parse({ model: 'm', rule }), { ...ctx, stageId: 'threshold' });
    try {
      return await collect(flagging.transform(scoring.transform(fromArray(fresh))));
    } finally {
      await flagging.close();
      await scoring.close();
      await fit.close();
    }
  }

  it('fpr: on fresh normal rows the flagged share stays within a 3-sigma bound of alpha (10 seeded fits)', async () => {
    const alpha = 0.05;
    const n = 500; // calibration rows per fit: 1000 training rows, half held out
    const perFit = 2000;
    let flagged = 0;
    for (let seed = 0; seed < 10; seed++) {
      const out = await flagFresh(planeWithOutliers(1000, 0, 100 + seed), planeWithOutliers(perFit, 0, 200 + seed, 1000), { method: 'fpr', alpha }, seed);
      for (const b of out) for (let r = 0; r < b.numRows; r++) if (b.getChild('is_anomaly')!.get(r)) flagged++;
    }
    // floor(alpha(n+1))/(n+1) is the exact marginal rate; rows of one fit share its calibration set, so the
    // variance adds a between-fit part alpha(1-alpha)/(n+2) per fit (see test/models/conformal.test.ts).
    const total = 10 * perFit;
    const sd = Math.sqrt(alpha * (1 - alpha) * (1 / total + perFit / (total * (n + 2))));
    expect(Math.abs(flagged / total - alpha)).toBeLessThan(3 * sd);
  });

  it('fdr: with planted anomalies the false-discovery proportion averages at most q over 20 seeded repeats', async () => {
    const q = 0.1;
    const fdp: number[] = [];
    let found = 0;
    for (let seed = 0; seed < 20; seed++) {
      // One batch of 1000 rows, 50 of them pushed off the plane; BH runs over the batch.
      const out = await flagFresh(planeWithOutliers(1000, 0, 300 + seed), planeWithOutliers(1000, 50, 400 + seed, 1000), { method: 'fdr', q }, seed);
      let flags = 0;
      let falseFlags = 0;
      for (const b of out) {
        for (let r = 0; r < b.numRows; r++) {
          if (!b.getChild('is_anomaly')!.get(r)) continue;
          flags++;
          if (b.getChild('outlier')!.get(r) === 0) falseFlags++;
          else found++;
        }
      }
      fdp.push(flags === 0 ? 0 : falseFlags / flags);
    }
    const mean = fdp.reduce((a, b) => a + b, 0) / fdp.length;
    // BH controls FDR at q·m0/m = 0.095; the mean of 20 FDPs has an sd of about 0.01 here, so 0.02 spare.
    expect(mean).toBeLessThanOrEqual(q + 0.02);
    // And it is not vacuous: most planted anomalies are found.
    expect(found / (20 * 50)).toBeGreaterThan(0.8);
  });

  it('p_value column holds (1 + #{calibration >= score}) / (n + 1) next to the flags', async () => {
    const out = await flagFresh(planeWithOutliers(400, 0, 1), planeWithOutliers(300, 3, 2), { method: 'fpr', alpha: 0.05 });
    const p = out.flatMap((b) => numbers(b, 'p_value'));
    expect(out[0].schema.fields.map((f) => f.name).slice(-3)).toEqual(['score', 'p_value', 'is_anomaly']);
    const n = 200;
    for (const v of p) {
      expect(v).toBeGreaterThanOrEqual(1 / (n + 1));
      expect(v).toBeLessThanOrEqual(1);
      // Always a count over n + 1.
      expect(Math.abs(v * (n + 1) - Math.round(v * (n + 1)))).toBeLessThan(1e-9);
    }
    out.forEach((b) => numbers(b, 'p_value').forEach((v, r) => expect(Boolean(b.getChild('is_anomaly')!.get(r))).toBe(v <= 0.05)));
  });

  it('a model fitted without calibrationSplit refuses fpr with a ModelStateError naming it', async () => {
    const ctx = testContext({ stageId: 'm' });
    const fit = pcaFit.create(pcaFit.params.parse({ exclude: ['outlier'], k: 2 }), ctx);
    const scoring = score.create(score.params.parse({ model: 'm' }), { ...ctx, stageId: 'score' });
    const flagging = threshold.create(threshold.params.parse({ model: 'm', rule: { method: 'fdr', q: 0.1 } }), { ...ctx, stageId: 'threshold' });
    await expect(collect(flagging.transform(scoring.transform(fit.transform(fromArray(planeWithOutliers(300, 0, 1))))))).rejects.toThrow(ModelStateError);
    await expect(
      collect(threshold.create(threshold.params.parse({ model: 'm', rule: { method: 'fdr', q: 0.1 } }), { ...ctx, stageId: 't2' }).transform(fromArray(planeWithOutliers(10, 0, 1)))),
    ).rejects.toThrow(/calibrationSplit/);
    await fit.close();
  });

  it('fpr and fdr without a model, or score rules with one, are spec errors', () => {
    expect(threshold.params.safeParse({ rule: { method: 'fpr', alpha: 0.01 } }).success).toBe(false);
    expect(threshold.params.safeParse({ model: 'm', rule: { method: 'percentile', value: 99 } }).success).toBe(false);
    expect(threshold.params.safeParse({ model: 'm', rule: { method: 'fdr', q: 0.05 } }).success).toBe(true);
    expect(threshold.params.safeParse({ model: 'm', rule: { method: 'fpr', alpha: 1 } }).success).toBe(false);
  });

  /** A threshold stage reading calibration scores 1..99 from a published stand-in model (no fit needed). */
  function onCalibration(rule: Record<string, unknown>, extra: Record<string, unknown> = {}) {
    const ctx = testContext({ stageId: 'threshold' });
    ctx.models.declare('m');
    ctx.models.publish('m', { calibration: { fraction: 0.5, scores: Array.from({ length: 99 }, (_, i) => i + 1) } });
    return threshold.create(threshold.params.parse({ model: 'm', rule, ...extra }), ctx);
  }
  const scoreBatch = (scores: number[], extra: Record<string, unknown> = {}) => tableFromArrays({ score: Float64Array.from(scores), ...extra }).batches[0] as RecordBatch;
  const flagsOf = (b: RecordBatch) => Array.from({ length: b.numRows }, (_, r) => Boolean(b.getChild('is_anomaly')!.get(r)));

  it('fdr runs Benjamini-Hochberg over each batch alone: a batch gets the same flags whatever batches come before it', async () => {
    // p of score s is (1 + #{c >= s}) / 100: 99.5 -> 0.01, 98.5 -> 0.02, 50.5 -> 0.5.
    const strong = scoreBatch([99.5, 98.5, 50.5, 10]);
    const alone = await collect(onCalibration({ method: 'fdr', q: 0.1 }).transform(fromArray([strong])));
    const weak = scoreBatch(Array.from({ length: 40 }, (_, i) => i + 0.5));
    const after = await collect(onCalibration({ method: 'fdr', q: 0.1 }).transform(fromArray([weak, strong])));
    expect(flagsOf(alone[0])).toEqual([true, true, false, false]);
    expect(flagsOf(after[1])).toEqual(flagsOf(alone[0]));
    expect(flagsOf(after[0]).some(Boolean)).toBe(false);
  });

  it('a NaN score gets a NaN p_value and is never flagged; a p_value input column is a collision naming outputPrefix', async () => {
    const [out] = await collect(onCalibration({ method: 'fpr', alpha: 0.5 }).transform(fromArray([scoreBatch([Number.NaN, 1000])])));
    expect(numbers(out, 'p_value')[0]).toBeNaN();
    expect(numbers(out, 'p_value')[1]).toBeCloseTo(0.01, 12);
    expect(flagsOf(out)).toEqual([false, true]);
    const clash = scoreBatch([1], { p_value: Float64Array.from([0.3]) });
    await expect(collect(onCalibration({ method: 'fpr', alpha: 0.5 }).transform(fromArray([clash])))).rejects.toThrow(/outputPrefix/);
    const [renamed] = await collect(onCalibration({ method: 'fpr', alpha: 0.5 }, { outputPrefix: 'lf_' }).transform(fromArray([clash])));
    expect(renamed.schema.fields.map((f) => f.name)).toEqual(['score', 'p_value', 'lf_p_value', 'lf_is_anomaly']);
  });

  it('an alpha no p-value from the calibration scores can reach is refused naming alpha and the rows needed', async () => {
    await expect(collect(onCalibration({ method: 'fpr', alpha: 0.005 }).transform(fromArray([scoreBatch([1])])))).rejects.toThrow(/alpha.*at least 199 calibration rows/);
  });
});
