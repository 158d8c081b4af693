import { Command } from 'commander';
import { describe, expect, test } from 'vitest';
import { registerFit } from '../../../src/cli/fit.js';
import { describeStages } from '../../../src/cli/list.js';
import { ModelConfigError, SpecError } from '../../../src/errors.js';
import { autoencoderOptions, type AutoencoderConfig } from '../../../src/models/autoencoder/autoencoder-options.js';
import { Autoencoder } from '../../../src/models/autoencoder/autoencoder.js';
import { optionHelp } from '../../../src/models/option-schema.js';
import { parsePipelines } from '../../../src/pipeline/spec.js';

/** Issue 13 item 3: each autoencoder option is declared once, in `autoencoderOptions`, and everything else derives from it. */

const pipeline = (model: string) => `source: { type: csv-source, path: in.csv }
stages:
  - type: autoencoder-fit
    model: ${model}
sink: { type: null-sink }
`;

function constructorError(inputDim: number, config: AutoencoderConfig): ModelConfigError {
  try {
    new Autoencoder(inputDim, config).dispose();
  } catch (error) {
    expect(error).toBeInstanceOf(ModelConfigError);
    return error as ModelConfigError;
  }
  throw new Error('expected a ModelConfigError');
}

function specError(model: string): SpecError {
  try {
    parsePipelines(pipeline(model), 'p.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(SpecError);
    return error as SpecError;
  }
  throw new Error('expected a SpecError');
}

const description = (name: keyof typeof autoencoderOptions.shape): string => String(autoencoderOptions.shape[name].meta()?.description);

describe('one schema per model: the autoencoder', () => {
  test.each([
    ['learningRate', 'number = 0.001'],
    ['trim', 'number = 0'],
    ['batchSize', 'integer = 256'],
    ['seed', 'integer = 42'],
  ] as const)('latentflow list shows %s with its schema default and description', (name, typeAndDefault) => {
    expect(description(name).length).toBeGreaterThan(10);
    expect(describeStages()).toContain(`\n        ${name}: ${typeAndDefault}  ${description(name)}\n`);
  });

  test.each<[string, string, AutoencoderConfig, string]>([
    ['a learning rate of 0', '{ learningRate: 0 }', { learningRate: 0 }, 'learningRate: autoencoder: learningRate must be a number > 0, received 0'],
    ['trim 0.5', '{ trim: 0.5 }', { trim: 0.5 }, 'trim: autoencoder: trim must be a number in [0, 0.5), received 0.5'],
    ['a zero-width layer', '{ hiddenUnits: [8, 0] }', { hiddenUnits: [8, 0] }, 'autoencoder: hiddenUnits[1] must be a layer width (integer >= 1), received 0'],
    ['a negative penalty weight', '{ sparsity: { type: l1, weight: -1 } }', { sparsity: { type: 'l1', weight: -1 } }, 'sparsity.weight: autoencoder: weight must be a number >= 0, received -1'],
    [
      'variational with a sigmoid code',
      '{ variational: {}, codeActivation: sigmoid }',
      { variational: {}, codeActivation: 'sigmoid' },
      'codeActivation: autoencoder: a variational code is a Gaussian sample',
    ],
  ])('%s: the constructor and the autoencoder-fit stage refuse it with the same message', (_title, yaml, config, message) => {
    const fromModel = constructorError(6, config);
    expect(fromModel.message).toContain(message);
    const fromStage = specError(yaml).message;
    // The stage names a nested key by its last segment (`weight:`); the reason after it is the model's, word for word.
    expect(fromStage).toContain(fromModel.message.slice(fromModel.message.indexOf('autoencoder: ')));
    if (!/[.[]/.test(fromModel.option)) expect(fromStage).toContain(fromModel.message);
  });

  test('latentflow fit --help shows the schema description and default of the flags that set model options', () => {
    const program = new Command('latentflow');
    registerFit(program);
    const fit = program.commands.find((c) => c.name() === 'fit')!;
    const help = (flag: string) => fit.options.find((o) => o.long === flag)?.description;
    expect(help('--trim')).toBe(optionHelp(autoencoderOptions.shape.trim));
    expect(help('--batch-size')).toBe(`${description('batchSize')} (default 256)`);
    expect(help('--learning-rate')).toBe(`${description('learningRate')} (default 0.001)`);
  });

  test('a flag is checked against the range the schema declares', () => {
    const program = new Command('latentflow').exitOverride();
    registerFit(program);
    program.commands.forEach((c) => c.exitOverride().configureOutput({ writeErr: () => undefined }));
    expect(() => program.parse(['fit', '-i', 'a.csv', '-m', 'm', '--trim', '0.5'], { from: 'user' })).toThrow(/--trim expects a number in \[0, 0\.5\), received "0\.5"/);
  });
});
