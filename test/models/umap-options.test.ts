import { describe, expect, test } from 'vitest';
import { describeStages } from '../../src/cli/list.js';
import { ModelConfigError, SpecError } from '../../src/errors.js';
import { UmapModel } from '../../src/models/umap.js';
import { type UmapConfig, umapLayoutShape } from '../../src/models/umap-options.js';
import { parsePipelines } from '../../src/pipeline/spec.js';

/** Issue 13 item 3: each umap option is declared once, in umap-options.ts; the umap stage, list and the model derive from it. */

const pipeline = (params: string) => `source: { type: csv-source, path: in.csv }
stages:
  - { type: umap, ${params} }
sink: { type: null-sink }
`;

function errors(params: string, config: UmapConfig): { model: ModelConfigError; stage: SpecError } {
  let model: unknown;
  let stage: unknown;
  try {
    new UmapModel(config);
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

describe('one schema per model: umap', () => {
  test.each([
    ['nNeighbors', 'integer = 15'],
    ['minDist', 'number = 0.1'],
    ['metric', '"euclidean"|"cosine" = "euclidean"'],
  ] as const)('latentflow list shows %s with its schema default and description', (name, typeAndDefault) => {
    const block = describeStages().split('\numap (transform)')[1].split(/\n\S/)[0];
    const description = String(umapLayoutShape[name].meta()?.description);
    expect(description.length).toBeGreaterThan(10);
    expect(`${block}\n`).toContain(`\n    ${name}: ${typeAndDefault}  ${description}\n`);
  });

  test.each<[string, string, UmapConfig, string]>([
    ['nNeighbors 1', 'nNeighbors: 1', { nNeighbors: 1 }, 'nNeighbors: umap: nNeighbors must be an integer >= 2, received 1'],
    ['spread 0', 'spread: 0', { spread: 0 }, 'spread: umap: spread must be a number > 0, received 0'],
    ['minDist above spread', 'minDist: 2', { minDist: 2 }, 'minDist: umap: minDist=2 must not exceed spread=1'],
    ['an unknown metric', 'metric: manhattan', { metric: 'manhattan' as never }, 'metric: umap: metric must be one of euclidean, cosine, received "manhattan"'],
  ])('%s: the constructor and the umap stage refuse it with the same message', (_title, params, config, message) => {
    const { model, stage } = errors(params, config);
    expect(model.message).toBe(message);
    expect(stage.message).toContain(message);
  });
});
