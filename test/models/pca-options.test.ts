import { describe, expect, test } from 'vitest';
import { describeStages } from '../../src/cli/list.js';
import { ModelConfigError, SpecError } from '../../src/errors.js';
import { PcaModel } from '../../src/models/pca.js';
import { type PcaConfig, pcaOptionShape } from '../../src/models/pca-options.js';
import { parsePipelines } from '../../src/pipeline/spec.js';

/** Issue 13 item 3: each PCA option is declared once, in pca-options.ts; `pca-fit`, `list` and the model derive from it. */

const pipeline = (params: string) => `source: { type: csv-source, path: in.csv }
stages:
  - { type: pca-fit, ${params} }
sink: { type: null-sink }
`;

function errors(params: string, config: PcaConfig): { model: ModelConfigError; stage: SpecError } {
  let model: unknown;
  let stage: unknown;
  try {
    new PcaModel(config);
  } catch (error) {
    model = error;
  }
  try {
    parsePipelines(pipeline(params), 'p.yaml');
  } catch (error) {
    stage = error;
  }
  expect(model).toBeInstanceOf(ModelConfigError);
  expect(stage).toBeInstanceOf(SpecError);
  return { model: model as ModelConfigError, stage: stage as SpecError };
}

describe('one schema per model: PCA', () => {
  test('latentflow list shows varianceFraction and scoreBy with their schema defaults and descriptions', () => {
    const block = describeStages().split('pca-fit (transform)')[1];
    for (const [name, typeAndDefault] of [
      ['varianceFraction', 'number = 0.95'],
      ['scoreBy', '"reconstruction"|"mahalanobis" = "mahalanobis"'],
    ] as const) {
      const description = String(pcaOptionShape[name].meta()?.description);
      expect(description.length).toBeGreaterThan(10);
      expect(block).toContain(`\n    ${name}: ${typeAndDefault}  ${description}\n`);
    }
  });

  test.each<[string, string, PcaConfig, string]>([
    ['varianceFraction 1.2', 'varianceFraction: 1.2', { varianceFraction: 1.2 }, 'varianceFraction: pca: varianceFraction must be a number in (0, 1], received 1.2'],
    ['k 0', 'k: 0', { k: 0 }, 'k: pca: k must be a positive integer, received 0'],
    ['an unknown scoreBy', 'scoreBy: distance', { scoreBy: 'distance' as never }, 'scoreBy: pca: scoreBy must be one of reconstruction, mahalanobis, received "distance"'],
    ['k and varianceFraction together', 'k: 2, varianceFraction: 0.9', { k: 2, varianceFraction: 0.9 }, 'k: pca: give either k or varianceFraction, not both'],
  ])('%s: the constructor and the pca-fit stage refuse it with the same message', (_title, params, config, message) => {
    const { model, stage } = errors(params, config);
    expect(model.message).toBe(message);
    expect(stage.message).toContain(message);
  });
});
