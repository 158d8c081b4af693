import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fitDetector } from '../../src/api/fit-detector.js';
import { ENSEMBLE_FORMAT_VERSION } from '../../src/artifact/ensemble-layout.js';
import { FORMAT_VERSION, loadDetector, SINGLE_MODEL_FORMAT_VERSION, saveDetector } from '../../src/artifact/model-dir.js';
import { ArtifactError } from '../../src/errors.js';
import { Autoencoder } from '../../src/models/autoencoder/autoencoder.js';
import { AutoencoderEnsemble } from '../../src/models/autoencoder/autoencoder-ensemble.js';
import type { Detector } from '../../src/models/detector.js';
import type { Matrix } from '../../src/models/matrix.js';
import { selectBackend } from '../../src/runtime/backend.js';
import { helix, sameBits } from '../models/synthetic.js';

/** Ensembles in a model directory (format 3, member-<i>/ folders), and single models still written as format 2. */

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/models');
const data = helix(200, 5, 4);
const probe = helix(40, 5, 5, 0.3);
const small = { codeSize: 2, hiddenUnits: [8], epochs: 3, batchSize: 32 };

let root: string;
let ensemble: Detector;
let single: Detector;
let n = 0;
const fresh = (name: string) => path.join(root, `${name}-${n++}`);
const manifestOf = async (dir: string) => JSON.parse(await readFile(path.join(dir, 'latentflow.json'), 'utf8'));

beforeAll(async () => {
  // The format-2 fixture was written on the cpu backend; its scores are compared on the same one.
  await selectBackend('cpu');
  root = await mkdtemp(path.join(os.tmpdir(), 'latentflow-ensemble-'));
  ensemble = (await fitDetector(data, { backend: 'cpu', seed: 3, model: { ...small, ensemble: { size: 3 } } })).detector;
  single = (await fitDetector(data, { backend: 'cpu', seed: 3, model: small })).detector;
});

afterAll(async () => {
  ensemble?.dispose();
  single?.dispose();
  await rm(root, { recursive: true, force: true });
});

describe('ensemble model directory', () => {
  it('the fit stage builds an ensemble from model.ensemble, whose member 0 is the single model', () => {
    expect(ensemble.model).toBeInstanceOf(AutoencoderEnsemble);
    expect(single.model).toBeInstanceOf(Autoencoder);
    const members = ensemble.model as AutoencoderEnsemble;
    expect(sameBits(members.member(0).score(probe), (single.model as Autoencoder).score(probe))).toBe(true);
  });

  it('saves as format 3 with one member-<i>/ folder per member, and loads back with bitwise-identical scores', async () => {
    const dir = fresh('ens');
    await saveDetector(dir, ensemble);
    const manifest = await manifestOf(dir);
    expect(manifest.formatVersion).toBe(ENSEMBLE_FORMAT_VERSION);
    // This latentflow reads every format up to its newest (4, mixed-type encodings), ensembles included.
    expect(FORMAT_VERSION).toBeGreaterThanOrEqual(ENSEMBLE_FORMAT_VERSION);
    expect(manifest.model.type).toBe('autoencoder-ensemble');
    expect((await readdir(path.join(dir, manifest.versionDir))).sort()).toEqual(['member-0', 'member-1', 'member-2']);
    expect((await readdir(path.join(dir, manifest.versionDir, 'member-1'))).sort()).toEqual(['model.json', 'weights.bin']);
    const loaded = await loadDetector(dir);
    try {
      expect(loaded.model).toBeInstanceOf(AutoencoderEnsemble);
      expect(sameBits(loaded.score(probe), ensemble.score(probe))).toBe(true);
      expect(sameBits(loaded.featureErrors(probe).data, ensemble.featureErrors(probe).data)).toBe(true);
      expect(loaded.threshold).toEqual(ensemble.threshold);
    } finally {
      loaded.dispose();
    }
  });

  it('saving again over an ensemble directory keeps the current and two previous versions, whole', async () => {
    const dir = fresh('again');
    for (let i = 0; i < 4; i++) await saveDetector(dir, ensemble);
    const versions = (await readdir(dir)).filter((name) => name.startsWith('v-')).sort();
    expect(versions).toEqual(['v-2', 'v-3', 'v-4']);
    const loaded = await loadDetector(dir);
    expect(sameBits(loaded.score(probe), ensemble.score(probe))).toBe(true);
    loaded.dispose();
  });

  it('an ensemble can replace a single model in the same directory, and back', async () => {
    const dir = fresh('swap');
    await saveDetector(dir, single);
    await saveDetector(dir, ensemble);
    expect((await manifestOf(dir)).formatVersion).toBe(3);
    await saveDetector(dir, single);
    expect((await manifestOf(dir)).formatVersion).toBe(2);
    const loaded = await loadDetector(dir);
    expect(sameBits(loaded.score(probe), single.score(probe))).toBe(true);
    loaded.dispose();
  });

  it('a single model is still written as format 2, its params without an ensemble key (what older versions read)', async () => {
    const dir = fresh('single');
    await saveDetector(dir, single);
    const manifest = await manifestOf(dir);
    expect(manifest.formatVersion).toBe(SINGLE_MODEL_FORMAT_VERSION);
    expect(manifest.model.type).toBe('autoencoder');
    expect(Object.keys(manifest.model.params)).not.toContain('ensemble');
    expect((await readdir(path.join(dir, manifest.versionDir))).sort()).toEqual(['model.json', 'weights.bin']);
  });

  it('a damaged member is refused with ArtifactError naming model.members[i] and the field', async () => {
    const dir = fresh('damaged');
    await saveDetector(dir, ensemble);
    const manifest = await manifestOf(dir);
    manifest.model.members[1].scoring.residualScale[0] = 0;
    await writeFile(path.join(dir, 'latentflow.json'), JSON.stringify(manifest));
    await expect(loadDetector(dir)).rejects.toThrow(ArtifactError);
    await expect(loadDetector(dir)).rejects.toThrow(/model\.members\[1\]: model\.scoring\.residualScale\[0\] is 0/);
    manifest.model.members[1].scoring.residualScale[0] = 1;
    manifest.model.scoreScales = [1, 1];
    await writeFile(path.join(dir, 'latentflow.json'), JSON.stringify(manifest));
    await expect(loadDetector(dir)).rejects.toThrow(/scoreScales has 2 values; expected 3/);
  });
});

describe('format 2 model directory written before ensembles (test/fixtures/models/format2-autoencoder)', () => {
  it('still loads and scores as the version that wrote it did', async () => {
    const expected = JSON.parse(await readFile(path.join(FIXTURES, 'format2-autoencoder.expected.json'), 'utf8')) as { probe: number[][]; scores: number[]; threshold: number };
    // A copy: the committed fixture is never written to, even by a load.
    const dir = fresh('format2');
    await cp(path.join(FIXTURES, 'format2-autoencoder'), dir, { recursive: true });
    expect((await manifestOf(dir)).formatVersion).toBe(2);
    const loaded = await loadDetector(dir);
    try {
      expect(loaded.model).toBeInstanceOf(Autoencoder);
      const x: Matrix = { data: Float32Array.from(expected.probe.flat()), rows: expected.probe.length, cols: 4 };
      const scores = loaded.score(x);
      // Same backend, same weights: the same float32 scores (a relative 1e-6 allows another CPU's rounding).
      scores.forEach((s, i) => expect(Math.abs(s - expected.scores[i])).toBeLessThanOrEqual(1e-6 * Math.abs(expected.scores[i])));
      expect(loaded.threshold?.threshold).toBe(expected.threshold);
    } finally {
      loaded.dispose();
    }
  });
});
