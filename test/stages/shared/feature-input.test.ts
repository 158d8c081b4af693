import { makeVector, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';
import { fitDetector } from '../../../src/index.js';
import { selectBackend } from '../../../src/runtime/backend.js';
import { autoencoderFit } from '../../../src/stages/autoencoder-fit.js';
import { score } from '../../../src/stages/score.js';
import { collect, fromArray, testContext } from '../../helpers/context.js';
import { numbers } from '../../helpers/data.js';
import { rocAuc } from '../../../src/evaluation/metrics.js';
import { deviceTable, labels } from '../../helpers/mixed-data.js';

/**
 * Issue 16: a mixed-type fit sees anomalies that only a category x number combination shows. The same
 * seeded data: numeric features alone score near chance, the mixed default (features: auto) finds them.
 */
const train = deviceTable(3000, 0, 1);
const test = deviceTable(2000, 0.05, 2);
const model = {};

beforeAll(async () => {
  await selectBackend();
});

describe('mixed-type features', () => {
  it('numeric-only scoring is near chance on a category x number anomaly, features: auto reaches ROC-AUC >= 0.95', async () => {
    const numeric = await fitDetector(train, { exclude: ['label'], model, seed: 7 });
    const mixed = await fitDetector(train, { features: 'auto', exclude: ['label', 'id'], model, seed: 7 });
    try {
      expect(numeric.features).toEqual(['value', 'noise']);
      expect(mixed.features).toEqual(['device', 'value', 'noise']);
      const y = labels(test);
      const numericAuc = rocAuc(numeric.score(test), y);
      const mixedAuc = rocAuc(mixed.score(test), y);
      expect(Math.abs(numericAuc - 0.5)).toBeLessThan(0.1);
      expect(mixedAuc).toBeGreaterThanOrEqual(0.95);
    } finally {
      numeric.dispose();
      mixed.dispose();
    }
  }, 120_000);

  it('PCA on the encoded matrix: the linear baseline fits and scores the same mixed columns', async () => {
    const pca = await fitDetector(train, { type: 'pca', features: 'auto', exclude: ['label', 'id'], seed: 7 });
    try {
      expect(pca.features).toEqual(['device', 'value', 'noise']);
      const scores = pca.score(test);
      expect(scores.every((s) => Number.isFinite(s))).toBe(true);
      expect(rocAuc(scores, labels(test))).toBeGreaterThan(0.5);
    } finally {
      pca.dispose();
    }
  }, 60_000);
});

describe('mixed-type models in the fit -> score stages', () => {
  async function fitAndScore(trainTable: Table, scoreTable: Table, fitParams: Record<string, unknown>) {
    const ctx = testContext({ stageId: 'm' });
    const fit = autoencoderFit.create(autoencoderFit.params.parse({ features: 'auto', exclude: ['label', 'id'], model: { epochs: 5 }, ...fitParams }), ctx);
    await collect(fit.transform(fromArray(trainTable.batches)));
    const scoring = score.create(score.params.parse({ model: 'm', featureErrors: true }), { ...ctx, stageId: 'score' });
    const out = await collect(scoring.transform(fromArray(scoreTable.batches)));
    const stats = scoring.stats?.();
    await scoring.close();
    await fit.close();
    return { out, stats };
  }

  it('pass every input column through exactly as it came, and give err_* per original column whose row mean is the score', async () => {
    const small = deviceTable(400, 0.05, 3);
    const { out } = await fitAndScore(small, small, {});
    const input = small.batches;
    expect(out.length).toBe(input.length);
    out.forEach((batch, i) => {
      const names = input[i].schema.fields.map((f) => f.name);
      expect(batch.schema.fields.map((f) => f.name)).toEqual([...names, 'score', 'err_device', 'err_value', 'err_noise']);
      for (const name of names) {
        // The same Arrow data (type, values, nulls): shared, never re-parsed.
        expect(String(batch.getChild(name)!.type)).toBe(String(input[i].getChild(name)!.type));
        expect(batch.getChild(name)!.toArray()).toEqual(input[i].getChild(name)!.toArray());
      }
      const s = numbers(batch, 'score');
      const errs = ['err_device', 'err_value', 'err_noise'].map((c) => numbers(batch, c));
      s.forEach((v, r) => expect((errs[0][r] + errs[1][r] + errs[2][r]) / 3).toBeCloseTo(v, 4));
    });
  }, 60_000);

  it('count categorical values unseen at fit in the score stats (unknownValues), and score those rows higher', async () => {
    const trainTable = deviceTable(400, 0, 4);
    const scoredTable = new Table({
      id: vectorFromArray(['x', 'y'], new Utf8()),
      device: vectorFromArray(['A', 'Z'], new Utf8()),
      value: makeVector(Float64Array.from([0, 0])),
      noise: makeVector(Float64Array.from([0, 0])),
      label: makeVector(Int32Array.from([0, 1])),
    });
    const { out, stats } = await fitAndScore(trainTable, scoredTable, { model: { epochs: 30 } });
    expect(stats).toMatchObject({ rows: 2, unknownValues: 1 });
    const s = numbers(out[0], 'score');
    expect(s[1]).toBeGreaterThan(s[0]);
  }, 60_000);
});
