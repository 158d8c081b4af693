/**
 * PCA on wide data (issue 14): latentflow's PcaModel fit of k components on the first `--rows` MNIST digits
 * (784 pixel columns) beside scikit-learn's PCA(k) with its covariance_eigh, randomized and full solvers,
 * timed in the same run on the same float32 matrix (written to a temporary file for the Python side), as
 * medians of `--repeats` fits and as ratios latentflow / scikit-learn. Also times latentflow's partialFit in
 * 1,000-row batches (the streaming path), and checks the fit against a float64 scikit-learn fit of the same
 * rows: largest |component difference| (both sign conventions put the largest |loading| positive) and
 * largest relative difference of the explained-variance ratios over the k kept components.
 *
 * Fit times only (no data loading, no scoring), wall clock and process CPU (all threads; on a busy machine
 * the CPU figures move less than the wall ones); latentflow runs on the backend `selectBackend` picks
 * (`LATENTFLOW_BACKEND` overrides), scikit-learn on numpy's BLAS with every core. Needs a Python with
 * scikit-learn: `--python` (default .cache/bench-venv/bin/python, made by bench/peers/setup.sh).
 *
 * Run: `npx tsx bench/wide-pca.ts [--rows 8000] [--k 30] [--repeats 3] [--python PATH] [--out FILE]`
 */
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { loadDigits, sliceDigits } from './mnist-digits.js';
import { sklearnPca, SKLEARN_SOLVERS, timedPcaFits } from './pca-peer.js';
import { BENCH_PYTHON } from './python-peer.js';
import { median } from './timing.js';
import { sliceRows } from '../src/models/matrix.js';
import { PcaModel } from '../src/models/pca.js';
import { selectBackend } from '../src/runtime/backend.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '8000' },
    k: { type: 'string', default: '30' },
    repeats: { type: 'string', default: '3' },
    python: { type: 'string', default: BENCH_PYTHON },
    out: { type: 'string' },
  },
});
const rows = Number(values.rows);
const k = Number(values.k);
const repeats = Number(values.repeats);
const BATCH_ROWS = 1000;
const timed = (fit: () => PcaModel) => timedPcaFits(fit, repeats);

async function main() {
  const backend = await selectBackend();
  const x = sliceDigits(loadDigits(), 0, rows).x;
  const d = x.cols;
  const config = { k };
  const once = await timed(() => new PcaModel(config).fit(x));
  const streamed = await timed(() => {
    const model = new PcaModel(config);
    for (let start = 0; start < x.rows; start += BATCH_ROWS) model.partialFit(sliceRows(x, start, Math.min(x.rows, start + BATCH_ROWS)));
    return model.finish();
  });
  const sk = sklearnPca(values.python, x, k, repeats);

  const state = once.model.toJSON();
  let componentError = 0;
  for (let i = 0; i < k * d; i++) componentError = Math.max(componentError, Math.abs(state.components[i] - sk.components[i]));
  let ratioError = 0;
  for (let c = 0; c < k; c++) ratioError = Math.max(ratioError, Math.abs(state.varianceRatios[c] / sk.explainedVarianceRatio[c] - 1));
  const streamedState = streamed.model.toJSON();
  let streamError = 0;
  for (let i = 0; i < k * d; i++) streamError = Math.max(streamError, Math.abs(streamedState.components[i] - state.components[i]));

  const fastest = Math.min(...Object.values(sk.seconds).map(median));
  const fastestCpu = Math.min(...Object.values(sk.cpuSeconds).map(median));
  const rowOf = (name: string, wall: number[], cpu: number[]) =>
    `| ${name} | ${median(wall).toFixed(3)} s | ${wall.map((s) => s.toFixed(3)).join(', ')} | ${(median(wall) / fastest).toFixed(1)}x | ${median(cpu).toFixed(3)} s | ${(median(cpu) / fastestCpu).toFixed(1)}x |`;
  const lines = [
    `PCA(${k}) fit on ${rows} x ${d} MNIST pixels (float32), median of ${repeats}; ratio = time / scikit-learn's fastest solver (wall and CPU apart).`,
    `latentflow on the ${backend.name} backend; scikit-learn ${sk.sklearn} (numpy ${sk.numpy}); ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} at the end.`,
    '',
    '| fit | wall median | wall runs (s) | wall ratio | CPU median | CPU ratio |',
    '| --- | --- | --- | --- | --- | --- |',
    rowOf('latentflow `fit`', once.seconds, once.cpuSeconds),
    rowOf(`latentflow \`partialFit\` x ${Math.ceil(rows / BATCH_ROWS)} + \`finish\``, streamed.seconds, streamed.cpuSeconds),
    ...SKLEARN_SOLVERS.map((s) => rowOf(`scikit-learn \`${s}\``, sk.seconds[s], sk.cpuSeconds[s])),
    '',
    `Against scikit-learn \`full\` in float64 on the same rows: largest |component difference| ${componentError.toExponential(2)}, largest relative variance-ratio difference ${ratioError.toExponential(2)} (k = ${k}).`,
    `partialFit against fit: largest |component difference| ${streamError.toExponential(2)}.`,
  ];
  const text = lines.join('\n');
  console.log(text);
  if (values.out) await writeFile(values.out, `${text}\n`);
}

await main();
