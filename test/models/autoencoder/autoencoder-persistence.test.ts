import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '../../../src/runtime/tf.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { fileLoadHandler, fileSaveHandler } from '../../../src/artifact/tfjs-file-handler.js';
import { ArtifactError, ModelStateError } from '../../../src/errors.js';
import { Autoencoder, type AutoencoderConfig } from '../../../src/models/autoencoder/autoencoder.js';
import { selectBackend } from '../../../src/runtime/backend.js';
import { helix, sameBits } from '../synthetic.js';

let root: string;
let model: Autoencoder;
const data = helix(400, 7, 3);

beforeAll(async () => {
  await selectBackend();
  root = await mkdtemp(path.join(tmpdir(), 'latentflow-ae-'));
  model = new Autoencoder(7, { hiddenUnits: [16, 8], codeSize: 2, epochs: 5, batchSize: 32, dropout: 0.1, seed: 8 });
  await model.fit(data);
});

afterAll(async () => {
  model?.dispose();
  await rm(root, { recursive: true, force: true });
});

describe('Autoencoder persistence through the file handlers', () => {
  test('save then load gives bitwise-identical scores, codes and reconstructions', async () => {
    const dir = path.join(root, 'roundtrip');
    await model.save(fileSaveHandler(dir));
    const state = JSON.parse(JSON.stringify(model.toJSON()));
    // Loaded while the original is still alive: layer and variable names must not clash.
    const loaded = await Autoencoder.load(fileLoadHandler(dir), state);
    try {
      expect(sameBits(loaded.score(data), model.score(data))).toBe(true);
      expect(sameBits(loaded.encode(data).data, model.encode(data).data)).toBe(true);
      expect(sameBits(loaded.reconstruct(data).data, model.reconstruct(data).data)).toBe(true);
      expect(loaded.config).toEqual(model.config);
      expect(loaded.history).toEqual(model.history);
    } finally {
      loaded.dispose();
    }
  });

  test('save writes model.json and weights.bin and leaves no temporary files', async () => {
    const dir = path.join(root, 'files');
    await model.save(fileSaveHandler(dir));
    await model.save(fileSaveHandler(dir)); // overwriting works too
    expect((await readdir(dir)).sort()).toEqual(['model.json', 'weights.bin']);
    const json = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8'));
    expect(json.modelTopology).toBeDefined();
    expect(json.weightsManifest[0].paths).toEqual(['./weights.bin']);
    const weightCount = model.getWeights().reduce((n, w) => n + w.length, 0);
    expect((await readFile(path.join(dir, 'weights.bin'))).byteLength).toBe(4 * weightCount);
  });

  test('toJSON gives type, version, resolved params, inputDim and history', () => {
    const state = model.toJSON();
    expect(state).toMatchObject({ type: 'autoencoder', version: 1, inputDim: 7 });
    expect(state.params).toMatchObject({ hiddenUnits: [16, 8], codeSize: 2, decoderUnits: [8, 16], seed: 8, loss: 'mse' });
    expect(state.history?.epochs).toBe(5);
  });

  test('loading from a directory without model.json rejects with ArtifactError', async () => {
    await expect(Autoencoder.load(fileLoadHandler(path.join(root, 'missing')), model.toJSON())).rejects.toBeInstanceOf(ArtifactError);
  });

  test('a weight shard path outside the model directory is refused', async () => {
    const dir = path.join(root, 'escape');
    await model.save(fileSaveHandler(dir));
    const file = path.join(dir, 'model.json');
    const json = JSON.parse(await readFile(file, 'utf8'));
    json.weightsManifest[0].paths = ['../../etc/passwd'];
    await writeFile(file, JSON.stringify(json));
    await expect(Autoencoder.load(fileLoadHandler(dir), model.toJSON())).rejects.toThrow(/outside the model directory/);
  });

  test('saved params that do not match the network files are refused without leaking tensors', async () => {
    const dir = path.join(root, 'mismatch');
    await model.save(fileSaveHandler(dir));
    const before = tf.memory().numTensors;
    const state = model.toJSON();
    const wrong = { ...state, params: { ...state.params, hiddenUnits: [12, 8], decoderUnits: [8, 12] } };
    await expect(Autoencoder.load(fileLoadHandler(dir), wrong)).rejects.toBeInstanceOf(ModelStateError);
    await expect(Autoencoder.load(fileLoadHandler(dir), { ...state, type: 'pca' } as never)).rejects.toThrow(/type "autoencoder"/);
    expect(tf.memory().numTensors).toBe(before);
  });

  test('saving or serialising before fit throws ModelStateError', async () => {
    const fresh = new Autoencoder(7);
    await expect(fresh.save(fileSaveHandler(path.join(root, 'unfitted')))).rejects.toBeInstanceOf(ModelStateError);
    expect(() => fresh.toJSON()).toThrow(ModelStateError);
  });
});

