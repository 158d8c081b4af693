import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type * as tf from '../../src/runtime/tf.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FORMAT_VERSION, loadDetector, readManifest, saveDetector, SINGLE_MODEL_FORMAT_VERSION } from '../../src/artifact/model-dir.js';
import { fileLoadHandler, fileSaveHandler } from '../../src/artifact/tfjs-file-handler.js';
import { ArtifactError, PathError } from '../../src/errors.js';
import { Detector } from '../../src/models/detector.js';
import { PcaModel } from '../../src/models/pca.js';
import { Scaler } from '../../src/models/scaler.js';

/**
 * The model files themselves, without training: the TensorFlow.js file handlers (what they write, what they
 * read back, every damaged-file error) and the manifest checks of readManifest/loadDetector, on a PCA
 * detector built from a known state.
 */

let root: string;
let n = 0;
const fresh = (name: string) => path.join(root, `${name}-${n++}`);

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'latentflow-files-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const TOPOLOGY = { class_name: 'Sequential', config: { layers: [] } };
const SPECS: tf.io.WeightsManifestEntry[] = [{ name: 'w', shape: [2], dtype: 'float32' }];

async function loadError(p: Promise<unknown>): Promise<ArtifactError> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ArtifactError);
  return error as ArtifactError;
}

describe('TensorFlow.js file handlers', () => {
  it('save writes weights.bin and a model.json naming it; load gives back the same artifacts', async () => {
    const dir = fresh('net');
    const weights = new Float32Array([1.5, -2]).buffer;
    const artifacts: tf.io.ModelArtifacts = {
      modelTopology: TOPOLOGY,
      weightSpecs: SPECS,
      weightData: weights,
      format: 'layers-model',
      generatedBy: 'test',
      convertedBy: null,
      trainingConfig: { loss: 'mse' } as never,
      signature: { inputs: {} },
      userDefinedMetadata: { note: 'kept' },
    };
    const result = await fileSaveHandler(dir).save!(artifacts);
    expect(result.modelArtifactsInfo.weightDataBytes).toBe(8);
    expect((await readdir(dir)).sort()).toEqual(['model.json', 'weights.bin']);
    expect(new Float32Array((await readFile(path.join(dir, 'weights.bin'))).buffer.slice(0))).toEqual(new Float32Array([1.5, -2]));
    const json = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8'));
    expect(json).toEqual({
      modelTopology: TOPOLOGY,
      format: 'layers-model',
      generatedBy: 'test',
      convertedBy: null,
      weightsManifest: [{ paths: ['./weights.bin'], weights: SPECS }],
      trainingConfig: { loss: 'mse' },
      signature: { inputs: {} },
      userDefinedMetadata: { note: 'kept' },
    });
    const loaded = await fileLoadHandler(dir).load!();
    expect(loaded.modelTopology).toEqual(TOPOLOGY);
    expect(loaded.weightSpecs).toEqual(SPECS);
    expect(new Float32Array(loaded.weightData as ArrayBuffer)).toEqual(new Float32Array([1.5, -2]));
    expect(loaded.userDefinedMetadata).toEqual({ note: 'kept' });
  });

  it('optional fields are left out of model.json, and no weights give an empty weights.bin', async () => {
    const dir = fresh('bare');
    await fileSaveHandler(dir).save!({ modelTopology: TOPOLOGY });
    const json = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8'));
    expect(Object.keys(json).sort()).toEqual(['modelTopology', 'weightsManifest']);
    expect(json.weightsManifest).toEqual([{ paths: ['./weights.bin'], weights: [] }]);
    expect((await readFile(path.join(dir, 'weights.bin'))).length).toBe(0);
  });

  it('a topology that is not JSON is refused before anything is written', async () => {
    const dir = fresh('binary');
    for (const modelTopology of [new ArrayBuffer(4), undefined]) {
      const e = await loadError(fileSaveHandler(dir).save!({ modelTopology } as tf.io.ModelArtifacts));
      expect(e.message).toBe(`${dir}: can only save a layers model with a JSON topology`);
    }
    await expect(readdir(dir)).rejects.toThrow(/ENOENT/);
  });

  it('a write failure is an ArtifactError naming the directory; no temp file is left', async () => {
    const dir = fresh('blocked');
    await mkdir(dir);
    await mkdir(path.join(dir, 'model.json'));
    const e = await loadError(fileSaveHandler(dir).save!({ modelTopology: TOPOLOGY, weightSpecs: SPECS, weightData: new ArrayBuffer(8) }));
    expect(e.message).toMatch(new RegExp(`^${dir}: cannot write the network files: `));
    expect(e.dir).toBe(dir);
    // The fs failure travels as the cause (errors.ts: always set cause), so --log-level debug shows its code.
    expect((e.cause as NodeJS.ErrnoException).code).toBe('EISDIR');
    expect((await readdir(dir)).sort()).toEqual(['model.json', 'weights.bin']);
  });

  it('weights split over several shards are read in order and joined', async () => {
    const dir = fresh('shards');
    await mkdir(dir);
    await writeFile(path.join(dir, 'a.bin'), Buffer.from(new Float32Array([1]).buffer));
    await writeFile(path.join(dir, 'b.bin'), Buffer.from(new Float32Array([2]).buffer));
    await writeFile(path.join(dir, 'model.json'), JSON.stringify({ modelTopology: TOPOLOGY, weightsManifest: [{ paths: ['a.bin', './b.bin'], weights: SPECS }] }));
    const loaded = await fileLoadHandler(dir).load!();
    expect(new Float32Array(loaded.weightData as ArrayBuffer)).toEqual(new Float32Array([1, 2]));
  });

  it('damaged network files are ArtifactErrors that say what is wrong', async () => {
    const dir = fresh('damaged');
    await mkdir(dir);
    const noTopology = await loadError(fileLoadHandler(dir).load!());
    expect(noTopology.message).toBe(`${dir}: cannot read the network topology (no model.json); save the model again`);
    expect((noTopology.cause as NodeJS.ErrnoException).code).toBe('ENOENT');
    await writeFile(path.join(dir, 'model.json'), '{not json');
    expect((await loadError(fileLoadHandler(dir).load!())).message).toMatch(new RegExp(`^${dir}: cannot read the network topology \\(.*JSON.*\\); save the model again$`));
    for (const text of ['null', '{}', '5']) {
      await writeFile(path.join(dir, 'model.json'), text);
      expect((await loadError(fileLoadHandler(dir).load!())).message).toBe(`${dir}: model.json has no modelTopology; it is not a TensorFlow.js layers model`);
    }
    await writeFile(path.join(dir, 'model.json'), JSON.stringify({ modelTopology: TOPOLOGY, weightsManifest: [{ paths: ['../outside.bin'], weights: SPECS }] }));
    expect((await loadError(fileLoadHandler(dir).load!())).message).toBe(`${dir}: weight shard "../outside.bin" points outside the model directory`);
    await writeFile(path.join(dir, 'model.json'), JSON.stringify({ modelTopology: TOPOLOGY, weightsManifest: [{ paths: ['./weights.bin'], weights: SPECS }] }));
    const noShard = await loadError(fileLoadHandler(dir).load!());
    expect(noShard.message).toMatch(new RegExp(`^${dir}: cannot read weight shard "./weights.bin": ENOENT`));
    expect((noShard.cause as NodeJS.ErrnoException).code).toBe('ENOENT');
  });
});

