import { access, cp, mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { tableFromArrays, type RecordBatch } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDetector, saveDetector } from '../../src/artifact/model-dir.js';
import { ArtifactError, DataError, LatentflowError, ModelStateError } from '../../src/errors.js';
import type { Detector } from '../../src/models/detector.js';
import { runPipeline } from '../../src/pipeline/runner.js';
import { definePipeline } from '../../src/pipeline/spec.js';
import { selectBackend } from '../../src/runtime/backend.js';
import { autoencoderFit } from '../../src/stages/autoencoder-fit.js';
import { pcaFit } from '../../src/stages/pca-fit.js';
import { score as scoreStage } from '../../src/stages/score.js';
import { collect, fromArray, testContext } from '../helpers/context.js';
import { captureLogger } from '../helpers/logger.js';

/**
 * Hostile-input suite, damaged and degenerate models: a model that cannot score (constant data, a scale of
 * 0, a NaN threshold or weight, arrays of the wrong length) is refused at fit and at load with a typed
 * error naming the cause, never saved or loaded to flag every row (or none).
 */

let dir: string;
const exists = (p: string) => access(p).then(() => true, () => false);

/** Deterministic, varied training rows: a, b vary; `k` is the constant column when asked. */
function rows(n: number, options: { constantK?: boolean; allConstant?: boolean; withNull?: boolean } = {}): RecordBatch {
  const a = Float64Array.from({ length: n }, (_, i) => (options.allConstant ? 1 : Math.sin(i * 0.7) * 3 + i / n));
  const b = Float64Array.from({ length: n }, (_, i) => (options.allConstant ? 2 : Math.cos(i * 1.3) + 0.5 * a[i]));
  const k = Float64Array.from({ length: n }, () => 5);
  if (options.withNull) a[1] = Number.NaN;
  return tableFromArrays(options.constantK || options.allConstant ? { a, b, k } : { a, b }).batches[0];
}

async function fitWith(kind: 'ae' | 'pca', batches: RecordBatch[], extra: Record<string, unknown> = {}, logger = captureLogger()): Promise<Detector> {
  const ctx = testContext({ stageId: 'm', logger });
  const def = kind === 'ae' ? autoencoderFit : pcaFit;
  const params = kind === 'ae' ? { model: { epochs: 3, codeSize: 1, hiddenUnits: [4] }, ...extra } : { k: 1, ...extra };
  await collect(def.create(def.params.parse(params) as never, ctx).transform(fromArray(batches)));
  return ctx.models.get<Detector>('m');
}

/** Every path named `name` under `root` (the model layout may nest versions, so the tests search for it). */
async function findAll(root: string, name: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(root, { withFileTypes: true })) {
    const p = path.join(root, entry.name);
    if (entry.isDirectory()) out.push(...(await findAll(p, name)));
    else if (entry.name === name) out.push(p);
  }
  return out;
}

async function findOne(root: string, name: string): Promise<string> {
  const found = await findAll(root, name);
  expect(found, `${name} under ${root}`).toHaveLength(1);
  return found[0];
}

let aeDir: string;
let pcaDir: string;
let robustDir: string;

/** A fresh copy of a saved model whose manifest `edit` changes in place. */
async function damaged(source: string, name: string, edit: (m: Record<string, any>) => void): Promise<string> {
  const target = path.join(dir, name);
  await cp(source, target, { recursive: true });
  const file = await findOne(target, 'latentflow.json');
  const manifest = JSON.parse(await readFile(file, 'utf8'));
  edit(manifest);
  await writeFile(file, JSON.stringify(manifest));
  return target;
}

/** Writes raw manifest text (to hold values JSON.stringify cannot, e.g. 1e999 = Infinity). */
async function damagedText(source: string, name: string, edit: (text: string) => string): Promise<string> {
  const target = path.join(dir, name);
  await cp(source, target, { recursive: true });
  const file = await findOne(target, 'latentflow.json');
  await writeFile(file, edit(await readFile(file, 'utf8')));
  return target;
}

async function loadError(modelDir: string): Promise<LatentflowError> {
  const error = await loadDetector(modelDir).then(
    (d) => {
      d.dispose();
      return undefined;
    },
    (e: unknown) => e,
  );
  expect(error, `loading ${modelDir} must fail`).toBeInstanceOf(ArtifactError);
  return error as LatentflowError;
}

