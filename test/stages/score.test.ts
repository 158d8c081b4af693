import * as tf from '../../src/runtime/tf.js';
import { tableFromArrays, type RecordBatch } from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';
import { DataError } from '../../src/errors.js';
import { sourceMetadata } from '../../src/io/batch-meta.js';
import { withMetadata } from '../../src/io/batch.js';
import { rocAuc } from '../../src/evaluation/metrics.js';
import type { StageContext } from '../../src/contract/stage.js';
import { selectBackend } from '../../src/runtime/backend.js';
import { autoencoderFit } from '../../src/stages/autoencoder-fit.js';
import { encode } from '../../src/stages/encode.js';
import { pcaFit } from '../../src/stages/pca-fit.js';
import { score } from '../../src/stages/score.js';
import { threshold } from '../../src/stages/threshold.js';
import { collect, fromArray, testContext } from '../helpers/context.js';
import { numbers, planeWithOutliers } from '../helpers/data.js';

beforeAll(async () => {
  await selectBackend();
});

/** fit(id) -> score -> threshold, all sharing one context as the runner would. */
async function fitScoreFlag(batches: RecordBatch[], fitParams: Record<string, unknown>, kind: 'pca' | 'ae' = 'pca') {
  const ctx = testContext({ stageId: 'm' });
  const fitDef = kind === 'pca' ? pcaFit : autoencoderFit;
  const fit = fitDef.create(fitDef.params.parse({ exclude: ['outlier'], threshold: { method: 'contamination', value: 0.02 }, ...fitParams }) as never, ctx);
  const scoring = score.create(score.params.parse({ model: 'm' }), { ...ctx, stageId: 'score' });
  const flagging = threshold.create(threshold.params.parse({ model: 'm' }), { ...ctx, stageId: 'threshold' });
  const out = await collect(flagging.transform(scoring.transform(fit.transform(fromArray(batches)))));
  const stats = { fit: fit.stats?.(), threshold: flagging.stats?.() };
  await flagging.close();
  await scoring.close();
  await fit.close();
  return { out, stats, ctx };
}

describe('fit -> score -> threshold stages', () => {
  it('pass every input column through and keep row order, adding score and is_anomaly', async () => {
    const batches = planeWithOutliers(1200, 24, 1, 400);
    const { out } = await fitScoreFlag(batches, { k: 2 });
    expect(out.length).toBe(3);
    out.forEach((b, i) => {
      expect(b.schema.fields.map((f) => f.name)).toEqual([...batches[i].schema.fields.map((f) => f.name), 'score', 'is_anomaly']);
      expect(b.getChild('id')!.toArray()).toEqual(batches[i].getChild('id')!.toArray());
      expect(numbers(b, 'f3')).toEqual(numbers(batches[i], 'f3'));
    });
  });

  it('rank injected outliers on top (ROC-AUC > 0.95) and flag about the contamination fraction', async () => {
    const { out, stats } = await fitScoreFlag(planeWithOutliers(2000, 40, 2), { k: 2 });
    const scores = out.flatMap((b) => numbers(b, 'score'));
    const labels = out.flatMap((b) => numbers(b, 'outlier'));
    expect(rocAuc(scores, labels)).toBeGreaterThan(0.95);
    expect(stats.threshold!.anomalies).toBeGreaterThanOrEqual(30);
    expect(stats.threshold!.anomalies).toBeLessThanOrEqual(50);
  });

  it('never mutate the input batches', async () => {
    const batches = planeWithOutliers(600, 10, 3, 300);
    const before = batches.map((b) => ({ names: b.schema.fields.map((f) => f.name), f0: numbers(b, 'f0') }));
    await fitScoreFlag(batches, { k: 2 });
    batches.forEach((b, i) => {
      expect(b.schema.fields.map((f) => f.name)).toEqual(before[i].names);
      expect(numbers(b, 'f0')).toEqual(before[i].f0);
    });
  });

  it('name the file line and column of a missing value by default', async () => {
    const t = tableFromArrays({ a: new Float64Array([1, 2, 3, 4]), b: new Float64Array([1, 2, Number.NaN, 4]) });
    const batch = withMetadata(t.batches[0], sourceMetadata({ file: 'x.csv', firstRow: 0, firstLine: 2 }));
    const fit = pcaFit.create(pcaFit.params.parse({ k: 1 }) as never, testContext());
    const error = await collect(fit.transform(fromArray([batch]))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataError);
    expect(error).toMatchObject({ line: 4, row: 2, column: 'b', received: 'NaN' });
    expect((error as Error).message).toContain('file x.csv, line 4');
  });

  it('drop removes rows with missing values and counts them; impute fills the training mean', async () => {
    const withNull = tableFromArrays({ a: [1, 2, null, 4, 5, 6] as never, b: new Float64Array([2, 4, 6, 8, 10, 12]) }).batches[0];
    expect(withNull.getChild('a')!.nullCount).toBe(1);
    const ctx = testContext({ stageId: 'd' });
    const fit = pcaFit.create(pcaFit.params.parse({ k: 1, onMissing: 'drop' }) as never, ctx);
    const scoring = score.create(score.params.parse({ model: 'd' }), ctx);
    const out = await collect(scoring.transform(fit.transform(fromArray([withNull]))));
    expect(out[0].numRows).toBe(5);
    expect(fit.stats?.()).toMatchObject({ rows: 5, invalidRows: 1 });
    expect(scoring.stats?.()).toMatchObject({ dropped: 1 });

    const ctx2 = testContext({ stageId: 'i' });
    const fit2 = pcaFit.create(pcaFit.params.parse({ k: 1, onMissing: 'impute', scaler: 'none' }) as never, ctx2);
    const enc = encode.create(encode.params.parse({ model: 'i' }), ctx2);
    const out2 = await collect(enc.transform(fit2.transform(fromArray([withNull]))));
    expect(out2[0].numRows).toBe(6);
    const detector = await ctx2.models.get<{ missing: { imputeValues: number[] } }>('i');
    expect(detector.missing.imputeValues[0]).toBeCloseTo((1 + 2 + 4 + 5 + 6) / 5, 10);
  });

  it('fail every waiting stage when the fit fails', async () => {
    const ctx = testContext({ stageId: 'f' });
    const t = tableFromArrays({ s: ['x', 'y'] });
    const fit = pcaFit.create(pcaFit.params.parse({}) as never, ctx);
    await expect(collect(fit.transform(fromArray(t.batches)))).rejects.toBeInstanceOf(DataError);
    await expect(ctx.models.get('f')).rejects.toBeInstanceOf(DataError);
  });

  it('keep tf.memory().numTensors flat while scoring 100 batches with an autoencoder', async () => {
    const batches = planeWithOutliers(800, 8, 4, 400);
    const ctx: StageContext = testContext({ stageId: 'ae' });
    const fit = autoencoderFit.create(autoencoderFit.params.parse({ exclude: ['outlier'], model: { epochs: 3 } }) as never, ctx);
    await collect(fit.transform(fromArray(batches)));
    const scoring = score.create(score.params.parse({ model: 'ae', featureErrors: true }), ctx);
    const encoding = encode.create(encode.params.parse({ model: 'ae' }), ctx);
    const stream = (n: number) => fromArray(Array.from({ length: n }, (_, i) => batches[i % batches.length]));
    await collect(encoding.transform(scoring.transform(stream(2))));
    const before = tf.memory().numTensors;
    const out = await collect(encoding.transform(scoring.transform(stream(100))));
    expect(out.length).toBe(100);
    expect(tf.memory().numTensors).toBe(before);
    await fit.close();
  });
});
