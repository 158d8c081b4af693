import type { z } from 'zod';
import { derivedOption, option, optionKit } from './option-schema.js';

/**
 * The options of `UmapModel`, declared once: the constructor validates with this schema, the `umap` stage
 * takes the layout options as params, and `latentflow list` shows their descriptions and defaults. The
 * defaults are umap-js's and umap-learn's; the algorithm is umap-js's (its `src/umap.ts`).
 */

/** Defaults of the options that do not depend on the data. */
export const UMAP_DEFAULTS = { nComponents: 2, nNeighbors: 15, minDist: 0.1, spread: 1, metric: 'euclidean', seed: 0 } as const;

const k = optionKit('umap');
const D = UMAP_DEFAULTS;
const positiveInt = k.number({ isInteger: true, min: 1 });

/** How the map is laid out: every option but the seed (which a stage derives from the pipeline seed). */
export const umapLayoutShape = {
  nComponents: option(positiveInt, D.nComponents, 'Output dimensions: 2 for a map (x, y), 3 for a 3-D view, more as a compact input for clustering'),
  nNeighbors: option(
    k.number({ isInteger: true, min: 2 }),
    D.nNeighbors,
    'Neighbours of each row in the UMAP graph, below the number of fitted rows: small keeps local detail, large more global layout',
  ),
  minDist: option(k.number({ min: 0 }), D.minDist, 'Smallest distance between mapped points (output units, at most spread): small packs clusters tightly'),
  spread: option(k.number({ gt: 0 }), D.spread, 'Scale of the mapped points (output units); with minDist, how spread out clusters are'),
  nEpochs: derivedOption(positiveInt, 'Optimisation epochs of the fit (default by fitted rows, as umap-js: 500 up to 2,500, 400 up to 5,000, 300 up to 7,500, else 200)'),
  transformEpochs: derivedOption(
    positiveInt,
    "Epochs that place each new row (default round(nEpochs / 3) when nEpochs is set, else umap-learn's rule: 100 when one transform places up to 10,000 rows, 30 above)",
  ),
  metric: option(k.oneOf(['euclidean', 'cosine']), D.metric, 'Distance between input rows; cosine for direction-only data'),
};

/** The rule between layout options: points cannot be kept further apart than the scale of the map. */
export function refineUmapOptions(c: { minDist?: number; spread?: number }, ctx: z.core.$RefinementCtx): void {
  const minDist = c.minDist ?? D.minDist;
  const spread = c.spread ?? D.spread;
  if (minDist > spread) ctx.addIssue({ code: 'custom', path: ['minDist'], message: k.message(`minDist=${minDist} must not exceed spread=${spread}`) });
}

/** Every UMAP option and the rule between them. */
export const umapOptions = k
  .object(
    {
      ...umapLayoutShape,
      seed: option(k.number({ isInteger: true }), D.seed, 'Seed of the neighbour search, the initial layout and the negative sampling'),
    },
    'an options object',
  )
  .superRefine(refineUmapOptions);

/** Options of `UmapModel`; every one is optional. */
export type UmapConfig = z.input<typeof umapOptions>;