beforeAll(async () => {
  await selectBackend();
  dir = await mkdtemp(path.join(os.tmpdir(), 'latentflow-damaged-'));
  const train = [rows(200)];
  aeDir = path.join(dir, 'ae');
  pcaDir = path.join(dir, 'pca');
  robustDir = path.join(dir, 'robust');
  const ae = await fitWith('ae', train, { threshold: { method: 'contamination', value: 0.05 } });
  await saveDetector(aeDir, ae);
  ae.dispose();
  await saveDetector(pcaDir, await fitWith('pca', train, { threshold: { method: 'contamination', value: 0.05 }, scoreBy: 'mahalanobis' }));
  await saveDetector(robustDir, await fitWith('pca', train, { scaler: 'robust', threshold: { method: 'mad', k: 3 } }));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('degenerate training data is refused at fit, and no model is written', () => {
  for (const kind of ['ae', 'pca'] as const) {
    it(`${kind}: all-constant features are a DataError E_CONSTANT_DATA and nothing is saved`, async () => {
      const saveTo = path.join(dir, `constant-${kind}`);
      const error = await fitWith(kind, [rows(50, { allConstant: true })], { saveTo }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DataError);
      expect((error as DataError).code).toBe('E_CONSTANT_DATA');
      expect((error as Error).message).toMatch(/every feature is constant/);
      expect(await exists(saveTo)).toBe(false);
    });
  }

  for (const kind of ['ae', 'pca'] as const) {
    it(`${kind}: one constant column fits, warns naming it, and new values in it score finite`, async () => {
      const logger = captureLogger();
      const detector = await fitWith(kind, [rows(120, { constantK: true })], {}, logger);
      const warning = logger.records.find((r) => r.level === 'warn' && /constant/.test(r.msg ?? ''));
      expect(warning?.msg).toContain('"k"');
      // Values of k never seen in training (the training value was 5): finite scores, never Inf/NaN.
      const fresh = { data: Float32Array.from([0.1, 0.2, 5, 0.1, 0.2, 6, 0.1, 0.2, -100, 1, 1, 1e6]), rows: 4, cols: 3 };
      const scores = Array.from(detector.score(fresh));
      expect(scores.every(Number.isFinite)).toBe(true);
      expect(scores[1]).toBeGreaterThan(scores[0]);
      detector.dispose();
    });
  }

  it('empty input (header, no rows) is a DataError E_EMPTY_INPUT naming the file; the run fails and no model is written', async () => {
    await writeFile(path.join(dir, 'empty.csv'), 'a,b\n');
    const spec = definePipeline(
      { source: { type: 'csv-source', path: 'empty.csv' }, stages: [{ type: 'pca-fit', k: 1, saveTo: 'empty-model' }], sink: { type: 'null-sink' } },
      dir,
    );
    const error = await runPipeline(spec).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).code).toBe('E_EMPTY_INPUT');
    expect((error as DataError).file).toBe(path.join(dir, 'empty.csv'));
    expect((error as Error).message).toContain(path.join(dir, 'empty.csv'));
    expect(await exists(path.join(dir, 'empty-model'))).toBe(false);
  });

  it('a zero-byte input is a DataError E_EMPTY_INPUT too', async () => {
    await writeFile(path.join(dir, 'zero.csv'), '');
    const spec = definePipeline({ source: { type: 'csv-source', path: 'zero.csv' }, stages: [{ type: 'pca-fit', k: 1 }], sink: { type: 'null-sink' } }, dir);
    await expect(runPipeline(spec)).rejects.toMatchObject({ code: 'E_EMPTY_INPUT' });
  });

  it('one valid row is too few rows (E_TOO_FEW_ROWS), naming the count', async () => {
    const error = await fitWith('pca', [rows(3, { withNull: true }).slice(0, 2)], { onMissing: 'drop' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).code).toBe('E_TOO_FEW_ROWS');
    expect((error as Error).message).toMatch(/received 1 rows/);
  });

  it('a fit whose training scores are not finite is refused (ModelStateError) and not saved', async () => {
    // Values near float32's limit with no scaling: squared errors overflow to Infinity.
    const big = tableFromArrays({
      a: Float64Array.from({ length: 40 }, (_, i) => (i % 2 ? 3e38 : -3e38)),
      b: Float64Array.from({ length: 40 }, (_, i) => (i % 3 ? 3e38 : -3e38)),
      c: Float64Array.from({ length: 40 }, (_, i) => (i % 5 ? 3e38 : -3e38)),
    }).batches[0];
    const saveTo = path.join(dir, 'overflow');
    const error = await fitWith('pca', [big], { scaler: 'none', scoreBy: 'reconstruction', saveTo }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelStateError);
    expect((error as Error).message).toMatch(/cannot score/);
    expect(await exists(saveTo)).toBe(false);
  });
});

