import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { fitSpec } from '../../../src/cli/fit.js';
import { ModelConfigError, SpecError } from '../../../src/errors.js';
import { resolveAutoencoderConfig } from '../../../src/models/autoencoder/autoencoder-config.js';
import { type AutoencoderConfig, VARIANT_DEFAULTS } from '../../../src/models/autoencoder/autoencoder-options.js';
import { parsePipelines } from '../../../src/pipeline/spec.js';

function configError(inputDim: number, config: AutoencoderConfig): ModelConfigError {
  try {
    resolveAutoencoderConfig(inputDim, config);
  } catch (error) {
    expect(error).toBeInstanceOf(ModelConfigError);
    return error as ModelConfigError;
  }
  throw new Error('expected a ModelConfigError');
}

describe('autoencoder variant options', () => {
  test('defaults fill every variant field; no variant by default', () => {
    const plain = resolveAutoencoderConfig(10);
    expect(plain).toMatchObject({ sparsity: null, denoising: null, contractive: null, variational: null, convolutional: null });
    const c = resolveAutoencoderConfig(784, {
      sparsity: { type: 'kl' },
      codeActivation: 'sigmoid',
      denoising: { type: 'gaussian' },
      contractive: {},
    });
    expect(c.sparsity).toEqual({ type: 'kl', target: VARIANT_DEFAULTS.klTarget, weight: VARIANT_DEFAULTS.klWeight });
    expect(c.denoising).toEqual({ type: 'gaussian', sigma: VARIANT_DEFAULTS.gaussianSigma, clip: null });
    expect(c.contractive).toEqual({ weight: VARIANT_DEFAULTS.contractiveWeight });
    expect(resolveAutoencoderConfig(784, { variational: {} }).variational).toEqual({ beta: 1, scoreBy: 'reconstruction' });
    expect(resolveAutoencoderConfig(784, { sparsity: { type: 'l1' } }).sparsity).toEqual({ type: 'l1', weight: VARIANT_DEFAULTS.l1Weight });
    expect(resolveAutoencoderConfig(784, { denoising: { type: 'mask' } }).denoising).toEqual({ type: 'mask', dropProbability: 0.25 });
  });

  test('a convolutional model gets the default filters and no dense hidden layers unless asked', () => {
    const c = resolveAutoencoderConfig(784, { convolutional: { shape: [28, 28, 1] } });
    expect(c.convolutional).toEqual({ shape: [28, 28, 1], filters: [16, 8], kernelSize: 3, poolSize: 2 });
    expect(c.hiddenUnits).toEqual([]);
    expect(c.decoderUnits).toEqual([]);
    expect(resolveAutoencoderConfig(784, { convolutional: { shape: [28, 28, 1] }, hiddenUnits: [64] }).decoderUnits).toEqual([64]);
  });

  test('resolved params resolve to themselves (what a saved model is reloaded from)', () => {
    for (const config of [
      { sparsity: { type: 'l1', weight: 1e-5 } },
      { denoising: { type: 'gaussian', sigma: 0.5, clip: [0, 1] } },
      { variational: { beta: 4, scoreBy: 'elbo' } },
      { convolutional: { shape: [28, 28, 1], filters: [8] } },
    ] as AutoencoderConfig[]) {
      const once = resolveAutoencoderConfig(784, config);
      expect(resolveAutoencoderConfig(784, JSON.parse(JSON.stringify(once)))).toEqual(once);
    }
  });

  test.each<[string, number, AutoencoderConfig, string, RegExp]>([
    ['kl sparsity on a linear code', 10, { sparsity: { type: 'kl' } }, 'sparsity', /needs code values in \(0, 1\).*codeActivation=linear.*set codeActivation: sigmoid/],
    ['kl sparsity on a relu code', 10, { sparsity: { type: 'kl' }, codeActivation: 'relu' }, 'sparsity', /codeActivation=relu/],
    ['a kl target of 1', 10, { sparsity: { type: 'kl', target: 1 }, codeActivation: 'sigmoid' }, 'sparsity.target', /in \(0, 1\)/],
    ['a negative l1 weight', 10, { sparsity: { type: 'l1', weight: -1e-5 } }, 'sparsity.weight', />= 0, received -0.00001/],
    ['a negative kl weight', 10, { sparsity: { type: 'kl', weight: -1 }, codeActivation: 'sigmoid' }, 'sparsity.weight', />= 0/],
    ['an unknown sparsity type', 10, { sparsity: { type: 'l2' } as never }, 'sparsity.type', /"l1" or "kl"/],
    ['a typo inside sparsity', 10, { sparsity: { type: 'l1', wieght: 1 } as never }, 'sparsity.wieght', /unknown option/],
    ['a negative contractive weight', 10, { contractive: { weight: -0.1 } }, 'contractive.weight', />= 0/],
    ['a negative beta', 10, { variational: { beta: -1 } }, 'variational.beta', />= 0/],
    ['an unknown scoreBy', 10, { variational: { scoreBy: 'likelihood' as never } }, 'variational.scoreBy', /reconstruction, elbo/],
    ['a variational code with an activation', 10, { variational: {}, codeActivation: 'sigmoid' }, 'codeActivation', /set it to linear/],
    ['variational with sparsity', 10, { variational: {}, sparsity: { type: 'l1' } }, 'sparsity', /cannot be combined with variational/],
    ['variational with contractive', 10, { variational: {}, contractive: {} }, 'contractive', /cannot be combined with variational/],
    ['contractive with convolutional', 784, { contractive: {}, convolutional: { shape: [28, 28, 1] } }, 'contractive', /dense encoders only/],
    ['variational with convolutional', 784, { variational: {}, convolutional: { shape: [28, 28, 1] } }, 'variational', /not available/],
    ['a zero sigma', 10, { denoising: { type: 'gaussian', sigma: 0 } }, 'denoising.sigma', /> 0/],
    ['a reversed clip range', 10, { denoising: { type: 'gaussian', clip: [1, 0] } }, 'denoising.clip', /min < max/],
    ['a drop probability of 1', 10, { denoising: { type: 'mask', dropProbability: 1 } }, 'denoising.dropProbability', /in \(0, 1\)/],
    ['a conv shape that does not match the features', 784, { convolutional: { shape: [28, 28, 3] } }, 'convolutional.shape', /holds 2352 values but the input has 784 feature columns/],
    ['a conv shape with two numbers', 784, { convolutional: { shape: [28, 28] as never } }, 'convolutional.shape', /\[height, width, channels\]/],
    ['an even kernel', 784, { convolutional: { shape: [28, 28, 1], kernelSize: 4 } }, 'convolutional.kernelSize', /odd/],
    ['too many pooling levels', 784, { convolutional: { shape: [28, 28, 1], filters: [8, 8, 8] } }, 'convolutional.filters', /divisible by 8, received 28x28/],
    ['no filters', 784, { convolutional: { shape: [28, 28, 1], filters: [] } }, 'convolutional.filters', /at least one/],
  ])('%s is refused, naming the option', (_title, d, config, option, message) => {
    const error = configError(d, config);
    expect(error.option).toBe(option);
    expect(error.code).toBe('E_MODEL_CONFIG');
    expect(error.message.startsWith(`${option}: `)).toBe(true);
    expect(error.message).toMatch(message);
  });
});

