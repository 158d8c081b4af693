import { Float32, vectorFromArray, type RecordBatch } from 'apache-arrow';
import { z } from 'zod';
import { float32Column, replaceColumns, withColumns, type NamedColumn } from '../io/batch.js';
import { numericColumnReader, resolveFeatures } from '../io/features.js';
import { deriveSeed, gaussian, seededRandom, type Random } from '../models/random.js';
import { defineStage } from '../contract/stage.js';
import { excludeParam, featuresParam } from './shared/params.js';

const params = z.strictObject({
  features: featuresParam,
  exclude: excludeParam,
  noise: z
    .discriminatedUnion('type', [
      z.strictObject({
        type: z.literal('gaussian'),
        sigma: z.number().positive().describe('Standard deviation of the added noise, in the column units'),
      }),
      z.strictObject({
        type: z.literal('mask'),
        dropProbability: z.number().gt(0).lt(1).describe('Probability that a value is set to 0'),
      }),
    ])
    .describe('Noise: {type: gaussian, sigma} adds N(0, sigma²); {type: mask, dropProbability} zeroes values'),
  clip: z.tuple([z.number(), z.number()]).optional().describe('Clip corrupted values to [min, max], e.g. [0, 1] for pixels (default none)'),
  originalPrefix: z
    .string()
    .min(1)
    .optional()
    .describe('Also keep the clean values as columns <originalPrefix><feature> (default: not kept)'),
});

/**
 * Replaces feature columns by seeded noisy copies (float32): to show what a denoising autoencoder does, or
 * to test a model's robustness. Noise is drawn row by row from a generator seeded by the pipeline seed and the
 * stage id, so the output does not depend on batch sizes. Null values stay null.
 */
export const corrupt = defineStage({
  type: 'corrupt',
  kind: 'transform',
  description: 'Adds seeded Gaussian or masking noise to feature columns (optionally keeping the clean copies)',
  params,
  create(p, ctx) {
    let rows = 0;
    return {
      kind: 'transform',
      async *transform(input) {
        const random = seededRandom(deriveSeed(ctx.seed, `${ctx.stageId}:corrupt`));
        let features: string[] | undefined;
        let batchIndex = 0;
        for await (const batch of input) {
          features ??= resolveFeatures(batch.schema, p.features, p.exclude);
          rows += batch.numRows;
          yield corruptBatch(batch, batchIndex++, features, p, random);
        }
      },
      async close() {},
      stats: () => ({ rows }),
    };
  },
});

function corruptBatch(batch: RecordBatch, batchIndex: number, features: string[], p: z.output<typeof params>, random: Random): RecordBatch {
  const n = batch.numRows;
  const clean = features.map((name) => batch.getChild(name)!);
  const read = features.map((name) => numericColumnReader(batch, batchIndex, name));
  const noisy = features.map(() => new Float32Array(n));
  // Row-major draws: the sequence of noise values is the same whatever the batch boundaries.
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < features.length; c++) {
      const v = read[c](r) ?? NaN;
      let out = p.noise.type === 'gaussian' ? v + p.noise.sigma * gaussian(random) : random() < p.noise.dropProbability ? 0 : v;
      if (p.clip) out = Math.min(p.clip[1], Math.max(p.clip[0], out));
      noisy[c][r] = out;
    }
  }
  const originals: NamedColumn[] = [];
  const columns: NamedColumn[] = [];
  features.forEach((name, c) => {
    if (p.originalPrefix !== undefined) originals.push({ name: `${p.originalPrefix}${name}`, vector: clean[c] });
    if (clean[c].nullCount === 0) {
      columns.push(float32Column(name, noisy[c]));
    } else {
      const values = Array.from(noisy[c], (v, r) => (clean[c].isValid(r) ? v : null));
      columns.push({ name, vector: vectorFromArray(values, new Float32()) });
    }
  });
  // Replacing the features is this stage's documented purpose; the clean copies are new columns, so they
  // may not replace an input column.
  return withColumns(replaceColumns(batch, columns), originals, { stage: 'corrupt', option: 'originalPrefix' });
}
