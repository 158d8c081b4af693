import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENCODED_FORMAT_VERSION, loadDetector, MANIFEST, saveDetector } from '../../src/artifact/model-dir.js';
import { describeModel } from '../../src/cli/info.js';
import { ArtifactError } from '../../src/errors.js';
import type { Detector } from '../../src/models/detector.js';
import { selectBackend } from '../../src/runtime/backend.js';
import { autoencoderFit } from '../../src/stages/autoencoder-fit.js';
import { pcaFit } from '../../src/stages/pca-fit.js';
import { readFeatures } from '../../src/stages/shared/feature-input.js';
import { collect, fromArray, testContext } from '../helpers/context.js';
import { deviceTable } from '../helpers/mixed-data.js';

/** Saved models with mixed-type features (format 4): the encoding travels with the model. */
const table = deviceTable(500, 0.05, 11);
let dir: string;

async function fitted(kind: 'ae' | 'pca'): Promise<Detector> {
  const ctx = testContext({ stageId: 'm', seed: 5 });
  const common = { features: 'auto', exclude: ['label', 'id'], kinds: {}, encoding: { onUnknown: 'error' } };
  if (kind === 'ae') await collect(autoencoderFit.create(autoencoderFit.params.parse({ ...common, model: { epochs: 4 } }), ctx).transform(fromArray(table.batches)));
  else await collect(pcaFit.create(pcaFit.params.parse({ ...common, k: 2 }), ctx).transform(fromArray(table.batches)));
  return ctx.models.get<Detector>('m');
}

function scores(d: Detector): Float32Array {
  return d.score(readFeatures(table.batches[0], 0, d, 'error').matrix);
}

beforeAll(async () => {
  await selectBackend();
  dir = await mkdtemp(path.join(os.tmpdir(), 'latentflow-encoding-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('model directory with an encoding', () => {
  for (const kind of ['ae', 'pca'] as const) {
    it(`${kind}: save -> load gives identical scores, features and encoding, written as format ${ENCODED_FORMAT_VERSION}`, async () => {
      const d = await fitted(kind);
      const target = path.join(dir, kind);
      await saveDetector(target, d);
      const loaded = await loadDetector(target);
      try {
        expect(loaded.features).toEqual(['device', 'value', 'noise']);
        expect(loaded.encoding).toEqual(d.encoding);
        expect(Array.from(scores(loaded))).toEqual(Array.from(scores(d)));
        const manifest = JSON.parse(await readFile(path.join(target, MANIFEST), 'utf8'));
        expect(manifest.formatVersion).toBe(ENCODED_FORMAT_VERSION);
        expect(manifest.encoding.onUnknown).toBe('error');
      } finally {
        d.dispose();
        loaded.dispose();
      }
    }, 60_000);
  }

  it('latentflow info shows each feature kind and its encoding', async () => {
    const text = await describeModel(path.join(dir, 'ae'));
    expect(text).toMatch(/Feature kinds\s+device: categorical, one-hot 4 \+ other\/unknown\/null; value: numeric; noise: numeric \(9 encoded slots; unseen categories: error\)/);
  });

  it('a manifest whose encoding does not match its features is refused, naming the field', async () => {
    const target = path.join(dir, 'pca');
    const file = path.join(target, MANIFEST);
    const manifest = JSON.parse(await readFile(file, 'utf8'));
    manifest.encoding.columns[0].column = 'other';
    await writeFile(file, JSON.stringify(manifest));
    await expect(loadDetector(target)).rejects.toThrow(ArtifactError);
    await expect(loadDetector(target)).rejects.toThrow(/encoding\.columns\[0\]\.column/);
  });
});