describe('damaged model directories are refused at load with ArtifactError naming the field', () => {
  it('the undamaged copies load (control)', async () => {
    for (const d of [aeDir, pcaDir, robustDir]) (await loadDetector(d)).dispose();
  });

  it('robust scaler scale 0', async () => {
    const d = await damaged(robustDir, 'scale0', (m) => (m.scaler.scale[0] = 0));
    expect((await loadError(d)).message).toMatch(/scaler\.scale\[0\] is 0/);
  });

  it('robust scaler scale negative, center NaN (null in JSON)', async () => {
    expect((await loadError(await damaged(robustDir, 'scale-neg', (m) => (m.scaler.scale[1] = -2)))).message).toMatch(/scaler\.scale\[1\] is -2/);
    expect((await loadError(await damaged(robustDir, 'center-nan', (m) => (m.scaler.center[0] = null)))).message).toMatch(/scaler\.center\[0\] is null/);
  });

  it('standard scaler: non-finite mean, negative m2, wrong length', async () => {
    expect((await loadError(await damaged(pcaDir, 'mean-null', (m) => (m.scaler.mean[1] = null)))).message).toMatch(/scaler\.mean\[1\]/);
    expect((await loadError(await damaged(pcaDir, 'm2-neg', (m) => (m.scaler.m2[0] = -1)))).message).toMatch(/scaler\.m2\[0\]/);
    expect((await loadError(await damaged(pcaDir, 'mean-short', (m) => m.scaler.mean.pop()))).message).toMatch(/scaler\.mean has 1 values; expected 2/);
    expect((await loadError(await damaged(pcaDir, 'cols', (m) => (m.scaler.cols = 3)))).message).toMatch(/scaler\.cols/);
  });

  it('a NaN or infinite threshold', async () => {
    expect((await loadError(await damaged(pcaDir, 'thr-null', (m) => (m.threshold.threshold = null)))).message).toMatch(/threshold\.threshold is null/);
    expect((await loadError(await damaged(pcaDir, 'thr-str', (m) => (m.threshold.threshold = 'NaN')))).message).toMatch(/threshold\.threshold/);
    const inf = await damagedText(pcaDir, 'thr-inf', (t) => t.replace(/"threshold": (-?[\d.e+-]+)/, '"threshold": 1e999'));
    expect((await loadError(inf)).message).toMatch(/threshold\.threshold is null|threshold\.threshold/);
  });

  it('features: empty, duplicated, not strings, or not matching the model width', async () => {
    expect((await loadError(await damaged(pcaDir, 'f-empty', (m) => (m.features = [])))).message).toMatch(/features/);
    expect((await loadError(await damaged(pcaDir, 'f-dup', (m) => (m.features = ['a', 'a'])))).message).toMatch(/features lists "a" twice/);
    expect((await loadError(await damaged(pcaDir, 'f-num', (m) => (m.features[1] = 7)))).message).toMatch(/features\[1\]/);
    expect((await loadError(await damaged(pcaDir, 'f-extra', (m) => m.features.push('c')))).message).toMatch(/expected 3|has 3 features/);
  });

  it('PCA: NaN mean, short components, zero axis variance, k out of range', async () => {
    expect((await loadError(await damaged(pcaDir, 'p-mean', (m) => (m.model.mean[0] = null)))).message).toMatch(/model\.mean\[0\]/);
    expect((await loadError(await damaged(pcaDir, 'p-comp', (m) => m.model.components.pop()))).message).toMatch(/model\.components/);
    expect((await loadError(await damaged(pcaDir, 'p-var', (m) => (m.model.axisVariances[0] = 0)))).message).toMatch(/model\.axisVariances\[0\] is 0/);
    expect((await loadError(await damaged(pcaDir, 'p-k', (m) => (m.model.k = 5)))).message).toMatch(/model\.k/);
  });

  it('impute values of the wrong length, unknown missing policy', async () => {
    expect((await loadError(await damaged(pcaDir, 'imp', (m) => (m.missing.imputeValues = [1])))).message).toMatch(/missing\.imputeValues/);
    expect((await loadError(await damaged(pcaDir, 'pol', (m) => (m.missing.policy = 'guess')))).message).toMatch(/missing\.policy/);
  });

  it('autoencoder: NaN in weights.bin', async () => {
    const d = path.join(dir, 'ae-nan');
    await cp(aeDir, d, { recursive: true });
    const weights = await findOne(d, 'weights.bin');
    const bytes = await readFile(weights);
    bytes.writeFloatLE(Number.NaN, 8);
    await writeFile(weights, bytes);
    expect((await loadError(d)).message).toMatch(/NaN or infinite/);
  });

  it('autoencoder: missing or truncated weights.bin, missing model.json', async () => {
    const missing = path.join(dir, 'ae-noweights');
    await cp(aeDir, missing, { recursive: true });
    await rm(await findOne(missing, 'weights.bin'));
    expect((await loadError(missing)).message).toMatch(/weight/);

    const cut = path.join(dir, 'ae-cut');
    await cp(aeDir, cut, { recursive: true });
    const weights = await findOne(cut, 'weights.bin');
    await truncate(weights, Math.floor((await stat(weights)).size / 2));
    await loadError(cut);

    const noTopology = path.join(dir, 'ae-nomodeljson');
    await cp(aeDir, noTopology, { recursive: true });
    await rm(await findOne(noTopology, 'model.json'));
    expect((await loadError(noTopology)).message).toMatch(/model\.json/);
  });

  it('autoencoder: input width different from the features, NaN scoring statistics', async () => {
    expect((await loadError(await damaged(aeDir, 'ae-dim', (m) => (m.model.inputDim = 3)))).message).toMatch(/model\.inputDim/);
    const withStats = await damaged(aeDir, 'ae-stats', (m) => (m.model.scoring = { residualScale: [1, 0] }));
    expect((await loadError(withStats)).message).toMatch(/model\.scoring\.residualScale\[1\] is 0/);
  });
});

