import { z } from 'zod';
import { TSNE_MAX_ROWS, TsneModel, tooManyRowsError } from '../models/tsne.js';
import { deriveSeed } from '../models/random.js';
import { defineStage } from '../contract/stage.js';
import { mapInputParams, mapStage, refineMapParams } from './shared/map-stage.js';

const params = z
  .strictObject({
    ...mapInputParams,
    nComponents: z.number().int().min(1).max(3).default(2).describe('Output dimensions, 1 to 3: 2 for a map (x, y), 3 adds z'),
    perplexity: z.number().positive().default(30).describe('Effective neighbours per row (typically 5-50; below the row count)'),
    iterations: z.number().int().positive().default(1000).describe('Gradient-descent iterations, early exaggeration included'),
    learningRate: z
      .union([z.literal('auto'), z.number().positive()])
      .default('auto')
      .describe('Step size; auto = max(rows / earlyExaggeration / 4, 50)'),
    earlyExaggeration: z.number().min(1).default(12).describe('Factor on input similarities in the first iterations; separates clusters early'),
    earlyExaggerationIterations: z.number().int().min(0).default(250).describe('Iterations with early exaggeration'),
    theta: z.number().min(0).max(1).default(0.5).describe('Barnes-Hut accuracy: 0 is exact O(n^2), larger is faster and coarser'),
    init: z.enum(['pca', 'random']).default('pca').describe('Starting layout: pca (global layout kept, no randomness) or random (seeded)'),
    maxRows: z
      .number()
      .int()
      .positive()
      .default(TSNE_MAX_ROWS)
      .describe('Most rows (t-SNE is for small sets); more is an error that suggests the umap stage or a sample'),
  })
  .superRefine(refineMapParams);

/**
 * t-SNE map (Barnes-Hut) of a small set of rows: passes every row on with coordinate columns x, y appended.
 * Above `maxRows` it fails early with a message that points to the umap stage.
 */
export const tsne = defineStage({
  type: 'tsne',
  kind: 'transform',
  description: `t-SNE 2-D map of a small set of rows (up to maxRows, default ${TSNE_MAX_ROWS}), e.g. of encode codes: appends x, y`,
  params,
  create(p, ctx) {
    const seed = deriveSeed(ctx.seed, `${ctx.stageId}:tsne`);
    return mapStage(
      'tsne',
      p,
      ctx,
      async (x) => {
        const model = new TsneModel({
          nComponents: p.nComponents,
          perplexity: p.perplexity,
          iterations: p.iterations,
          learningRate: p.learningRate,
          earlyExaggeration: p.earlyExaggeration,
          earlyExaggerationIterations: p.earlyExaggerationIterations,
          theta: p.theta,
          init: p.init,
          maxRows: p.maxRows,
          seed,
        });
        ctx.logger.info({ perplexity: p.perplexity, learningRate: model.learningRateFor(x.rows) }, `tsne: ${x.rows} rows, ${p.iterations} iterations`);
        const bar = ctx.progress.start('tsne', p.iterations, 'iterations');
        try {
          const coords = await model.fit(x, {
            signal: ctx.signal,
            onIteration: (log) => {
              bar.update(log.iteration, log.klDivergence !== undefined ? { kl: log.klDivergence } : undefined);
              if (log.klDivergence !== undefined) ctx.logger.debug({ ...log }, 'tsne iteration');
            },
          });
          return { coords, stats: { iterations: model.iterations, klDivergence: model.klDivergence } };
        } finally {
          bar.stop();
        }
      },
      (rows) => tooManyRowsError(rows, p.maxRows),
    );
  },
});
