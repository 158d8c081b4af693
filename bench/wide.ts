/**
 * Wide data against the peers, one run (issue 14 item 5): each step of the issue's table beside its peer, as
 * medians of `--repeats` and ratios latentflow / peer, wall clock and process CPU (all threads) apart:
 *
 * 1. PCA(k) fit on the first `--rows` MNIST digits (784 columns): `PcaModel.fit` against scikit-learn's
 *    fastest solver (bench/pca-peer.ts, bench/wide_pca_sklearn.py);
 * 2. one autoencoder epoch of bench/wide-ae.ts's network on the same rows (`Autoencoder.fit`, one epoch, no
 *    validation split, no early stopping, no post-fit statistics) against PyTorch with the same network,
 *    initialisation, optimizer, batch and loss on one thread (bench/wide_ae_torch.py), with GFLOP/s;
 * 3. the `latentflow fit` command (CLI process on a CSV of those rows) for PCA and for the autoencoder (the
 *    same network, one epoch): the share of its wall time outside the model fit (the fit's own `fitMs` from
 *    its log), i.e. process start, CSV read, scaling, scoring, threshold and save; no peer, target <= 15 %;
 * 4. UMAP on `--umap-rows` x 32 seeded synthetic codes: the `umap` stage's default path (fit a 10,000-row
 *    sample, place the rest) against umap-learn's `fit_transform` (bench/umap-peer.ts), with trustworthiness.
 *
 * latentflow runs on the backend `selectBackend` picks (`LATENTFLOW_BACKEND=tensorflow` for native, when it is
 * built). Peers: `--python` for scikit-learn and PyTorch (default .cache/bench-venv/bin/python, made by
 * bench/peers/setup.sh), `--umap-python` for umap-learn (default .cache/umap-venv/bin/python). `--skip` takes a
 * comma list of steps to leave out (pca, ae, fit, umap).
 *
 * Run: `npx tsx bench/wide.ts [--rows 8000] [--k 30] [--repeats 3] [--umap-rows 20000] [--python PATH]
 * [--umap-python PATH] [--skip umap] [--cli built|tsx] [--out FILE]`; `--cli built` (default) runs the fit command as
 * users do, from `npm run build`'s dist/.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { trustworthinessEach } from '../src/evaluation/embedding-quality.js';
import { Autoencoder } from '../src/models/autoencoder/autoencoder.js';
import { takeRows, type Matrix } from '../src/models/matrix.js';
import { PcaModel } from '../src/models/pca.js';
import { selectBackend } from '../src/runtime/backend.js';
import { loadDigits, sliceDigits } from './mnist-digits.js';
import { sklearnPca, timedPcaFits } from './pca-peer.js';
import { BENCH_PYTHON, ROOT, runPythonPeerOn } from './python-peer.js';
import { cpuSeconds, median, timedProcess, timedRepeats } from './timing.js';
import { sampledMap, syntheticCodes, trustSubset, umapLearn } from './umap-peer.js';
import { WIDE_AE, wideAeFlopsPerRow } from './wide-ae.js';
import { cliCommand, cliText } from './cli-command.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '8000' },
    k: { type: 'string', default: '30' },
    repeats: { type: 'string', default: '3' },
    'umap-rows': { type: 'string', default: '20000' },
    'umap-sample-rows': { type: 'string', default: '10000' },
    python: { type: 'string', default: BENCH_PYTHON },
    'umap-python': { type: 'string', default: path.join(ROOT, '.cache/umap-venv/bin/python') },
    skip: { type: 'string', default: '' },
    seed: { type: 'string', default: '1' },
    out: { type: 'string' },
    cli: { type: 'string', default: 'built' },
  },
});
const rows = Number(values.rows);
const k = Number(values.k);
const repeats = Number(values.repeats);
const seed = Number(values.seed);
const skip = new Set(values.skip.split(',').filter((s) => s !== ''));
const log = (message: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${message}`);
const loads: string[] = [];
const noteLoad = () => loads.push(os.loadavg()[0].toFixed(1));

/** One table row: ours beside the peer's, medians, and the ratios. */
interface Step {
  step: string;
  ours: { wall: number; cpu: number; note?: string };
  peer?: { name: string; wall: number; cpu: number; note?: string };
}
const steps: Step[] = [];
const extra: string[] = [];

