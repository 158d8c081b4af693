import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Table, type RecordBatch } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnomalyDetector, DEFAULT_THRESHOLD, fitDetector, type Matrix } from '../../src/index.js';
import { ModelStateError } from '../../src/errors.js';
import { buildCli, latentflow } from '../helpers/cli.js';
import { numbers, planeWithOutliers } from '../helpers/data.js';

/**
 * The one-call detector (issue 17 item 3): `fitDetector(table or matrix)` with no options is `latentflow fit`
 * with no options, and its detector scores, predicts, encodes, saves and loads.
 */
const FEATURES = ['f0', 'f1', 'f2', 'f3', 'f4', 'f5'];
const batches: RecordBatch[] = planeWithOutliers(400, 8, 3, 400);
const table = new Table(batches);
let dir: string;
let detector: AnomalyDetector;

function asMatrix(rows: readonly RecordBatch[]): Matrix {
  const cols = FEATURES.map((f) => rows.flatMap((b) => numbers(b, f)));
  const n = cols[0].length;
  return { data: Float32Array.from({ length: n * FEATURES.length }, (_, i) => cols[i % FEATURES.length][Math.floor(i / FEATURES.length)]), rows: n, cols: FEATURES.length };
}

beforeAll(async () => {
  buildCli();
  dir = await mkdtemp(path.join(os.tmpdir(), 'latentflow-api-'));
  detector = await fitDetector(table, { exclude: ['outlier'] });
}, 120_000);

