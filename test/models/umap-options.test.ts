import { UmapModel } from '../../src/models/umap.js';
import { type UmapConfig, umapLayoutShape } from '../../src/models/umap-options.js';
import { optionSchemaSuite } from '../helpers/option-schema-suite.js';

/** Issue 13 item 3: each umap option is declared once, in umap-options.ts; the umap stage, list and the model derive from it. */
optionSchemaSuite<UmapConfig>({
  stage: 'umap',
  shape: umapLayoutShape,
  construct: (config) => new UmapModel(config),
  listed: [
    ['nNeighbors', 'integer = 15'],
    ['minDist', 'number = 0.1'],
    ['metric', '"euclidean"|"cosine" = "euclidean"'],
  ],
  refused: [
    ['nNeighbors 1', 'nNeighbors: 1', { nNeighbors: 1 }, 'nNeighbors: umap: nNeighbors must be an integer >= 2, received 1'],
    ['spread 0', 'spread: 0', { spread: 0 }, 'spread: umap: spread must be a number > 0, received 0'],
    ['minDist above spread', 'minDist: 2', { minDist: 2 }, 'minDist: umap: minDist=2 must not exceed spread=1'],
    ['an unknown metric', 'metric: manhattan', { metric: 'manhattan' as never }, 'metric: umap: metric must be one of euclidean, cosine, received "manhattan"'],
  ],
});
