import { describe, expect, test } from 'vitest';
import { describeStages } from '../../src/cli/list.js';
import { ModelConfigError, SpecError } from '../../src/errors.js';
import { TsneModel } from '../../src/models/tsne.js';
import { type TsneConfig, tsneLayoutShape } from '../../src/models/tsne-options.js';
import { parsePipelines } from '../../src/pipeline/spec.js';

/** Issue 13 item 3: each tsne option is declared once, in tsne-options.ts; the tsne stage, list and the model derive from it. */

const pipeline = (params: string) => `source: { type: csv-source, path: in.csv }
stages:
  - { type: tsne, ${params} }
sink: { type: null-sink }
`;

function errors(params: string, config: TsneConfig): { model: ModelConfigError; stage: SpecError } {
  let model: unknown;
  let stage: unknown;
  try {
    new TsneModel(config);
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

describe('one schema per model: tsne', () => {
  test.each([
    ['perplexity', 'number = 30'],
    ['theta', 'number = 0.5'],
    ['learningRate', '"auto"|number = "auto"'],
  ] as const)('latentflow list shows %s with its schema default and description', (name, typeAndDefault) => {
    const block = describeStages().split('\ntsne (transform)')[1].split(/\n\S/)[0];
    const description = String(tsneLayoutShape[name].meta()?.description);
    expect(description.length).toBeGreaterThan(10);
    expect(`${block}\n`).toContain(`\n    ${name}: ${typeAndDefault}  ${description}\n`);
  });

  test.each<[string, string, TsneConfig, string]>([
    ['theta 2', 'theta: 2', { theta: 2 }, 'theta: tsne: theta must be in [0, 1] (0 is exact), received 2'],
    ['nComponents 4', 'nComponents: 4', { nComponents: 4 }, 'nComponents: tsne: nComponents must be an integer in [1, 3], received 4'],
    ['a learning rate of "fast"', 'learningRate: fast', { learningRate: 'fast' as never }, 'learningRate: tsne: learningRate must be a number > 0 or "auto", received "fast"'],
    ['a negative learning rate', 'learningRate: -1', { learningRate: -1 }, 'learningRate: tsne: learningRate must be a number > 0, received -1'],
  ])('%s: the constructor and the tsne stage refuse it with the same message', (_title, params, config, message) => {
    const { model, stage } = errors(params, config);
    expect(model.message).toBe(message);
    expect(stage.message).toContain(message);
  });
});