describe('every variant: determinism, persistence and tensor memory', () => {
  // 16 columns so the convolutional variant can read them as 4 x 4 images; dropout exercises the seeded
  // masks in every network type.
  const x = helix(240, 16, 5);
  const common: AutoencoderConfig = { hiddenUnits: [16, 8], codeSize: 3, epochs: 2, batchSize: 32, dropout: 0.1, seed: 21 };
  const variants: [string, AutoencoderConfig][] = [
    ['sparse l1', { ...common, codeActivation: 'relu', sparsity: { type: 'l1', weight: 1e-3 } }],
    ['sparse kl', { ...common, codeActivation: 'sigmoid', sparsity: { type: 'kl', target: 0.1, weight: 0.1 } }],
    ['denoising gaussian', { ...common, denoising: { type: 'gaussian', sigma: 0.2, clip: [-2, 2] } }],
    ['denoising mask', { ...common, denoising: { type: 'mask', dropProbability: 0.3 } }],
    ['contractive (deep)', { ...common, codeActivation: 'sigmoid', contractive: { weight: 0.01 } }],
    ['variational, elbo scores', { ...common, variational: { beta: 1, scoreBy: 'elbo' } }],
    ['convolutional', { ...common, hiddenUnits: [8], convolutional: { shape: [4, 4, 1], filters: [4], kernelSize: 3 } }],
  ];

  test.each(variants)('%s: same seed gives bitwise-identical scores; save -> load gives them again; no tensors leak', async (_name, config) => {
    const before = tf.memory().numTensors;
    const a = new Autoencoder(16, config);
    const b = new Autoencoder(16, config);
    let loaded: Autoencoder | undefined;
    try {
      await a.fit(x);
      await b.fit(x);
      const scores = a.score(x);
      expect(scores.every(Number.isFinite)).toBe(true);
      expect(sameBits(scores, b.score(x))).toBe(true);
      expect(sameBits(a.encode(x).data, b.encode(x).data)).toBe(true);

      const dir = path.join(root, `variant-${_name.replace(/\W+/g, '-')}`);
      await a.save(fileSaveHandler(dir));
      loaded = await Autoencoder.load(fileLoadHandler(dir), JSON.parse(JSON.stringify(a.toJSON())));
      expect(loaded.config).toEqual(a.config);
      expect(sameBits(loaded.score(x), scores)).toBe(true);
      expect(sameBits(loaded.encode(x).data, a.encode(x).data)).toBe(true);
      expect(sameBits(loaded.reconstruct(x).data, a.reconstruct(x).data)).toBe(true);

      // Inference allocates nothing that outlives the call.
      const held = tf.memory().numTensors;
      for (let i = 0; i < 20; i++) {
        loaded.score(x);
        loaded.encode(x);
        loaded.reconstruct(x);
        loaded.featureErrors(x);
        loaded.decode({ data: new Float32Array(3 * 5), rows: 5, cols: 3 });
      }
      expect(tf.memory().numTensors).toBe(held);
    } finally {
      a.dispose();
      b.dispose();
      loaded?.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  test('a saved variational network loaded with plain dense params is refused without leaking tensors', async () => {
    const vae = new Autoencoder(16, { ...common, variational: {} });
    try {
      await vae.fit(x);
      const dir = path.join(root, 'variant-mismatch');
      await vae.save(fileSaveHandler(dir));
      const before = tf.memory().numTensors;
      const state = vae.toJSON();
      await expect(Autoencoder.load(fileLoadHandler(dir), { ...state, params: { ...state.params, variational: null } })).rejects.toBeInstanceOf(ModelStateError);
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      vae.dispose();
    }
  });
});
