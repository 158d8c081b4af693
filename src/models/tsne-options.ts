import type { z } from 'zod';
import { option, optionKit, withDefaults } from './option-schema.js';

/**
 * The options of `TsneModel`, declared once: the constructor validates with this schema (and takes every
 * default from it), the `tsne` stage takes the layout options as params, and `latentflow list` shows their
 * descriptions and defaults. Defaults follow scikit-learn's `TSNE` (>= 1.2) and openTSNE: perplexity 30,
 * early exaggeration 12 for 250 iterations, learning rate `auto`, PCA initialisation, Barnes-Hut angle 0.5.
 */

/**
 * Rows `fit` accepts by default. 1,000 iterations took about 4 s for 1,000 rows, 11 s for 2,000 and 50 s for
 * 5,000 on a busy 2-core machine; beyond that UMAP with a sample is the better tool.
 */
export const TSNE_MAX_ROWS = 5_000;

const k = optionKit('tsne');

/** How the map is laid out: every option but the seed (which a stage derives from the pipeline seed). */
export const tsneLayoutShape = {
  nComponents: option(k.number({ isInteger: true, min: 1, max: 3 }), 2, 'Output dimensions, 1 to 3 (the Barnes-Hut tree splits every output axis): 2 for a map (x, y), 3 adds z'),
  perplexity: option(
    k.number({ gt: 0 }, 'a number > 0 (typically 5-50)'),
    30,
    'Effective neighbours per row (typically 5-50; below the row count); its 3 x perplexity nearest neighbours enter the similarities',
  ),
  iterations: option(k.number({ isInteger: true, min: 1 }), 1000, 'Gradient-descent iterations in total, early exaggeration included'),
  learningRate: option(
    k.either(k.oneOf(['auto']), k.number({ gt: 0 }), 'a number > 0 or "auto"'),
    'auto',
    'Step size, > 0, or auto = max(rows / earlyExaggeration / 4, 50) (Belkina et al. 2019)',
  ),
  earlyExaggeration: option(k.number({ min: 1 }), 12, 'Factor on input similarities in the first iterations, >= 1; separates clusters early'),
  earlyExaggerationIterations: option(k.number({ isInteger: true, min: 0 }), 250, 'Iterations with early exaggeration (and momentum 0.5; 0.8 afterwards)'),
  theta: option(
    k.number({ min: 0, max: 1 }, 'in [0, 1] (0 is exact)'),
    0.5,
    'Barnes-Hut accuracy in [0, 1]: a cell of width w at distance r is summarised when w / r < theta; 0 is exact O(n^2), larger is faster and coarser',
  ),
  init: option(
    k.oneOf(['pca', 'random']),
    'pca',
    'Starting layout: pca (the first principal components, sd 1e-4; global layout kept, no randomness; random when there are fewer columns or rows than nComponents) or random (seeded Gaussian)',
  ),
  maxRows: option(k.number({ isInteger: true, min: 1 }), TSNE_MAX_ROWS, 'Most rows (t-SNE is for small sets); more is an error that suggests the umap stage or a sample'),
};

const seed = option(k.number({ isInteger: true }), 0, 'Seed of the random initialisation');

/** Every t-SNE option. */
export const tsneOptions = k.object({ ...tsneLayoutShape, seed }, 'an options object');

/** The same options with every default filled in by the parse: what the model runs with. */
export const resolvedTsneOptions = k.object(withDefaults({ ...tsneLayoutShape, seed }), 'an options object');

/** Options of `TsneModel`; every one is optional. */
export type TsneConfig = z.input<typeof tsneOptions>;
