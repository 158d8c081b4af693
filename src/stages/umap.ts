import { z } from 'zod';
import { DataError } from '../errors.js';
import { takeRows } from '../models/matrix.js';
import { deriveSeed, sampleSplit, seededRandom } from '../models/random.js';
import { pickOptions, withDefaults } from '../models/option-schema.js';
import { UmapModel } from '../models/umap.js';
import { refineUmapOptions, umapLayoutShape } from '../models/umap-options.js';
import { defineStage } from '../contract/stage.js';
import { mapInputParams, mapStage, refineMapParams } from './shared/map-stage.js';

const params = z
  .strictObject({
    ...mapInputParams,
    // The model's own layout options, defaults applied: the same ranges and messages as `new UmapModel(options)`.
    ...withDefaults(umapLayoutShape),
    sampleRows: z
      .number()
      .int()
      .positive()
      // 50,000: at 20,000 and 50,000 rows a full fit maps as trustworthily as umap-learn (0.959-0.960), where a
      // 10,000-row sample + transform lost 0.015-0.026 and was slower at 20,000 (BENCHMARKS.md, "UMAP on real sizes").
      .default(50_000)
      .describe('Fit on a seeded sample of at most this many rows (rows) and place the others with the fitted model; raise it to fit on all'),
    maxRows: z.number().int().positive().default(5_000_000).describe('Most rows held in memory (rows; every row waits for the fit); more is an error'),
  })
  .superRefine((p, ctx) => {
    refineMapParams(p, ctx);
    refineUmapOptions(p, ctx);
    if (p.sampleRows <= p.nNeighbors) {
      ctx.addIssue({ code: 'custom', path: ['sampleRows'], message: `sampleRows=${p.sampleRows} must exceed nNeighbors=${p.nNeighbors}` });
    }
  });

/**
 * UMAP map (umap-js) of the incoming rows: fits on all rows, or on a seeded sample of `sampleRows` and places
 * the rest with the fitted model, then passes every row on with coordinate columns x, y appended.
 */
export const umap = defineStage({
  type: 'umap',
  kind: 'transform',
  description: 'UMAP 2-D (or n-D) map of the rows, e.g. of encode codes: appends x, y; fits a seeded sample and places the rest',
  params,
  create(p, ctx) {
    const seed = deriveSeed(ctx.seed, `${ctx.stageId}:umap`);
    return mapStage(
      'umap',
      p,
      ctx,
      async (x) => {
        const model = new UmapModel({ ...pickOptions(p, umapLayoutShape), seed });
        // Rows to fit on, ascending; the others are placed by transform. A sample drawn from the pipeline seed
        // keeps the map reproducible.
        const isSampled = x.rows > p.sampleRows;
        const split = isSampled ? sampleSplit(x.rows, p.sampleRows, seededRandom(deriveSeed(ctx.seed, `${ctx.stageId}:umap-sample`))) : null;
        const fitRows = split?.chosen ?? null;
        const restRows = split?.rest ?? null;
        const fitX = fitRows ? takeRows(x, fitRows) : x;

        ctx.logger.info(
          { fitRows: fitX.rows, placeRows: restRows?.length ?? 0, nNeighbors: p.nNeighbors, epochs: model.epochsFor(fitX.rows) },
          `umap: building the neighbour graph of ${fitX.rows} rows${isSampled ? ` (a seeded sample of ${x.rows})` : ''}`,
        );
        const fitStarted = performance.now();
        const bar = ctx.progress.start('umap', model.epochsFor(fitX.rows), 'epochs');
        let fitted;
        try {
          fitted = await model.fit(fitX, {
            signal: ctx.signal,
            onEpoch: (log) => {
              bar.update(log.epoch);
              if (log.epoch % 50 === 0) ctx.logger.debug({ ...log }, 'umap epoch');
            },
          });
        } finally {
          bar.stop();
        }
        const fitMs = Math.round(performance.now() - fitStarted);
        if (!fitRows || !restRows) return { coords: fitted, stats: { fitRows: x.rows, placedRows: 0, epochs: model.epochs, fitMs } };

        const k = p.nComponents;
        const coords = new Float32Array(x.rows * k);
        fitRows.forEach((row, i) => coords.set(fitted.data.subarray(i * k, (i + 1) * k), row * k));
        const placeStarted = performance.now();
        const placeBar = ctx.progress.start('umap placing', restRows.length, 'rows');
        let placed;
        try {
          placed = await model.transform(takeRows(x, restRows), { signal: ctx.signal, onProgress: (log) => placeBar.update(log.rows) });
        } finally {
          placeBar.stop();
        }
        restRows.forEach((row, i) => coords.set(placed.data.subarray(i * k, (i + 1) * k), row * k));
        const transformMs = Math.round(performance.now() - placeStarted);
        return {
          coords: { data: coords, rows: x.rows, cols: k },
          stats: {
            fitRows: fitRows.length,
            placedRows: restRows.length,
            epochs: model.epochs,
            transformEpochs: model.transformEpochsFor(restRows.length),
            fitMs,
            transformMs,
          },
        };
      },
      (rows) =>
        new DataError(`umap: more than maxRows=${p.maxRows} rows; raise maxRows (every row is held until the map is fitted)`, {
          expected: `at most ${p.maxRows} rows`,
          received: `${rows}+ rows`,
        }),
    );
  },
});
