/**
 * Runs latentflow on the splits written by bench/peers/export_data.py, through the public library API, and
 * writes test scores and timings as JSON for bench/peers/merge.py.
 *
 * Methods (each fits a standard `Scaler` on the train part first, as `latentflow fit` does by default):
 *   lf-default   `Autoencoder` with every default (shape from the input width d, 50 epochs, batch 256,
 *                10 % validation split, early stopping), seed = split seed
 *   lf-pyodlike  the closest existing configuration to PyOD's AutoEncoder(): d-64-c-64-d with
 *                c = min(32, d - 1), ReLU on every hidden layer and the code, dropout 0.2, Adam lr 1e-3,
 *                10 epochs, batch 32, no validation split, no early stopping (PyOD has neither). Missing:
 *                batch norm, weight decay, dropout on the code layer (see the report)
 *   lf-pyodlike-bn  lf-pyodlike plus `batchNorm: true, weightDecay: 1e-5`, options proposed for the model;
 *                skipped (with a note) while the Autoencoder does not accept them
 *   lf-pca       `PcaModel` with its default (components explaining 95 % of the variance)
 *
 * fit_s: scaler fit + transform, model fit, scoring the training rows and a contamination=0.1 threshold
 * (what `latentflow fit` does; PyOD's fit also scores the training rows for its threshold).
 * score_rows_s: raw test rows scaled and scored per second (repeated until --min-score-s have passed).
 * Before any timing each method is fitted once on a tiny set (backend start-up is not charged).
 *
 * Run: npx tsx bench/peers/run-latentflow.ts [--data DIR] [--out FILE] [--backend auto|wasm|cpu|tensorflow]
 *      [--methods lf-default,lf-pyodlike,lf-pca] [--min-score-s 0.25]
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { tableFromIPC } from 'apache-arrow';
import * as pw from 'parquet-wasm/node';
import * as tf from '@tensorflow/tfjs';
import { Autoencoder, type AutoencoderConfig, averagePrecision, fitThreshold, type Matrix, PcaModel, rocAuc, Scaler, selectBackend } from '../../src/index.js';

const root = path.resolve(import.meta.dirname, '../..');
const { values: args } = parseArgs({
  options: {
    data: { type: 'string', default: path.join(root, '.cache/bench-data/full') },
    out: { type: 'string', default: path.join(root, '.cache/bench-results/full/latentflow.json') },
    backend: { type: 'string', default: 'auto' },
    methods: { type: 'string', default: 'lf-default,lf-pyodlike,lf-pyodlike-bn,lf-pca' },
    'min-score-s': { type: 'string', default: '0.25' },
  },
});
const minScoreS = Number(args['min-score-s']);

interface Split { seed: number; train: string; test: string }
interface DatasetEntry { name: string; features: number; splits: Split[] }

/** One fitted method: scores raw rows (scaling included). */
interface Fitted { score(x: Matrix): Float32Array; dispose(): void; info: Record<string, unknown> }
type Method = (x: Matrix, seed: number) => Promise<Fitted>;

/** PyOD AutoEncoder() defaults expressed with the options latentflow has today. */
export function pyodLikeConfig(d: number, seed: number): AutoencoderConfig {
  return {
    hiddenUnits: [64],
    codeSize: Math.min(32, d - 1),
    decoderUnits: [64],
    activation: 'relu',
    codeActivation: 'relu',
    dropout: 0.2,
    learningRate: 1e-3,
    epochs: 10,
    batchSize: 32,
    validationSplit: 0,
    earlyStopping: false,
    seed,
  };
}

function autoencoderMethod(config: (d: number, seed: number) => AutoencoderConfig): Method {
  return async (x, seed) => {
    const scaler = new Scaler('standard').fit(x);
    const xs = scaler.transform(x);
    const model = new Autoencoder(x.cols, config(x.cols, seed));
    const history = await model.fit(xs);
    fitThreshold(model.score(xs), { method: 'contamination', value: 0.1 });
    return {
      score: (m) => model.score(scaler.transform(m)),
      dispose: () => model.dispose(),
      info: { layers: model.layerUnits.join('-'), epochs: history.epochs, stoppedEarly: history.stoppedEarly },
    };
  };
}

const METHODS: Record<string, Method> = {
  'lf-default': autoencoderMethod((_d, seed) => ({ seed })),
  'lf-pyodlike': autoencoderMethod(pyodLikeConfig),
  // Options not in AutoencoderConfig yet: the cast lets this compile either way; the constructor decides.
  'lf-pyodlike-bn': autoencoderMethod((d, seed) => ({ ...pyodLikeConfig(d, seed), batchNorm: true, weightDecay: 1e-5 }) as AutoencoderConfig),
  'lf-pca': async (x) => {
    const scaler = new Scaler('standard').fit(x);
    const xs = scaler.transform(x);
    const model = new PcaModel().fit(xs);
    fitThreshold(model.score(xs), { method: 'contamination', value: 0.1 });
    return { score: (m) => model.score(scaler.transform(m)), dispose: () => undefined, info: { k: model.k } };
  },
};

