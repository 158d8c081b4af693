import { TsneModel } from '../../src/models/tsne.js';
import { type TsneConfig, tsneLayoutShape } from '../../src/models/tsne-options.js';
import { optionSchemaSuite } from '../helpers/option-schema-suite.js';

/** Issue 13 item 3: each tsne option is declared once, in tsne-options.ts; the tsne stage, list and the model derive from it. */
optionSchemaSuite<TsneConfig>({
  stage: 'tsne',
  shape: tsneLayoutShape,
  construct: (config) => new TsneModel(config),
  listed: [
    ['perplexity', 'number = 30'],
    ['theta', 'number = 0.5'],
    ['learningRate', '"auto"|number = "auto"'],
  ],
  refused: [
    ['theta 2', 'theta: 2', { theta: 2 }, 'theta: tsne: theta must be in [0, 1] (0 is exact), received 2'],
    ['nComponents 4', 'nComponents: 4', { nComponents: 4 }, 'nComponents: tsne: nComponents must be an integer in [1, 3], received 4'],
    ['a learning rate of "fast"', 'learningRate: fast', { learningRate: 'fast' as never }, 'learningRate: tsne: learningRate must be a number > 0 or "auto", received "fast"'],
    ['a negative learning rate', 'learningRate: -1', { learningRate: -1 }, 'learningRate: tsne: learningRate must be a number > 0, received -1'],
  ],
});