/** A fitted two-feature PCA detector from a known state. */
function pcaDetector(): Detector {
  const scaler = Scaler.fromJSON({ type: 'scaler', version: 1, params: { method: 'standard' }, count: 10, cols: 2, mean: [1, 2], m2: [9, 36], min: [-3, -4], max: [5, 8] });
  const model = PcaModel.fromJSON({ type: 'pca', version: 1, params: { k: 1 } as never, inputDim: 2, k: 1, mean: [0, 0], components: [0.6, 0.8], varianceRatios: [0.9] } as never);
  const training = { rows: 10, invalidRows: 0, fitMs: 3, backend: 'cpu', seed: 1, createdAt: '2026-01-01T00:00:00.000Z' };
  return new Detector('pca', ['a', 'b'], scaler, model, { policy: 'error', imputeValues: [1, 2] }, training, { method: 'fixed', value: 2, threshold: 2 });
}

const matrix = { data: Float32Array.from([1, 2, 5, -4, 0, 0]), rows: 3, cols: 2 };

describe('model directory manifest', () => {
  it('a PCA detector saves as a manifest without a version directory and loads back with the same scores', async () => {
    const dir = fresh('pca');
    const original = pcaDetector();
    await saveDetector(dir, original);
    expect(await readdir(dir)).toEqual(['latentflow.json']);
    const text = await readFile(path.join(dir, 'latentflow.json'), 'utf8');
    expect(text.endsWith('}\n')).toBe(true);
    expect(text).toContain('\n  "formatVersion": 2,\n');
    const manifest = JSON.parse(text);
    // Single models keep format 2 (only ensembles are 3), so older versions still read them.
    expect(manifest).toMatchObject({ format: 'latentflow-model', formatVersion: SINGLE_MODEL_FORMAT_VERSION, kind: 'pca', features: ['a', 'b'], missing: { policy: 'error', imputeValues: [1, 2] } });
    expect(manifest.threshold).toEqual({ method: 'fixed', value: 2, threshold: 2 });
    expect(manifest.training.createdAt).toBe('2026-01-01T00:00:00.000Z');
    expect(manifest.model.components).toEqual([0.6, 0.8]);
    expect(manifest).not.toHaveProperty('versionDir');
    const loaded = await loadDetector(dir);
    expect(loaded.kind).toBe('pca');
    expect(loaded.features).toEqual(['a', 'b']);
    expect(loaded.threshold).toEqual({ method: 'fixed', value: 2, threshold: 2 });
    expect(loaded.missing).toEqual({ policy: 'error', imputeValues: [1, 2] });
    expect(Array.from(loaded.score(matrix))).toEqual(Array.from(original.score(matrix)));
    expect(await readManifest(dir)).toEqual(manifest);
  });

  it('calibration scores save in the manifest and load back exactly; a manifest without them loads with none', async () => {
    const plain = pcaDetector();
    const scores = [0.125, Math.fround(0.3), Math.fround(0.3), 2.5];
    const calibrated = new Detector('pca', plain.features, plain.scaler, plain.model, plain.missing, { ...plain.training, calibrationRows: 4 }, plain.threshold, { fraction: 0.25, scores });
    const dir = fresh('calibrated');
    await saveDetector(dir, calibrated);
    const manifest = JSON.parse(await readFile(path.join(dir, 'latentflow.json'), 'utf8'));
    expect(manifest.calibration).toEqual({ fraction: 0.25, scores });
    expect(manifest.formatVersion).toBe(SINGLE_MODEL_FORMAT_VERSION);
    const loaded = await loadDetector(dir);
    expect(loaded.calibration).toEqual({ fraction: 0.25, scores });
    expect(loaded.training.calibrationRows).toBe(4);
    // A model saved before calibration existed (or fitted without it) has no field, and still loads and scores.
    delete manifest.calibration;
    const old = fresh('uncalibrated');
    await mkdir(old);
    await writeFile(path.join(old, 'latentflow.json'), JSON.stringify(manifest));
    const oldLoaded = await loadDetector(old);
    expect(oldLoaded.calibration).toBeNull();
    expect(Array.from(oldLoaded.score(matrix))).toEqual(Array.from(plain.score(matrix)));
    await saveDetector(fresh('plain'), plain);
    expect(JSON.parse(await readFile(path.join(root, `plain-${n - 1}`, 'latentflow.json'), 'utf8'))).not.toHaveProperty('calibration');
  });

  it('a model that cannot be serialised is an ArtifactError; a refused path stays a PathError', async () => {
    const detector = pcaDetector();
    const broken = new Detector('pca', detector.features, detector.scaler, {} as never, detector.missing, detector.training, null);
    const dir = fresh('unserialisable');
    const e = await loadError(saveDetector(dir, broken));
    expect(e.message).toBe(`${dir}: cannot save model: pca model cannot be serialised`);
    expect(e.cause).toBeInstanceOf(Error);
    const file = fresh('is-a-file');
    await writeFile(file, 'x');
    await expect(saveDetector(file, detector)).rejects.toBeInstanceOf(PathError);
    expect(await readFile(file, 'utf8')).toBe('x');
  });

  it('readManifest refuses what is not a loadable manifest, saying why', async () => {
    const dir = fresh('manifests');
    await mkdir(dir);
    const file = path.join(dir, 'latentflow.json');
    expect((await loadError(readManifest(dir))).message).toBe(`${dir}: not a latentflow model directory (no latentflow.json); fit one with \`latentflow fit\``);
    await writeFile(file, '{oops');
    expect((await loadError(readManifest(dir))).message).toMatch(new RegExp(`^${dir}: latentflow.json is not valid JSON: `));
    const base = JSON.parse(await readFile(path.join(await savedPca(), 'latentflow.json'), 'utf8'));
    const cases: [Record<string, unknown>, string | undefined][] = [
      [{ ...base, format: 'other' }, 'latentflow.json is not a latentflow model manifest'],
      [{ ...base, formatVersion: FORMAT_VERSION + 1 }, `model format ${FORMAT_VERSION + 1} is newer than this latentflow reads (${FORMAT_VERSION}); upgrade latentflow`],
      [{ ...base, formatVersion: 1 }, undefined],
      [{ ...base, formatVersion: FORMAT_VERSION }, undefined],
      [{ ...base, kind: 'umap' }, 'unknown model kind "umap"'],
      [{ ...base, kind: 'autoencoder' }, undefined],
      [{ ...base, versionDir: '../elsewhere' }, 'latentflow.json names version directory "../elsewhere"; expected v-<n> inside the model directory'],
      [{ ...base, versionDir: 7 }, 'latentflow.json names version directory 7; expected v-<n> inside the model directory'],
      [{ ...base, versionDir: 'v-3' }, undefined],
    ];
    for (const [manifest, problem] of cases) {
      await writeFile(file, JSON.stringify(manifest));
      if (problem === undefined) await expect(readManifest(dir)).resolves.toEqual(manifest);
      else expect((await loadError(readManifest(dir))).message).toBe(`${dir}: ${problem}`);
    }
    await writeFile(file, 'null');
    await expect(readManifest(dir)).rejects.toThrow();
  });

  it('loadDetector refuses a manifest that cannot score, and an autoencoder whose network files are missing', async () => {
    const source = await savedPca();
    const manifest = JSON.parse(await readFile(path.join(source, 'latentflow.json'), 'utf8'));
    const dir = fresh('cannot-score');
    await mkdir(dir);
    await writeFile(path.join(dir, 'latentflow.json'), JSON.stringify({ ...manifest, scaler: { ...manifest.scaler, cols: 5 } }));
    expect((await loadError(loadDetector(dir))).message).toBe(
      `${dir}: latentflow.json: scaler.cols is 5 but the model has 2 features; the model directory is damaged or was edited: fit the model again`,
    );
    const ae = fresh('no-network');
    await mkdir(path.join(ae, 'v-1'), { recursive: true });
    await writeFile(
      path.join(ae, 'latentflow.json'),
      JSON.stringify({ ...manifest, kind: 'autoencoder', versionDir: 'v-1', model: { type: 'autoencoder', version: 1, inputDim: 2, params: { codeSize: 1 }, scoring: null } }),
    );
    const e = await loadError(loadDetector(ae));
    expect(e.message).toBe(`${ae}: cannot load the autoencoder model: ${path.join(ae, 'v-1')}: cannot read the network topology (no model.json); save the model again`);
    // Without versionDir (the flat layout) the network files are looked for beside the manifest.
    const flat = JSON.parse(await readFile(path.join(ae, 'latentflow.json'), 'utf8'));
    delete flat.versionDir;
    await writeFile(path.join(ae, 'latentflow.json'), JSON.stringify(flat));
    expect((await loadError(loadDetector(ae))).message).toContain(`cannot load the autoencoder model: ${ae}: cannot read the network topology (no model.json)`);
  });

  it('a PCA state the model cannot restore is reported as a load failure naming the kind', async () => {
    const source = await savedPca();
    const manifest = JSON.parse(await readFile(path.join(source, 'latentflow.json'), 'utf8'));
    const dir = fresh('bad-pca');
    await mkdir(dir);
    // Passes the manifest checks (the params are the model's own) but PcaModel refuses the scoring mode.
    await writeFile(path.join(dir, 'latentflow.json'), JSON.stringify({ ...manifest, model: { ...manifest.model, params: { ...manifest.model.params, scoreBy: 'mahalanobis' } } }));
    const e = await loadError(loadDetector(dir));
    expect(e.message).toMatch(new RegExp(`^${dir}: cannot load the pca model: `));
  });
});

let pcaDir: string | undefined;
async function savedPca(): Promise<string> {
  if (pcaDir === undefined) {
    pcaDir = fresh('saved-pca');
    await saveDetector(pcaDir, pcaDetector());
  }
  return pcaDir;
}
