import { z } from 'zod';
import { pickOptions, withDefaults } from '../models/option-schema.js';
import { TSNE_MAX_ROWS, TsneModel, tooManyRowsError } from '../models/tsne.js';
import { tsneLayoutShape } from '../models/tsne-options.js';
import { deriveSeed } from '../models/random.js';
import { defineStage } from '../contract/stage.js';
import { mapInputParams, mapStage, refineMapParams } from './shared/map-stage.js';

const params = z
  .strictObject({
    ...mapInputParams,
    // The model's own layout options, defaults applied: the same ranges and messages as `new TsneModel(options)`.
    ...withDefaults(tsneLayoutShape),
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
        const model = new TsneModel({ ...pickOptions(p, tsneLayoutShape), seed });
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