async function pcaStep(x: Matrix): Promise<void> {
  log(`PCA(${k}) on ${x.rows} x ${x.cols}`);
  noteLoad();
  const ours = await timedPcaFits(() => new PcaModel({ k }).fit(x), repeats);
  const sk = sklearnPca(values.python, x, k, repeats);
  const solvers = Object.keys(sk.seconds) as (keyof typeof sk.seconds)[];
  const fastest = solvers.reduce((a, b) => (median(sk.cpuSeconds[a]) <= median(sk.cpuSeconds[b]) ? a : b));
  steps.push({
    step: `PCA(${k}) fit, ${x.rows} x ${x.cols}`,
    ours: { wall: median(ours.seconds), cpu: median(ours.cpuSeconds), note: '`PcaModel.fit`' },
    peer: { name: `scikit-learn ${sk.sklearn} \`${fastest}\` (fastest by CPU)`, wall: median(sk.seconds[fastest]), cpu: median(sk.cpuSeconds[fastest]) },
  });
}

async function aeStep(x: Matrix): Promise<void> {
  log(`autoencoder epoch, ${WIDE_AE.widths.join('-')}`);
  noteLoad();
  const config = { ...WIDE_AE.config, epochs: 1, validationSplit: 0, earlyStopping: false as const, scoreBy: 'reconstruction' as const, neighbors: null };
  const run = async (runSeed: number) => {
    const ae = new Autoencoder(x.cols, { ...config, seed: runSeed });
    const wall0 = performance.now();
    const cpu0 = cpuSeconds();
    const history = await ae.fit(x);
    const result = { wall: (performance.now() - wall0) / 1000, cpu: cpuSeconds() - cpu0, loss: history.loss[0] };
    ae.dispose();
    return result;
  };
  await run(seed); // warm-up, as the peer's
  const ours = [];
  for (let r = 0; r < repeats; r++) ours.push(await run(seed + 1 + r));
  const c = WIDE_AE.config;
  const torch = runPythonPeerOn<{ torch: string; threads: number; seconds: number[]; cpuSeconds: number[]; loss: number[] }>(
    values.python,
    'wide_ae_torch.py',
    x,
    [WIDE_AE.widths.join(','), c.learningRate, c.batchSize, repeats, seed],
  );
  const gflop = (wideAeFlopsPerRow() * x.rows) / 1e9;
  const [ourCpu, torchCpu] = [median(ours.map((o) => o.cpu)), median(torch.cpuSeconds)];
  steps.push({
    step: `autoencoder ${WIDE_AE.widths.join('-')}, batch ${c.batchSize}, one epoch of ${x.rows} rows`,
    ours: { wall: median(ours.map((o) => o.wall)), cpu: ourCpu, note: `${(gflop / ourCpu).toFixed(1)} GFLOP/s of CPU; loss ${median(ours.map((o) => o.loss)).toFixed(4)}` },
    peer: {
      name: `PyTorch ${torch.torch}, ${torch.threads} thread`,
      wall: median(torch.seconds),
      cpu: torchCpu,
      note: `${(gflop / torchCpu).toFixed(1)} GFLOP/s of CPU; loss ${median(torch.loss).toFixed(4)}`,
    },
  });
  extra.push(`Autoencoder epoch arithmetic: ${gflop.toFixed(1)} GFLOP (6 FLOPs per weight per row, fwd + bwd).`);
}

/** Writes `x` as a CSV with columns p0..p{d-1}, values as float32 prints them. */
function writeCsv(file: string, x: Matrix): void {
  const lines = [Array.from({ length: x.cols }, (_, j) => `p${j}`).join(',')];
  for (let r = 0; r < x.rows; r++) lines.push(Array.from(x.data.subarray(r * x.cols, (r + 1) * x.cols), (v) => String(v)).join(','));
  writeFileSync(file, `${lines.join('\n')}\n`);
}