describe('score-time missing-value policy works whatever the fit used', () => {
  const withGap = () => tableFromArrays({ a: Float64Array.from([0.5, Number.NaN, 1]), b: Float64Array.from([0.2, 0.3, Number.NaN]) }).batches[0];

  it('a model fitted with onMissing error saves the training means; score with impute uses them', async () => {
    const train = rows(200);
    const detector = await fitWith('pca', [train], { onMissing: 'error' });
    const a = train.getChild('a')!.toArray() as Float64Array;
    const mean = a.reduce((s, v) => s + v, 0) / a.length;
    expect(detector.missing.policy).toBe('error');
    expect(detector.missing.imputeValues?.[0]).toBeCloseTo(mean, 9);
    const saved = path.join(dir, 'error-fitted');
    await saveDetector(saved, detector);

    const ctx = testContext();
    const out = await collect(scoreStage.create(scoreStage.params.parse({ model: saved, onMissing: 'impute' }) as never, ctx).transform(fromArray([withGap()])));
    const scores = Array.from(out[0].getChild('score')!.toArray() as Float32Array);
    expect(scores).toHaveLength(3);
    expect(scores.every(Number.isFinite)).toBe(true);
    await ctx.models.dispose();
  });

  it('an older model saved without means gives a ModelStateError that says to refit', async () => {
    const old = await damaged(pcaDir, 'no-means', (m) => {
      m.missing = { policy: 'error', imputeValues: null };
    });
    const ctx = testContext();
    const stage = scoreStage.create(scoreStage.params.parse({ model: old, onMissing: 'impute' }) as never, ctx);
    const error = await collect(stage.transform(fromArray([withGap()]))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelStateError);
    expect((error as Error).message).toMatch(/saved without them; refit/);
    await ctx.models.dispose();
  });
});
