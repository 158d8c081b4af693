import { describe, expect, test } from 'vitest';
import { ModelConfigError } from '../../../src/errors.js';
import { resolveAutoencoderConfig } from '../../../src/models/autoencoder/autoencoder-config.js';
import { AUTOENCODER_DEFAULTS, type AutoencoderConfig } from '../../../src/models/autoencoder/autoencoder-options.js';
import { Autoencoder } from '../../../src/models/autoencoder/autoencoder.js';

function configError(inputDim: number, config: AutoencoderConfig): ModelConfigError {
  try {
    resolveAutoencoderConfig(inputDim, config);
  } catch (error) {
    expect(error).toBeInstanceOf(ModelConfigError);
    return error as ModelConfigError;
  }
  throw new Error('expected a ModelConfigError');
}

describe('autoencoder default shape', () => {
  test.each([
    [784, [784, 128, 32, 128, 784]],
    [9, [9, 12, 3, 12, 9]],
    [2, [2, 8, 1, 8, 2]],
    [3, [3, 8, 1, 8, 3]],
    [100, [100, 128, 32, 128, 100]],
  ])('default network for %i inputs is undercomplete: %j', (d, units) => {
    expect(new Autoencoder(d).layerUnits).toEqual(units);
  });

  test('the code is narrower than the input for every width from 2 to 300', () => {
    for (let d = 2; d <= 300; d++) {
      const c = resolveAutoencoderConfig(d);
      expect(c.codeSize).toBeLessThan(d);
      expect(c.codeSize).toBeGreaterThanOrEqual(1);
    }
  });

  test('defaults are filled in and the decoder mirrors the encoder', () => {
    const c = resolveAutoencoderConfig(20, { hiddenUnits: [64, 32] });
    // `ensemble` is not a network option: one network's resolved config (saved as its params) never holds it.
    const { ensemble: _ensemble, ...networkDefaults } = AUTOENCODER_DEFAULTS;
    expect(c).toEqual({
      ...networkDefaults,
      epochs: null,
      budget: { steps: null, seconds: null },
      trim: 0,
      earlyStopping: { patience: 10, minDelta: 0, minRelativeDelta: 0.01 },
      hiddenUnits: [64, 32],
      codeSize: 7,
      decoderUnits: [32, 64],
    });
    expect(resolveAutoencoderConfig(20, { earlyStopping: false }).earlyStopping).toBe(false);
    expect(resolveAutoencoderConfig(20, { earlyStopping: { patience: 2 } }).earlyStopping).toEqual({ patience: 2, minDelta: 0, minRelativeDelta: 0.01 });
    expect(resolveAutoencoderConfig(20, { budget: { steps: 500 } }).budget).toEqual({ steps: 500, seconds: null });
    expect(resolveAutoencoderConfig(20, { codeSize: 4 }).hiddenUnits).toEqual([16]);
  });
});

describe('autoencoder config validation names the option', () => {
  test.each<[string, number, AutoencoderConfig, string | RegExp]>([
    ['codeSize equal to the input width', 6, { codeSize: 6 }, 'codeSize'],
    ['codeSize above the input width', 6, { codeSize: 10 }, 'codeSize'],
    ['codeSize 0', 6, { codeSize: 0 }, 'codeSize'],
    ['bce loss with a linear output', 6, { loss: 'bce' }, 'loss'],
    ['negative dropout', 6, { dropout: -0.1 }, 'dropout'],
    ['dropout 1', 6, { dropout: 1 }, 'dropout'],
    ['non-integer epochs', 6, { epochs: 2.5 }, 'epochs'],
    ['zero batch size', 6, { batchSize: 0 }, 'batchSize'],
    ['validationSplit 1', 6, { validationSplit: 1 }, 'validationSplit'],
    ['learning rate 0', 6, { learningRate: 0 }, 'learningRate'],
    ['unknown activation', 6, { activation: 'gelu' as never }, 'activation'],
    ['tanh output', 6, { outputActivation: 'tanh' as never }, 'outputActivation'],
    ['a zero-width hidden layer', 6, { hiddenUnits: [8, 0] }, 'hiddenUnits[1]'],
    ['decoder units that are not an array', 6, { decoderUnits: 8 as never }, 'decoderUnits'],
    ['negative patience', 6, { earlyStopping: { patience: -1 } }, 'earlyStopping.patience'],
    ['minRelativeDelta 1', 6, { earlyStopping: { minRelativeDelta: 1 } }, 'earlyStopping.minRelativeDelta'],
    ['an unknown stopping option', 6, { earlyStopping: { patiense: 3 } as never }, 'earlyStopping.patiense'],
    ['a step budget of 0', 6, { budget: { steps: 0 } }, 'budget.steps'],
    ['a negative time budget', 6, { budget: { seconds: -1 } }, 'budget.seconds'],
    ['an unknown budget option', 6, { budget: { epochs: 3 } as never }, 'budget.epochs'],
    ['trim 0.5', 6, { trim: 0.5 }, 'trim'],
    ['negative trim', 6, { trim: -0.1 }, 'trim'],
    ['a typo in an option name', 6, { hidenUnits: [8] } as never, 'hidenUnits'],
    ['a negative seed', 6, { seed: -3 }, 'seed'],
  ])('%s', (_title, d, config, option) => {
    const error = configError(d, config);
    expect(error.option).toBe(option);
    expect(error.code).toBe('E_MODEL_CONFIG');
    expect(error.message.startsWith(`${option}: `)).toBe(true);
  });

  test('the codeSize message says what to change', () => {
    expect(configError(6, { codeSize: 6 }).message).toMatch(/codeSize=6 must be below the 6 input columns.*at most 5/);
  });

  test('fewer than 2 input columns is refused', () => {
    expect(configError(1, {}).option).toBe('inputDim');
    expect(() => new Autoencoder(0)).toThrow(ModelConfigError);
  });
});
