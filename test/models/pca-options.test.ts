import { PcaModel } from '../../src/models/pca.js';
import { type PcaConfig, pcaOptionShape } from '../../src/models/pca-options.js';
import { optionSchemaSuite } from '../helpers/option-schema-suite.js';

/** Issue 13 item 3: each PCA option is declared once, in pca-options.ts; `pca-fit`, `list` and the model derive from it. */
optionSchemaSuite<PcaConfig>({
  stage: 'pca-fit',
  shape: pcaOptionShape,
  construct: (config) => new PcaModel(config),
  listed: [
    ['varianceFraction', 'number = 0.95'],
    ['scoreBy', '"reconstruction"|"mahalanobis" = "mahalanobis"'],
  ],
  refused: [
    ['varianceFraction 1.2', 'varianceFraction: 1.2', { varianceFraction: 1.2 }, 'varianceFraction: pca: varianceFraction must be a number in (0, 1], received 1.2'],
    ['k 0', 'k: 0', { k: 0 }, 'k: pca: k must be a positive integer, received 0'],
    ['an unknown scoreBy', 'scoreBy: distance', { scoreBy: 'distance' as never }, 'scoreBy: pca: scoreBy must be one of reconstruction, mahalanobis, received "distance"'],
    ['k and varianceFraction together', 'k: 2, varianceFraction: 0.9', { k: 2, varianceFraction: 0.9 }, 'k: pca: give either k or varianceFraction, not both'],
  ],
});