async function fitCommandStep(x: Matrix): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'latentflow-wide-fit-'));
  try {
    const csv = path.join(dir, 'x.csv');
    writeCsv(csv, x);
    const cli = [...cliCommand(values.cli), 'fit', '-i', csv, '--no-progress', '--seed', String(seed)];
    const c = WIDE_AE.config;
    const kinds: [string, string[]][] = [
      [`pca --k ${k}`, ['-t', 'pca', '--k', String(k)]],
      [
        `autoencoder ${WIDE_AE.widths.join('-')}, 1 epoch`,
        ['-t', 'autoencoder', '--hidden', c.hiddenUnits.join(','), '--code-size', String(c.codeSize), '--epochs', '1', '--batch-size', String(c.batchSize), '--learning-rate', String(c.learningRate)],
      ],
    ];
    for (const [name, args] of kinds) {
      log(`latentflow fit ${name}`);
      noteLoad();
      const runs = [];
      for (let r = 0; r < repeats; r++) {
        const out = timedProcess(process.execPath, [...cli, '-m', path.join(dir, `model-${r}`), ...args]);
        const fitMs = /"fitMs":(\d+)/.exec(out.stderr);
        if (fitMs === null) throw new Error(`latentflow fit ${name}: no fitMs in its log:\n${out.stderr.slice(-2000)}`);
        runs.push({ wall: out.seconds, cpu: out.cpuSeconds, fit: Number(fitMs[1]) / 1000 });
        rmSync(path.join(dir, `model-${r}`), { recursive: true, force: true });
      }
      const wall = median(runs.map((r) => r.wall));
      const fit = median(runs.map((r) => r.fit));
      steps.push({
        step: `\`latentflow fit -t ${name}\` (${x.rows} x ${x.cols} CSV), share outside the model fit`,
        ours: { wall, cpu: median(runs.map((r) => r.cpu)), note: `model fit ${fit.toFixed(2)} s; outside it ${(wall - fit).toFixed(2)} s = **${((100 * (wall - fit)) / wall).toFixed(0)} %** of the wall time` },
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function umapStep(): Promise<void> {
  const umapRows = Number(values['umap-rows']);
  const sampleRows = Math.min(Number(values['umap-sample-rows']), umapRows);
  log(`UMAP on ${umapRows} x 32 codes`);
  noteLoad();
  const x = syntheticCodes(umapRows, 32, seed);
  const ours = await timedRepeats(repeats, async () => (await sampledMap(x, sampleRows, seed)).map);
  const map = ours.last;
  const learn = umapLearn(values['umap-python'], x, repeats, 5000, seed);
  const subset = trustSubset(umapRows, 2000, seed);
  const [ourTrust, learnTrust] = trustworthinessEach(takeRows(x, subset), [takeRows(map, subset), takeRows({ data: Float32Array.from(learn.embedding), rows: umapRows, cols: 2 }, subset)], 10);
  steps.push({
    step: `UMAP 2-D of ${umapRows} x 32 codes`,
    ours: { wall: median(ours.seconds), cpu: median(ours.cpuSeconds), note: `stage default: fit ${sampleRows} + transform ${umapRows - sampleRows}; trustworthiness ${ourTrust.toFixed(3)}` },
    peer: { name: `umap-learn ${learn.umap} \`fit_transform\` (warm)`, wall: median(learn.seconds), cpu: median(learn.cpuSeconds), note: `trustworthiness ${learnTrust.toFixed(3)}` },
  });
}

async function main(): Promise<void> {
  const started = new Date().toISOString();
  const backend = await selectBackend();
  const x = sliceDigits(loadDigits(), 0, rows).x;
  if (!skip.has('pca')) await pcaStep(x);
  if (!skip.has('ae')) await aeStep(x);
  if (!skip.has('fit')) await fitCommandStep(x);
  if (!skip.has('umap')) await umapStep();
  noteLoad();
  const s = (v: number) => `${v.toFixed(2)} s`;
  const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
  const command = `npx tsx bench/wide.ts ${process.argv.slice(2).join(' ')}`.trim();
  const lines = [
    `Command: \`${command}\``,
    '',
    `Measured ${started} on ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}, latentflow on the ${backend.name} backend (the fit command: ${cliText(values.cli)}); medians of ${repeats}; 1-min load average at each step's start and at the end: ${loads.join(', ')}.`,
    '',
    '| step | latentflow wall | CPU | peer | peer wall | CPU | ratio wall | ratio CPU | notes |',
    '| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | --- |',
    ...steps.map(({ step, ours, peer }) =>
      peer === undefined
        ? `| ${step} | ${s(ours.wall)} | ${s(ours.cpu)} | — | | | | | ${ours.note ?? ''} |`
        : `| ${step} | ${s(ours.wall)} | ${s(ours.cpu)} | ${peer.name} | ${s(peer.wall)} | ${s(peer.cpu)} | ${ratio(ours.wall, peer.wall)} | ${ratio(ours.cpu, peer.cpu)} | ${[ours.note, peer.note && `peer: ${peer.note}`].filter(Boolean).join('; ')} |`,
    ),
    '',
    ...extra,
  ];
  const text = lines.join('\n');
  console.log(text);
  if (values.out) await writeFile(values.out, `${text}\n`);
}

await main();