describe('variant options in a YAML pipeline', () => {
  const pipeline = (model: string) => `
source: { type: csv-source, path: in.csv }
stages:
  - type: autoencoder-fit
    model:
${model}
sink: { type: null-sink }
`;

  test('every variant option validates in the model: block', () => {
    const [spec] = parsePipelines(
      pipeline(`      codeActivation: sigmoid
      sparsity: { type: kl, target: 0.05, weight: 0.1 }
      denoising: { type: mask, dropProbability: 0.3 }
      contractive: { weight: 0.001 }`),
      'p.yaml',
    );
    expect(spec.stages[0].params.model).toMatchObject({ sparsity: { type: 'kl', target: 0.05 }, contractive: { weight: 0.001 } });
    expect(() => parsePipelines(pipeline('      variational: { beta: 2, scoreBy: elbo }'), 'p.yaml')).not.toThrow();
    expect(() => parsePipelines(pipeline('      convolutional: { shape: [28, 28, 1], filters: [16, 8], kernelSize: 3 }'), 'p.yaml')).not.toThrow();
  });

  test('an invalid combination fails at validation time with the position of the option', () => {
    const text = pipeline(`      codeActivation: linear
      sparsity: { type: kl, target: 0.05 }`);
    let error: unknown;
    try {
      parsePipelines(text, 'p.yaml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SpecError);
    const spec = error as SpecError;
    expect(spec.path).toBe('stages[0].model.sparsity');
    expect(spec.line).toBe(7);
    expect(spec.message).toMatch(/^p\.yaml:7:\d+: sparsity: autoencoder: kl sparsity .* set codeActivation: sigmoid/);
  });

  test('a negative penalty weight is refused by the schema, naming the key', () => {
    expect(() => parsePipelines(pipeline('      contractive: { weight: -1 }'), 'p.yaml')).toThrow(/stages\[0\]\.model\.contractive\.weight/);
    expect(() => parsePipelines(pipeline('      sparsity: { type: l1, weight: -0.1 }'), 'p.yaml')).toThrow(/weight/);
  });
});

describe('variant options from the CLI', () => {
  test('latentflow fit --config model.yaml passes the variant options to the autoencoder-fit stage', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'latentflow-cli-config-'));
    try {
      const file = path.join(dir, 'model.yaml');
      await writeFile(file, 'hiddenUnits: [64]\ncodeSize: 8\nvariational: { beta: 2, scoreBy: elbo }\ndenoising: { type: gaussian, sigma: 0.2 }\n');
      const spec = await fitSpec({ input: 'train.csv', model: 'model', type: 'autoencoder', threshold: { method: 'contamination', value: 0.01 }, config: file, epochs: 3 } as never);
      expect(spec.stages[0].params.model).toEqual({
        hiddenUnits: [64],
        codeSize: 8,
        epochs: 3,
        variational: { beta: 2, scoreBy: 'elbo' },
        denoising: { type: 'gaussian', sigma: 0.2 },
      });
      await writeFile(file, 'variational: {}\ncontractive: { weight: 0.1 }\n');
      await expect(fitSpec({ input: 'train.csv', model: 'model', type: 'autoencoder', threshold: { method: 'contamination', value: 0.01 }, config: file } as never)).rejects.toThrow(
        /contractive: .*cannot be combined with variational/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