async function readSplit(file: string): Promise<{ x: Matrix; labels: Int8Array }> {
  const table = tableFromIPC(pw.readParquet(new Uint8Array(await readFile(file))).intoIPCStream());
  const names = table.schema.fields.map((f) => f.name).filter((n) => n !== 'label');
  const rows = table.numRows;
  const cols = names.length;
  const data = new Float32Array(rows * cols);
  names.forEach((name, j) => {
    const column = table.getChild(name)!.toArray() as Float64Array;
    for (let r = 0; r < rows; r++) data[r * cols + j] = column[r];
  });
  const labels = Int8Array.from(table.getChild('label')!.toArray() as Int8Array);
  return { x: { data, rows, cols }, labels };
}

function scoringRate(fitted: Fitted, x: Matrix): number {
  let reps = 0;
  const started = performance.now();
  for (;;) {
    fitted.score(x);
    reps++;
    const elapsedS = (performance.now() - started) / 1000;
    if (elapsedS >= minScoreS || reps >= 10_000) return (reps * x.rows) / elapsedS;
  }
}

function randomMatrix(rows: number, cols: number): Matrix {
  let state = 12345;
  const data = new Float32Array(rows * cols).map(() => {
    state = (state * 1103515245 + 12345) >>> 0;
    return state / 2 ** 32 - 0.5;
  });
  return { data, rows, cols };
}

async function main(): Promise<void> {
  const backend = await selectBackend(args.backend as 'auto');
  const manifest = JSON.parse(await readFile(path.join(args.data, 'manifest.json'), 'utf8')) as { datasets: DatasetEntry[] };
  const requested = args.methods.split(',');
  for (const m of requested) if (!(m in METHODS)) throw new Error(`run-latentflow: unknown method ${m}; expected ${Object.keys(METHODS).join(', ')}`);
  const skipped: Record<string, string> = {};
  const methods = requested.filter((m) => {
    if (m !== 'lf-pyodlike-bn') return true;
    try {
      new Autoencoder(8, { ...pyodLikeConfig(8, 0), batchNorm: true, weightDecay: 1e-5 } as AutoencoderConfig);
      return true;
    } catch (error) {
      skipped[m] = (error as Error).message;
      console.error(`run-latentflow: skipping ${m}: ${skipped[m]}`);
      return false;
    }
  });
  const loadavg = os.loadavg();

  const warm = randomMatrix(256, 8);
  for (const m of methods) {
    const fitted = await METHODS[m](warm, 0);
    fitted.score(warm);
    fitted.dispose();
  }

  const results: Record<string, unknown>[] = [];
  for (const ds of manifest.datasets) {
    for (const split of ds.splits) {
      const train = await readSplit(path.join(args.data, split.train));
      const test = await readSplit(path.join(args.data, split.test));
      for (const m of methods) {
        const started = performance.now();
        const fitted = await METHODS[m](train.x, split.seed);
        const fitS = (performance.now() - started) / 1000;
        try {
          const scores = fitted.score(test.x);
          const rate = scoringRate(fitted, test.x);
          const r = {
            dataset: ds.name,
            seed: split.seed,
            method: m,
            fit_s: fitS,
            score_rows_s: rate,
            roc_auc: rocAuc(scores, test.labels),
            ap: averagePrecision(scores, test.labels),
            ...fitted.info,
            scores: Array.from(scores),
          };
          results.push(r);
          console.error(
            `${ds.name.padEnd(12)} seed ${split.seed} ${m.padEnd(11)} auc ${r.roc_auc.toFixed(3)} ap ${r.ap.toFixed(3)} fit ${fitS.toFixed(2).padStart(7)}s score ${rate.toFixed(0).padStart(10)} rows/s`,
          );
        } finally {
          fitted.dispose();
        }
      }
    }
  }
  const git = (...a: string[]) => execFileSync('git', ['-C', root, ...a], { encoding: 'utf8' }).trim();
  const env = {
    commit: git('rev-parse', '--short', 'HEAD'),
    srcModified: git('status', '--porcelain', 'src') !== '',
    node: process.version,
    backend: backend.name,
    tfjs: tf.version.tfjs,
    cpus: os.cpus().length,
    loadavg,
    loadavgEnd: os.loadavg(),
    numTensorsEnd: tf.memory().numTensors,
    skipped,
  };
  await mkdir(path.dirname(args.out), { recursive: true });
  await writeFile(args.out, JSON.stringify({ runner: 'latentflow', env, results }));
}

await main();