afterAll(async () => {
  detector?.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('fitDetector', () => {
  it("has the CLI's defaults: the same model, scores and threshold as `latentflow fit` on the same rows", async () => {
    const csv = path.join(dir, 'train.csv');
    const lines = batches.flatMap((b) => Array.from({ length: b.numRows }, (_, r) => b.schema.fields.map((f) => String(b.getChild(f.name)!.get(r))).join(',')));
    await writeFile(csv, `${batches[0].schema.fields.map((f) => f.name).join(',')}\n${lines.join('\n')}\n`);
    const modelDir = path.join(dir, 'cli-model');
    const fit = await latentflow(['fit', '-i', csv, '-m', modelDir, '--exclude', 'outlier', '--no-progress', '--log-level', 'silent'], dir);
    expect(fit.stderr).toBe('');
    expect(fit.code).toBe(0);
    const cli = await AnomalyDetector.load(modelDir);
    try {
      expect(cli.features).toEqual(detector.features);
      expect(detector.features).toEqual(FEATURES);
      expect(detector.threshold).toMatchObject(DEFAULT_THRESHOLD);
      expect(cli.threshold).toEqual(detector.threshold);
      expect(Array.from(cli.score(table))).toEqual(Array.from(detector.score(table)));
    } finally {
      cli.dispose();
    }
  }, 120_000);

  it('predict is 1 exactly where the score passes the threshold, about the contamination share of the training rows', () => {
    const scores = detector.score(table);
    const flags = detector.predict(table);
    expect(flags).toBeInstanceOf(Uint8Array);
    expect(flags).toHaveLength(400);
    flags.forEach((f, i) => expect(f).toBe(scores[i] > detector.threshold.threshold ? 1 : 0));
    const flagged = flags.reduce((n, f) => n + f, 0);
    expect(flagged).toBeGreaterThanOrEqual(1);
    const contamination = DEFAULT_THRESHOLD.method === 'contamination' ? DEFAULT_THRESHOLD.value : Number.NaN;
    expect(flagged).toBeLessThanOrEqual(Math.ceil(400 * contamination));
    // The rows pushed off the plane are the ones flagged first.
    const labels = batches.flatMap((b) => numbers(b, 'outlier'));
    expect(flags.every((f, i) => f === 0 || labels[i] === 1)).toBe(true);
  });

  it('scores a matrix, number[][] and record batches in feature order the same as the table', () => {
    const expected = Array.from(detector.score(table));
    const m = asMatrix(batches);
    expect(Array.from(detector.score(m))).toEqual(expected);
    const rows = Array.from({ length: m.rows }, (_, r) => Array.from(m.data.subarray(r * m.cols, (r + 1) * m.cols)));
    expect(Array.from(detector.score(rows))).toEqual(expected);
    expect(Array.from(detector.score([batches[0].slice(0, 150), batches[0].slice(150)]))).toEqual(expected);
  });

  it('fits on a matrix PyOD-style, naming the columns x0.. and flagging the planted outliers', async () => {
    const fromMatrix = await fitDetector(asMatrix(batches), { model: { epochs: 20 } });
    try {
      expect(fromMatrix.features).toEqual(['x0', 'x1', 'x2', 'x3', 'x4', 'x5']);
      const labels = batches.flatMap((b) => numbers(b, 'outlier'));
      const scores = fromMatrix.score(asMatrix(batches));
      const top = Array.from(scores.keys()).sort((a, b) => scores[b] - scores[a]).slice(0, 8);
      expect(top.filter((i) => labels[i] === 1).length).toBeGreaterThanOrEqual(6);
    } finally {
      fromMatrix.dispose();
    }
  }, 60_000);

  it('encode gives one code row per input row', () => {
    const codes = detector.encode(table);
    expect(codes.rows).toBe(400);
    expect(codes.cols).toBeGreaterThan(0);
    expect(codes.cols).toBeLessThan(FEATURES.length);
    expect(codes.data.every(Number.isFinite)).toBe(true);
  });

  it('save then load scores bitwise the same', async () => {
    const target = path.join(dir, 'saved');
    await detector.save(target);
    const loaded = await AnomalyDetector.load(target);
    try {
      expect(Array.from(loaded.score(table))).toEqual(Array.from(detector.score(table)));
      expect(loaded.threshold).toEqual(detector.threshold);
    } finally {
      loaded.dispose();
    }
  });

  it('pValues: each score against the saved calibration scores, kept by save/load; a ModelStateError without calibrationSplit', async () => {
    const pca = await fitDetector(table, { type: 'pca', exclude: ['outlier'], k: 2, calibrationSplit: 0.25 });
    try {
      const cal = pca.detector.calibration!.scores;
      expect(cal).toHaveLength(100);
      const scores = pca.score(table);
      const p = pca.pValues(table);
      scores.forEach((s, i) => expect(p[i]).toBeCloseTo((1 + cal.filter((c) => c >= s).length) / 101, 12));
      const target = path.join(dir, 'calibrated');
      await pca.save(target);
      const loaded = await AnomalyDetector.load(target);
      try {
        expect(Array.from(loaded.pValues(table))).toEqual(Array.from(p));
      } finally {
        loaded.dispose();
      }
    } finally {
      pca.dispose();
    }
    expect(() => detector.pValues(table)).toThrow(ModelStateError);
    expect(() => detector.pValues(table)).toThrow(/calibrationSplit/);
  });

  it('fits PCA with type: pca and its options', async () => {
    const pca = await fitDetector(table, { type: 'pca', exclude: ['outlier'], k: 2, threshold: { method: 'contamination', value: 0.02 } });
    try {
      expect(pca.kind).toBe('pca');
      expect(pca.threshold).toMatchObject({ method: 'contamination', value: 0.02 });
      expect(pca.predict(table).reduce((n, f) => n + f, 0)).toBe(8);
    } finally {
      pca.dispose();
    }
  });

  it('an option that does not exist or is out of range is a SpecError naming it', async () => {
    await expect(fitDetector(table, { exclude: ['outlier'], model: { codeSise: 2 } } as never)).rejects.toMatchObject({ code: 'E_SPEC', message: expect.stringContaining('codeSise') });
    await expect(fitDetector(table, { exclude: ['outlier'], threshold: { method: 'contamination', value: 2 } })).rejects.toMatchObject({ code: 'E_SPEC', message: expect.stringContaining('threshold.value') });
  });

  it('rows with a missing feature: an error naming row and column by default; NaN in place under drop', () => {
    const rows = [
      [0, 0, 0, 0, 0, 0],
      [0, Number.NaN, 0, 0, 0, 0],
      [1, 1, 1, 1, 1, 1],
    ];
    expect(() => detector.score(rows)).toThrow(expect.objectContaining({ code: 'E_DATA', row: 1, column: 'f1' }));
    const scores = detector.score(rows, { onMissing: 'drop' });
    expect(scores).toHaveLength(3);
    expect(Number.isNaN(scores[1])).toBe(true);
    expect(scores[0]).toBe(detector.score([rows[0]])[0]);
    expect(scores[2]).toBe(detector.score([rows[2]])[0]);
    expect(detector.predict(rows, { onMissing: 'drop' })[1]).toBe(0);
  });

  it('rows of the wrong width are an error saying how many features the model takes', () => {
    expect(() => detector.score([[1, 2, 3]])).toThrow(/3 values, the model has 6 features/);
  });
});
