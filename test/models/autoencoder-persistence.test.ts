import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { fileLoadHandler, fileSaveHandler } from '../../src/artifact/tfjs-file-handler.js';
import { ArtifactError, ModelStateError } from '../../src/errors.js';
import { Autoencoder } from '../../src/models/autoencoder.js';
import { selectBackend } from '../../src/runtime/backend.js';
import { helix, sameBits } from './synthetic.js';

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
