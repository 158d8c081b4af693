import type { RecordBatch } from 'apache-arrow';
import { beforeAll, describe, expect, test } from 'vitest';
import type { Autoencoder } from '../../src/models/autoencoder/autoencoder.js';
import type { Detector } from '../../src/models/detector.js';
import { selectBackend } from '../../src/runtime/backend.js';
import { autoencoderFit } from '../../src/stages/autoencoder-fit.js';
import { reconstruct } from '../../src/stages/reconstruct.js';
import { score } from '../../src/stages/score.js';
import { collect, fromArray, testContext } from '../helpers/context.js';
import { numbers, planeWithOutliers } from '../helpers/data.js';

const FEATURES = ['f0', 'f1', 'f2', 'f3', 'f4', 'f5'];
const input: RecordBatch[] = planeWithOutliers(300, 6, 3, 100);

beforeAll(async () => {
  await selectBackend();
});

describe('autoencoder-fit variant options and the reconstruct stage', () => {
  test('model options from the stage params reach the model, and r_<feature> columns are reconstructions in raw units', async () => {
    const ctx = testContext({ stageId: 'ae' });
    const fit = autoencoderFit.create(
      autoencoderFit.params.parse({
        exclude: ['outlier'],
        model: { codeSize: 2, epochs: 3, scoreBy: 'reconstruction', codeActivation: 'relu', sparsity: { type: 'l1', weight: 1e-3 }, denoising: { type: 'gaussian', sigma: 0.1 } },
      }),
      ctx,
    );
    await collect(fit.transform(fromArray(input)));
    const detector = await ctx.models.get<Detector>('ae');
    const config = (detector.model as Autoencoder).config;
    expect(config.sparsity).toEqual({ type: 'l1', weight: 1e-3 });
    expect(config.denoising).toEqual({ type: 'gaussian', sigma: 0.1, clip: null });

    const rebuilt = await collect(reconstruct.create(reconstruct.params.parse({ model: 'ae' }), ctx).transform(fromArray(input)));
    const scored = await collect(score.create(score.params.parse({ model: 'ae' }), ctx).transform(fromArray(input)));
    const scale = detector.scaler.scale;
    expect(rebuilt.map((b) => b.numRows)).toEqual([100, 100, 100]);
    rebuilt.forEach((batch, i) => {
      expect(batch.schema.fields.map((f) => f.name)).toEqual([...input[i].schema.fields.map((f) => f.name), ...FEATURES.map((f) => `r_${f}`)]);
      const s = numbers(scored[i], 'score');
      // The score is the mean squared error in scaled units, so un-scaling r_ must give it back.
      for (const r of [0, 37, 99]) {
        const error = FEATURES.reduce((sum, f, c) => sum + ((numbers(batch, f)[r] - numbers(batch, `r_${f}`)[r]) / scale[c]) ** 2, 0) / 6;
        expect(error).toBeCloseTo(s[r], 4);
      }
    });
    await fit.close();
  });
});
