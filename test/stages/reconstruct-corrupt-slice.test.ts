import { tableFromArrays, type RecordBatch } from 'apache-arrow';
import { beforeAll, describe, expect, test } from 'vitest';
import type { Autoencoder } from '../../src/models/autoencoder/autoencoder.js';
import type { Detector } from '../../src/models/detector.js';
import { selectBackend } from '../../src/runtime/backend.js';
import { autoencoderFit } from '../../src/stages/autoencoder-fit.js';
import { corrupt } from '../../src/stages/corrupt.js';
import { reconstruct } from '../../src/stages/reconstruct.js';
import { score } from '../../src/stages/score.js';
import { slice } from '../../src/stages/slice.js';
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

describe('corrupt', () => {
  const run = async (params: Record<string, unknown>, batches: RecordBatch[] = input) =>
    collect(corrupt.create(corrupt.params.parse({ exclude: ['outlier'], ...params }), testContext({ stageId: 'noise' })).transform(fromArray(batches)));

  test('gaussian noise has the requested sd, keeps other columns and the clean copies, and does not depend on batch sizes', async () => {
    const out = await run({ noise: { type: 'gaussian', sigma: 0.1 }, originalPrefix: 'clean_' });
    const diffs = out.flatMap((b) => FEATURES.flatMap((f) => numbers(b, f).map((v, r) => v - numbers(b, `clean_${f}`)[r])));
    const mean = diffs.reduce((a, b) => a + b, 0) / diffs.length;
    const sd = Math.sqrt(diffs.reduce((a, d) => a + (d - mean) ** 2, 0) / diffs.length);
    expect(diffs.length).toBe(1800);
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(sd).toBeGreaterThan(0.09);
    expect(sd).toBeLessThan(0.11);
    out.forEach((b, i) => {
      expect(numbers(b, 'clean_f0')).toEqual(numbers(input[i], 'f0'));
      expect(numbers(b, 'outlier')).toEqual(numbers(input[i], 'outlier'));
      expect(b.getChild('id')!.get(0)).toBe(input[i].getChild('id')!.get(0));
    });
    const whole = tableFromArrays(Object.fromEntries(input[0].schema.fields.map((f) => [f.name, input.flatMap((b) => Array.from(b.getChild(f.name)!.toArray() as ArrayLike<unknown>))])) as never);
    const oneBatch = await run({ noise: { type: 'gaussian', sigma: 0.1 }, originalPrefix: 'clean_' }, whole.batches as unknown as RecordBatch[]);
    expect(numbers(oneBatch[0], 'f3')).toEqual(out.flatMap((b) => numbers(b, 'f3')));
  });

  test('masking noise zeroes about dropProbability of the values; clip bounds the output', async () => {
    const masked = await run({ noise: { type: 'mask', dropProbability: 0.3 } });
    const values = masked.flatMap((b) => FEATURES.flatMap((f) => numbers(b, f)));
    const zeros = values.filter((v) => v === 0).length / values.length;
    expect(zeros).toBeGreaterThan(0.25);
    expect(zeros).toBeLessThan(0.35);
    const clipped = await run({ noise: { type: 'gaussian', sigma: 1 }, clip: [-0.5, 0.5] });
    const all = clipped.flatMap((b) => FEATURES.flatMap((f) => numbers(b, f)));
    expect(Math.min(...all)).toBeGreaterThanOrEqual(-0.5);
    expect(Math.max(...all)).toBeLessThanOrEqual(0.5);
  });

  test('null feature values stay null', async () => {
    const table = tableFromArrays({ a: [1, null, 3] as never, b: Float64Array.from([1, 2, 3]) });
    const [out] = await collect(
      corrupt.create(corrupt.params.parse({ noise: { type: 'gaussian', sigma: 0.1 } }), testContext()).transform(fromArray(table.batches as unknown as RecordBatch[])),
    );
    expect(out.getChild('a')!.get(1)).toBeNull();
    expect(out.getChild('a')!.nullCount).toBe(1);
  });
});

describe('slice', () => {
  test('passes rows [offset, offset + rows) across batch boundaries, in order', async () => {
    const out = await collect(slice.create(slice.params.parse({ offset: 150, rows: 120 }), testContext()).transform(fromArray(input)));
    expect(out.map((b) => b.numRows)).toEqual([50, 70]);
    expect(out.flatMap((b) => Array.from({ length: b.numRows }, (_, r) => b.getChild('id')!.get(r)))).toEqual(
      Array.from({ length: 120 }, (_, i) => `row-${150 + i}`),
    );
    const tail = await collect(slice.create(slice.params.parse({ offset: 250 }), testContext()).transform(fromArray(input)));
    expect(tail.reduce((n, b) => n + b.numRows, 0)).toBe(50);
  });

  test('stops pulling its input once the rows are through', async () => {
    let pulled = 0;
    let released = false;
    async function* source() {
      try {
        for (let i = 0; i < 1000; i++) {
          pulled++;
          yield input[i % 3];
        }
      } finally {
        released = true;
      }
    }
    const out = await collect(slice.create(slice.params.parse({ rows: 150 }), testContext()).transform(source()));
    expect(out.reduce((n, b) => n + b.numRows, 0)).toBe(150);
    expect(pulled).toBe(2);
    expect(released).toBe(true);
  });
});
